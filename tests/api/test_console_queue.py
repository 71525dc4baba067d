"""待办 per role (api/queues.py), through GET /api/v1/queue and the console's home page:
applications at the committee's, the union's and finance's step, a follow-up visit due and
then overdue; a township's points book with nothing entered this quarter (not another
township's), gone once scored; a supervision case at the next step's roles; a key project
with an overdue item. Each role sees only its own."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from ledger.actor import Actor, Role
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.points.service import Points
from ledger.principal import Principals, Scope
from tests.api.conftest import settle
from tests.api.test_console import signed_in
from tests.integration.helpers import approved, disbursed, funded, reviewed, submitted
from tests.integration.points_helpers import cadre_book, points_ready
from tests.support.principals import enrol

Headers = dict[str, dict[str, str]]


def _queue(client: TestClient, header: dict[str, str]) -> list[dict[str, Any]]:
    answer = client.get("/api/v1/queue", headers=header)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def _steps(client: TestClient, header: dict[str, str]) -> set[tuple[str, str]]:
    return {(i["step"], i["item"]) for i in _queue(client, header)}


def test_applications_wait_at_each_roles_step(
    client: TestClient, tokens: Headers, ledger: Ledger
) -> None:
    fund = funded(ledger)
    new, done, ok, paid = submitted(fund), reviewed(fund), approved(fund), disbursed(fund)
    settle(client)
    assert _steps(client, tokens["industry_party_committee"]) == {("review", str(new))}
    assert ("approval", str(done)) in _steps(client, tokens["trade_union"])
    assert _steps(client, tokens["finance"]) == {("disbursement", str(ok))}
    for role in ("audit", "supervision", "admin", "village_committee"):
        assert _queue(client, tokens[role]) == [], role
    assert all(i["item"] != str(paid) or i["step"] == "follow_up"
               for i in _queue(client, tokens["intake"]))  # fmt: skip
    assert client.get("/api/v1/queue").status_code == 401
    browser, _ = signed_in(client, tokens["finance"])
    home = browser.get("/console/").text
    assert f'href="/console/applications/{ok}"' in home and str(new) not in home


def test_a_follow_up_visit_comes_due_then_overdue(
    client: TestClient, tokens: Headers, ledger: Ledger, clock: SteppingClock
) -> None:
    fund = funded(ledger)
    paid = disbursed(fund)
    due = fund.follow_ups_due(2023)[0][1]
    settle(client)
    clock.set(datetime.fromisoformat(due).replace(tzinfo=UTC, hour=9))
    items = [i for i in _queue(client, tokens["intake"]) if i["item"] == str(paid)]
    assert [(i["step"], i["due"], i["overdue"]) for i in items] == [("follow_up", due, False)]
    clock.set(datetime.fromisoformat(due).replace(tzinfo=UTC, day=28, hour=9).replace(
        month=datetime.fromisoformat(due).month % 12 + 1))  # fmt: skip
    late = [i for i in _queue(client, tokens["trade_union"]) if i["item"] == str(paid)]
    assert [(i["title"], i["overdue"]) for i in late] == [("回访逾期", True)]
    assert _queue(client, tokens["trade_union"])[0]["overdue"]  # overdue first


def test_a_points_book_waits_for_this_quarters_entry(
    client: TestClient, tokens: Headers, ledger: Ledger, clock: SteppingClock
) -> None:
    points: Points = points_ready(ledger, clock)
    book = cadre_book(points)
    settle(client)
    assert ("score_entry", str(book)) in _steps(client, tokens["township_party_committee"])
    assert ("score_entry", str(book)) in _steps(client, tokens["village_committee"])
    other = Actor("tpc-02", Role.TOWNSHIP_PARTY_COMMITTEE)
    enrol(ledger, other, scope=Scope(county="taihu", township="th02"))
    services: Any = client.app.state.services  # type: ignore[attr-defined]
    token = services.tokens.issue(Principals(ledger), "tpc-02", ledger.clock())
    assert _queue(client, {"Authorization": f"Bearer {token}"}) == []
    entry = {"quarter": 1, "component": "evaluation", "points_tenths": 50, "reason": "季度考评"}
    answer = client.post(f"/api/v1/points/taihu/2023/books/{book}/entries", json=entry,
                         headers=tokens["township_party_committee"])  # fmt: skip
    assert answer.status_code == 201, answer.text
    settle(client)
    assert ("score_entry", str(book)) not in _steps(client, tokens["township_party_committee"])
    browser, _ = signed_in(client, tokens["township_party_committee"])
    page = browser.get(f"/console/points-books/{book}").text
    link = f"points.county.year.books.book.entries?county=taihu&amp;year=2023&amp;book={book}"
    assert link in page and "5.0" in page


def test_a_case_waits_at_its_next_steps_roles(client: TestClient, tokens: Headers) -> None:
    case = {"target_kind": "unit", "target": "水利局", "reason": "complaint",
            "detail": "群众反映工程进度滞后", "county": "taihu"}  # fmt: skip
    opened = client.post("/api/v1/supervision/cases", json=case, headers=tokens["supervision"])
    assert opened.status_code == 201, opened.text
    stream = opened.json()["evidence"]["stream"]
    settle(client)
    assert ("talk", stream) in _steps(client, tokens["supervision"])
    assert ("talk", stream) in _steps(client, tokens["organisation_department"])
    assert _queue(client, tokens["party_building_instructor"]) == []
    listing = {"deadline": "2023-03-10", "note": "挂牌督办"}
    listed = client.post(f"/api/v1/supervision/cases/{stream}/listing", json=listing,
                         headers=tokens["supervision"])  # fmt: skip
    assert listed.status_code == 200, listed.text
    settle(client)
    assert ("rectification", stream) in _steps(client, tokens["supervision"])
    browser, _ = signed_in(client, tokens["supervision"])
    assert "挂牌督办" in browser.get(f"/console/cases/{stream}").text


def test_a_key_project_with_an_overdue_item(
    client: TestClient, tokens: Headers, clock: SteppingClock
) -> None:
    project = {"name": "人才引进工作优化", "owner_unit": "县委组织部人才工作科",
               "county": "taihu", "lead": "org-01", "year": 2023,
               "items": [{"item": "m1", "title": "选址", "due": "2023-03-31"}]}  # fmt: skip
    made = client.post("/api/v1/supervision/projects", json=project,
                       headers=tokens["organisation_department"])  # fmt: skip
    assert made.status_code == 201, made.text
    stream = made.json()["evidence"]["stream"]
    settle(client)
    assert _queue(client, tokens["organisation_department"]) == []
    clock.set(datetime(2023, 4, 3, 9, tzinfo=UTC))
    items = _queue(client, tokens["organisation_department"])
    assert [(i["item"], i["overdue"]) for i in items] == [(stream, True)]
    assert UUID(items[0]["item"]) and items[0]["page"] == f"/console/projects/{stream}"


def test_a_quarter_left_without_entries_is_overdue(
    client: TestClient, tokens: Headers, ledger: Ledger, clock: SteppingClock
) -> None:
    points: Points = points_ready(ledger, clock)
    book = cadre_book(points)
    settle(client)
    clock.set(datetime(2023, 4, 10, 9, tzinfo=UTC))  # Q2: Q1 ended with nothing entered
    items = [
        i for i in _queue(client, tokens["township_party_committee"]) if i["item"] == str(book)
    ]
    assert [(i["due"], i["overdue"]) for i in items] == [("2023-03-31", True)]
    assert items[0]["title"].startswith("第1季度未记分")


def test_no_entry_is_owed_for_a_quarter_before_the_book_was_opened(
    client: TestClient, tokens: Headers, ledger: Ledger, clock: SteppingClock
) -> None:
    points: Points = points_ready(ledger, clock)
    clock.set(datetime(2023, 5, 10, 9, tzinfo=UTC))  # opened in Q2
    book = cadre_book(points)
    settle(client)
    items = [
        i for i in _queue(client, tokens["township_party_committee"]) if i["item"] == str(book)
    ]
    assert [(i["due"], i["overdue"]) for i in items] == [("2023-06-30", False)]
