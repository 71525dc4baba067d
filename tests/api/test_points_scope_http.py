"""Points streams' place over HTTP (review defects 5, 6): another county's committee of a
same-named township is refused with 409 principal.scope, a cadre's own account rating its
own evaluation form with 409 principal.own_book; problem+json naming the rule, nothing
stored."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.points.evaluation import INDICATORS
from ledger.principal import Principals
from tests.api.test_points_allocations_http import SCHEME, _refused
from tests.integration.points_helpers import TOWNSHIP, cadre_book, points_ready
from tests.integration.test_points_scope import OWN, QS_TOWNSHIP, other_county, own_account


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


def test_cadres_own_account_scoring_its_own_form_is_409(
    client: TestClient, ledger: Ledger, clock: SteppingClock
) -> None:
    points = points_ready(ledger, clock)
    book = cadre_book(points)
    own_account(ledger, points, book)
    form: UUID = points.open_form(book, 1, TOWNSHIP)
    body = {"scores": dict.fromkeys(INDICATORS, 90)}
    path = f"{SCHEME}/forms/{form}/scores"
    assert _refused(client, ledger, path, body, _token(client, OWN.principal)) == (
        "principal.own_book"
    )
