"""The year-end close over HTTP: each rule of the close and of the bottom-10% case steps is a
409 problem+json naming it, with nothing stored (issue 13 items 3, 4)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from ledger.clock import SteppingClock

Headers = dict[str, dict[str, str]]
SCHEME = "/api/v1/points/taihu/2023"
CASES = "/api/v1/supervision/cases"


def _token(client: TestClient, principal: str) -> dict[str, str]:
    """A token for an account the test ledger enrolled (tests/support/principals.py)."""
    from ledger.principal import Principals

    services = client.app.state.services  # type: ignore[attr-defined]
    token = services.tokens.issue(Principals(services.ledger), principal, services.ledger.clock())
    return {"Authorization": f"Bearer {token}"}


def _post(client: TestClient, path: str, body: dict[str, Any], headers: dict[str, str],
          status: int = 201) -> dict[str, Any]:  # fmt: skip
    response = client.post(path, json=body, headers=headers)
    assert response.status_code == status, response.text
    found: dict[str, Any] = response.json()
    return found


def _refused(client: TestClient, path: str, body: dict[str, Any], headers: dict[str, str],
             rule: str) -> None:  # fmt: skip
    """409 naming ``rule``, and the log's size unchanged."""
    ledger = client.app.state.services.ledger  # type: ignore[attr-defined]
    before = ledger.app.recorder.max_notification_id()
    response = client.post(path, json=body, headers=headers)
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["rule"] == rule, response.text
    assert ledger.app.recorder.max_notification_id() == before


def _two_books(client: TestClient, tokens: Headers, org: dict[str, str]) -> list[str]:
    tpc, vc = tokens["township_party_committee"], tokens["village_committee"]
    _post(client, SCHEME + "/scheme", {}, org)
    books = []
    for n, name in enumerate(("李一", "李二")):
        cadre = _post(client, "/api/v1/subjects",
                      {"kind": "cadre", "personal": {"name": name}}, tpc)  # fmt: skip
        book = _post(client, SCHEME + "/books", {
            "cadre": cadre["evidence"]["stream"], "township": "th01", "village": "晋熙镇01村",
            "category": "principal",
        }, vc)["evidence"]["stream"]  # fmt: skip
        _post(client, f"{SCHEME}/books/{book}/entries", {
            "quarter": 2, "component": "bonus", "points_tenths": 10 * (n + 1), "reason": "表彰",
        }, tpc)  # fmt: skip
        books.append(book)
    return books


def test_close_reopen_and_grades_over_http(
    client: TestClient, tokens: Headers, clock: SteppingClock
) -> None:
    tpc, org = tokens["township_party_committee"], _token(client, "org-01")
    assert client.post(SCHEME + "/scheme", json={}, headers=tpc).status_code == 403
    low, high = _two_books(client, tokens, org)
    grade = {"grade": "competent", "base_pay_fen": 100_000}
    _refused(client, f"{SCHEME}/books/{high}/appraisal", grade, tpc, "points.grade")
    _refused(client, SCHEME + "/closure", {}, org, "points.year_close")  # still 2023
    clock.set(datetime(2024, 1, 10, 9, 0, tzinfo=UTC))
    assert client.post(SCHEME + "/closure", json={}, headers=tpc).status_code == 403
    closed = _post(client, SCHEME + "/closure", {}, org)
    assert closed["result"] == {"close": 1, "cases": 1}
    entry = {"quarter": 4, "component": "bonus", "points_tenths": 5, "reason": "补录"}
    _refused(client, f"{SCHEME}/books/{low}/entries", entry, tpc, "points.year_closed")
    _refused(client, SCHEME + "/closure", {}, org, "points.year_closed")
    cadre = _post(client, "/api/v1/subjects", {"kind": "cadre", "personal": {"name": "李三"}},
                  tpc)["evidence"]["stream"]  # fmt: skip
    book = {"cadre": cadre, "township": "th01", "village": "晋熙镇01村", "category": "principal"}
    _refused(client, SCHEME + "/books", book, tokens["village_committee"], "points.year_closed")
    excellent = {"grade": "excellent", "base_pay_fen": 100_000}
    _refused(client, f"{SCHEME}/books/{low}/appraisal", excellent, tpc, "points.grade")
    incompetent = {"grade": "incompetent", "base_pay_fen": 100_000}
    _refused(client, f"{SCHEME}/books/{low}/appraisal", incompetent, tpc, "points.grade")
    _post(client, f"{SCHEME}/books/{high}/appraisal", excellent, tpc, 200)
    _post(client, f"{SCHEME}/books/{low}/appraisal", incompetent | {"reason": "末位"}, tpc, 200)
    _refused(client, SCHEME + "/reopening", {"reason": " "}, org, "points.year_reopen")
    _post(client, SCHEME + "/reopening", {"reason": "第四季度加分漏录"}, org)
    _post(client, f"{SCHEME}/books/{low}/entries", entry, tpc)
    assert _post(client, SCHEME + "/closure", {}, org)["result"] == {"close": 2, "cases": 0}


