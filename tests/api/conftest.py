"""An in-process server (FastAPI TestClient) over a test ledger; followers off, driven by
the tests (``settle``) so that every read is deterministic."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.settings import Settings


@pytest.fixture
def client(ledger: Ledger, settings: Settings, clock: SteppingClock) -> Iterator[TestClient]:
    app = create_app(settings, clock=clock, follow=False, max_body_bytes=4096)
    with TestClient(app) as test_client:
        yield test_client


def settle(client: TestClient) -> None:
    """Integrate the log and bring the server's projections up to it."""
    services = client.app.state.services  # type: ignore[attr-defined]
    services.ledger.log.integrate()
    services.projections.catch_up()
