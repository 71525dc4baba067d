"""Allocations and bonus/deduction entries over HTTP (issue 13, points items 1 and 2): each
rule refused as 409 problem+json naming it, nothing stored; the allocation's receipt is the
village register's record."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.points.allocation import register_id
from ledger.points.book import PointsBook
from tests.integration.helpers import stored_count
from tests.integration.points_helpers import cadre_book, points_ready

Headers = dict[str, dict[str, str]]
SCHEME = "/api/v1/points/taihu/2023"
MEETING = {"meeting_on": "2023-01-10", "minutes": "晋熙镇01村两委〔2023〕1号"}


@pytest.fixture
def books(ledger: Ledger, clock: SteppingClock) -> list[UUID]:
    """Two cadres of 晋熙镇01村 (plan th01: party-building 10.0, industry 8.0)."""
    points = points_ready(ledger, clock)
    return [cadre_book(points, name="甲"), cadre_book(points, name="乙")]


def _allocation(**change: Any) -> dict[str, Any]:
    return {"task": "industry", "quarter": 1, "points_tenths": 50, **MEETING, **change}


def _refused(
    client: TestClient, ledger: Ledger, path: str, body: dict[str, Any], headers: dict[str, str]
) -> str:
    before = stored_count(ledger)
    response = client.post(path, json=body, headers=headers)
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert stored_count(ledger) == before
    rule: str = response.json()["rule"]
    return rule


def test_allocation_answers_the_registers_record(
    client: TestClient, ledger: Ledger, tokens: Headers, books: list[UUID]
) -> None:
    response = client.post(f"{SCHEME}/books/{books[0]}/allocations", json=_allocation(),
                           headers=tokens["village_committee"])  # fmt: skip
    assert response.status_code == 201, response.text
    scheme = UUID(ledger.app.get(PointsBook, books[0]).scheme)
    assert response.json()["evidence"]["stream"] == str(register_id(scheme, "th01", "晋熙镇01村"))


def test_allocation_beyond_the_tasks_value_is_409(
    client: TestClient, ledger: Ledger, tokens: Headers, books: list[UUID]
) -> None:
    vc = tokens["village_committee"]
    assert client.post(f"{SCHEME}/books/{books[0]}/allocations", json=_allocation(),
                       headers=vc).status_code == 201  # fmt: skip
    rule = _refused(client, ledger, f"{SCHEME}/books/{books[1]}/allocations",
                    _allocation(points_tenths=31, quarter=2), vc)  # fmt: skip
    assert rule == "points.allocation_cap"


@pytest.mark.parametrize(
    "change",
    [{"meeting_on": "2023-01-11"}, {"meeting_on": "2022-12-31"}, {"minutes": " 1号"}],
    ids=["not-met-yet", "last-year", "blank-minutes"],
)
def test_allocation_without_a_valid_meeting_is_409(
    client: TestClient, ledger: Ledger, tokens: Headers, books: list[UUID], change: dict[str, str]
) -> None:
    rule = _refused(client, ledger, f"{SCHEME}/books/{books[0]}/allocations",
                    _allocation(**change), tokens["village_committee"])  # fmt: skip
    assert rule == "points.allocation_meeting"


def test_allocation_without_its_meeting_is_422(
    client: TestClient, tokens: Headers, books: list[UUID]
) -> None:
    body = {"task": "industry", "quarter": 1, "points_tenths": 50}
    response = client.post(f"{SCHEME}/books/{books[0]}/allocations", json=body,
                           headers=tokens["village_committee"])  # fmt: skip
    assert response.status_code == 422


def test_work_beyond_the_allocation_is_409(
    client: TestClient, ledger: Ledger, tokens: Headers, books: list[UUID]
) -> None:
    vc = tokens["village_committee"]
    client.post(f"{SCHEME}/books/{books[0]}/allocations", json=_allocation(), headers=vc)
    entry = {"quarter": 1, "component": "work", "points_tenths": 990, "reason": "完成",
             "task": "industry"}  # fmt: skip
    path = f"{SCHEME}/books/{books[0]}/entries"
    assert _refused(client, ledger, path, entry, vc) == "points.work_allocated"
    assert _refused(client, ledger, path, entry | {"task": None}, vc) == "points.work_allocated"
    assert client.post(path, json=entry | {"points_tenths": 50}, headers=vc).status_code == 201


@pytest.mark.parametrize("component", ["bonus", "deduction"])
def test_bonus_or_deduction_by_the_village_committee_is_409(
    client: TestClient, ledger: Ledger, tokens: Headers, books: list[UUID], component: str
) -> None:
    entry = {"quarter": 1, "component": component, "points_tenths": 20, "reason": "表彰"}
    path = f"{SCHEME}/books/{books[0]}/entries"
    rule = _refused(client, ledger, path, entry, tokens["village_committee"])
    assert rule == "points.adjustment_by_township"
    written = client.post(path, json=entry, headers=tokens["township_party_committee"])
    assert written.status_code == 201, written.text
    correction = {"entry": written.json()["result"]["entry"], "reason": "撤销"}
    rule = _refused(client, ledger, f"{SCHEME}/books/{books[0]}/corrections", correction,
                    tokens["village_committee"])  # fmt: skip
    assert rule == "points.adjustment_by_township"