def _elsewhere(client: TestClient) -> tuple[dict[str, str], dict[str, str]]:
    """Tokens of th02's party committee and of 晋熙镇02村's instructor (the books are of th01,
    晋熙镇01村)."""
    from ledger.actor import Actor, Role
    from ledger.principal import Scope
    from tests.support.principals import enrol

    ledger = client.app.state.services.ledger  # type: ignore[attr-defined]
    enrol(ledger, Actor("tpc-th02", Role.TOWNSHIP_PARTY_COMMITTEE),
          scope=Scope(county="taihu", township="th02"))  # fmt: skip
    enrol(ledger, Actor("pbi-th01-02", Role.PARTY_BUILDING_INSTRUCTOR),
          scope=Scope(county="taihu", township="th01", village="晋熙镇02村"))  # fmt: skip
    return _token(client, "tpc-th02"), _token(client, "pbi-th01-02")


def test_bottom_case_steps_over_http(
    client: TestClient, tokens: Headers, clock: SteppingClock
) -> None:
    tpc, sup, org = (
        tokens["township_party_committee"],
        tokens["supervision"],
        _token(client, "org-01"),
    )
    pbi = _token(client, "pbi-01")
    other_tpc, other_pbi = _elsewhere(client)  # another township's committee, village's pbi
    low, _ = _two_books(client, tokens, org)
    cadre = client.app.state.services.ledger.app.repository.get(UUID(low)).cadre  # type: ignore[attr-defined]
    hand = {"target_kind": "cadre", "target": cadre, "reason": "bottom_ranking",
            "detail": "后10%", "county": "taihu"}  # fmt: skip
    _refused(client, CASES, hand, sup, "supervision.bottom_by_close")
    assert client.post(CASES, json=hand | {"county": ""}, headers=sup).status_code == 422
    clock.set(datetime(2024, 1, 10, 9, 0, tzinfo=UTC))
    _post(client, SCHEME + "/closure", {}, org)
    ledger = client.app.state.services.ledger  # type: ignore[attr-defined]
    (case,) = ledger.app.streams_of("supervision.CaseOpened")
    base = f"{CASES}/{case}"
    listing = {"deadline": "2024-03-31", "note": "挂牌督办"}
    _refused(client, base + "/listing", listing, sup, "supervision.order")
    _refused(client, base + "/talks", {"note": "约谈"}, sup, "supervision.hands")
    _refused(client, base + "/talks", {"note": "约谈"}, other_tpc, "supervision.hands")
    _post(client, base + "/talks", {"note": "约谈提醒"}, tpc)
    _refused(client, base + "/guidance", {"note": "指导", "instructor": "pbi-01"}, tpc,
             "supervision.hands")  # fmt: skip
    _refused(client, base + "/listing", listing, sup, "supervision.order")
    _refused(client, base + "/guidance", {"note": "指导"}, other_pbi, "supervision.hands")
    _post(client, base + "/guidance", {"note": "现场指导"}, pbi)
    _post(client, base + "/listing", listing, sup, 200)
    _refused(client, base + "/rectification", {"note": "已整改"}, tpc, "supervision.evidence")
    _post(client, base + "/rectification", {"note": "已整改", "evidence": "整改报告1号"}, tpc, 200)
    _refused(client, base + "/closure", {"evidence": "销号审批表1号"}, tpc,
             "supervision.separation")  # fmt: skip
    closed = _post(client, base + "/closure", {"evidence": "销号审批表1号"}, sup, 200)
    assert closed["evidence"]["version"] == 6
