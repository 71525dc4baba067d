"""Points streams' place over HTTP (review defects 5, 6): another county's committee of a
same-named township is refused with 409 principal.scope; problem+json naming the rule,
nothing stored."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.principal import Principals
from tests.api.test_points_allocations_http import SCHEME, _refused
from tests.integration.points_helpers import points_ready
from tests.integration.test_points_scope import QS_TOWNSHIP, other_county


def _token(client: TestClient, account: str) -> dict[str, str]:
    services: Any = client.app.state.services  # type: ignore[attr-defined]
    token = services.tokens.issue(Principals(services.ledger), account, services.ledger.clock())
    return {"Authorization": f"Bearer {token}"}


def test_plan_amended_by_another_countys_township_of_the_same_name_is_409(
    client: TestClient, ledger: Ledger, clock: SteppingClock
) -> None:
    points_ready(ledger, clock)
    other_county(ledger)
    body = {"task": "industry", "title": "产业发展", "points_tenths": 90, "reason": "调整"}
    path = f"{SCHEME}/plans/th01/amendments"
    assert _refused(client, ledger, path, body, _token(client, QS_TOWNSHIP.principal)) == (
        "principal.scope"
    )
