"""Public reads: lists, filters, read-your-writes, problem+json for bad input."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient

from ledger.ledger import Ledger
from tests.api.conftest import settle
from tests.integration.helpers import disbursed, funded

PROBLEM = "application/problem+json"


def test_disbursement_list_filters_and_window(
    ledger: Ledger, client: TestClient, tokens: dict[str, dict[str, str]]
) -> None:
    fund = funded(ledger)
    cases = [disbursed(fund, tier) for tier in (1, 2, 1)]
    settle(client)
    today = ledger.clock().date().isoformat()
    body = client.get("/api/v1/public/disbursements", params={"today": today}).json()
    assert body["total"] == 3 and {r["application"] for r in body["rows"]} == set(map(str, cases))
    assert body["position"] == ledger.log.state().size
    tier1 = client.get("/api/v1/public/disbursements", params={"today": today, "tier": 1})
    assert tier1.json()["total"] == 2
    assert body["decided_on"] == today
    later = client.get("/api/v1/public/disbursements", params={"today": "2030-01-01"},
                       headers=tokens["audit"])  # fmt: skip
    assert later.json()["total"] == 0  # past the posting window (an auditor's other date)


def test_read_your_writes_waits_for_the_position(ledger: Ledger, client: TestClient) -> None:
    funded(ledger)
    settle(client)
    size = ledger.log.state().size
    ok = client.get("/api/v1/public/fund-ledger", params={"min_position": size})
    assert ok.status_code == 200 and ok.json()["position"] == size
    ahead = client.get("/api/v1/public/audit-results", params={"min_position": size + 1})
    assert ahead.status_code == 409 and ahead.headers["content-type"] == PROBLEM
    assert "beyond the log" in ahead.json()["evidence"]
    assert ahead.json()["code"] == "log.position_ahead" and "超出日志" in ahead.json()["detail"]


def test_malformed_query_is_a_problem_not_a_crash(client: TestClient) -> None:
    for params in ({"tier": "x"}, {"month": "2023-13"}, {"limit": 0}, {"offset": -1},
                   {"today": "yesterday"}, {"industry": "DROP TABLE"}):  # fmt: skip
        response = client.get("/api/v1/public/disbursements", params=params)
        assert response.status_code == 422, params
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["status"] == 422 and response.json()["errors"]
    assert client.get("/api/v1/public/points", params={"period": "Q5"}).status_code == 422


def test_unknown_path_and_oversized_body_are_problems(client: TestClient) -> None:
    missing = client.get("/api/v1/public/nothing")
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM
    big = client.post("/api/v1/public/disbursements", content=b"x" * 5000)
    assert big.status_code == 413 and big.json()["code"] == "input.body_too_large"


def test_board_points_and_projects_answer(
    client: TestClient, tokens: dict[str, dict[str, str]]
) -> None:
    today = date(2023, 6, 1).isoformat()
    board = client.get("/api/v1/public/supervision", params={"today": today},
                       headers=tokens["audit"])  # fmt: skip
    assert board.json()["open"] == {} and board.json()["decided_on"] == today
    assert client.get("/api/v1/public/points").json()["rows"] == []
    assert client.get("/api/v1/public/key-projects").json()["rows"] == []
