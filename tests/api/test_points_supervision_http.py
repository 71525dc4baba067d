"""Points and supervision commands over HTTP, end to end into the public lists."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from ledger.clock import SteppingClock
from tests.api.conftest import settle

Headers = dict[str, dict[str, str]]
SCHEME = "/api/v1/points/taihu/2023"


def _post(client: TestClient, path: str, body: dict[str, Any], headers: dict[str, str],
          status: int = 201) -> dict[str, Any]:  # fmt: skip
    response = client.post(path, json=body, headers=headers)
    assert response.status_code == status, response.text
    found: dict[str, Any] = response.json()
    return found


def _org(client: TestClient) -> dict[str, str]:
    """The county organisation department's token (org-01, enrolled by the test ledger)."""
    from ledger.principal import Principals

    services = client.app.state.services  # type: ignore[attr-defined]
    token = services.tokens.issue(Principals(services.ledger), "org-01", services.ledger.clock())
    return {"Authorization": f"Bearer {token}"}


def test_points_book_entries_and_ranking(
    client: TestClient, tokens: Headers, clock: SteppingClock
) -> None:
    tpc, vc = tokens["township_party_committee"], tokens["village_committee"]
    _post(client, SCHEME + "/scheme", {}, _org(client))
    tasks = [{"task": "party-building", "title": "党建引领", "points_tenths": 100}]
    _post(client, SCHEME + "/plans", {"township": "th01", "tasks": tasks}, tpc)
    books = []
    for name in ("李一", "李二"):
        cadre = _post(client, "/api/v1/subjects",
                      {"kind": "cadre", "personal": {"name": name}}, tpc)  # fmt: skip
        book = _post(client, SCHEME + "/books", {
            "cadre": cadre["evidence"]["stream"], "township": "th01", "village": "晋熙镇01村",
            "category": "principal",
        }, vc)["evidence"]["stream"]  # fmt: skip
        books.append(book)
    meeting = {"meeting_on": "2023-01-05", "minutes": "晋熙镇01村两委〔2023〕1号"}
    for book in books:
        _post(
            client,
            f"{SCHEME}/books/{book}/allocations",
            {"task": "party-building", "quarter": 1, "points_tenths": 30} | meeting,
            vc,
        )
    entry = {"quarter": 1, "component": "work", "points_tenths": 30, "reason": "完成",
             "task": "party-building"}  # fmt: skip
    written = _post(client, f"{SCHEME}/books/{books[0]}/entries", entry, vc)
    assert written["result"]["entry"] == 1
    fixed = _post(client, f"{SCHEME}/books/{books[0]}/corrections",
                  {"entry": 1, "reason": "录入错误"}, vc)  # fmt: skip
    assert fixed["result"]["entry"] == 2
    _post(client, f"{SCHEME}/books/{books[1]}/entries", entry, vc)
    clock.set(datetime(2024, 1, 10, 9, 0, tzinfo=UTC))
    _post(client, SCHEME + "/closure", {}, _org(client))  # grades refer to the closed year
    _post(client, f"{SCHEME}/books/{books[1]}/appraisal",
          {"grade": "excellent", "base_pay_fen": 300_000}, tpc, 200)  # fmt: skip
    elsewhere = client.post(f"/api/v1/points/qianshan/2023/books/{books[1]}/entries",
                            json=entry, headers=vc)  # fmt: skip
    assert elsewhere.status_code == 404  # the book is not in that county's scheme
    settle(client)
    rows = client.get("/api/v1/public/points", params={"category": "principal"}).json()["rows"]
    assert [(r["name"], r["total"], r["rank"]) for r in rows] == [("李二", 30, 1), ("李一", 0, 2)]


def test_case_from_opening_to_closure(client: TestClient, tokens: Headers) -> None:
    sup = tokens["supervision"]
    case = _post(client, "/api/v1/supervision/cases", {
        "target_kind": "unit", "target": "水利局", "reason": "complaint", "detail": "群众反映",
        "county": "taihu",
    }, sup)["evidence"]["stream"]  # fmt: skip
    base = f"/api/v1/supervision/cases/{case}"
    _post(client, base + "/talks", {"note": "约谈"}, sup)
    _post(client, base + "/listing", {"deadline": "2023-06-30", "note": "挂牌"}, sup, 200)
    _post(client, base + "/rectification", {"note": "已整改"}, sup, 200)
    closed = _post(client, base + "/closure", {"evidence": "DOC-2023-0009"}, sup, 200)
    assert closed["evidence"]["version"] == 5
    again = client.post(base + "/talks", json={"note": "再谈"}, headers=sup)
    assert again.status_code == 409 and again.json()["rule"].startswith("supervision.")
    settle(client)
    board = client.get("/api/v1/public/supervision", params={"today": "2023-07-01"},
                       headers=tokens["audit"]).json()  # fmt: skip
    assert [r["case"] for r in board["closed"]] == [case]


def test_key_project_progress(client: TestClient, tokens: Headers) -> None:
    tpc = tokens["organisation_department"]  # projects are the organisation department's
    project = _post(client, "/api/v1/supervision/projects", {
        "name": "人才引进工作优化", "owner_unit": "县委组织部", "county": "taihu",
        "lead": "org-02", "year": 2023,
        "items": [{"item": "m1", "title": "选址", "due": "2023-03-31"}],
    }, tpc)["evidence"]["stream"]  # fmt: skip
    _post(client, f"/api/v1/supervision/projects/{project}/progress",
          {"item": "m1", "done": True, "note": "完成"}, tpc)  # fmt: skip
    settle(client)
    (row,) = client.get("/api/v1/public/key-projects", params={"today": "2023-07-01"},
                        headers=tokens["audit"]).json()["rows"]  # fmt: skip
    assert row["overdue_items"] == [] and row["items"][0]["done"] is True
