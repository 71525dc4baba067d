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


ROLES = {
    "intake": "intake-01", "industry_party_committee": "ipc-01", "trade_union": "union-01",
    "finance": "finance-01", "audit": "audit-01", "supervision": "supervision-01",
    "township_party_committee": "tpc-01", "village_committee": "vc-01", "admin": "admin-01",
    "organisation_department": "org-01", "party_building_instructor": "pbi-01",
    "data_protection": "dpo-01", "assessment_leader": "leader-01", "department_cadre": "dcadre-01",
}  # fmt: skip


@pytest.fixture
def tokens(client: TestClient) -> dict[str, dict[str, str]]:
    """An Authorization header per role (principal as in ROLES)."""
    from api.tokens import Tokens
    from ledger.actor import Actor, Role
    from ledger.principal import Principals
    from tests.support.principals import enrol

    store: Tokens = client.app.state.services.tokens  # type: ignore[attr-defined]
    ledger = client.app.state.services.ledger  # type: ignore[attr-defined]
    enrol(ledger, *(Actor(principal, Role(role)) for role, principal in ROLES.items()))
    registry, now = Principals(ledger), ledger.clock()
    return {
        role: {"Authorization": "Bearer " + store.issue(registry, principal, now)}
        for role, principal in ROLES.items()
    }
