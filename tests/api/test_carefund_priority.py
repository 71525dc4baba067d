"""Priority (优先考虑), follow-up visits (定期回访) and fund year parameters over HTTP: each
rule's refusal is 409 problem+json naming it, and nothing is stored."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import settle

PROBLEM = "application/problem+json"
Headers = dict[str, dict[str, str]]
YEARS = "/api/v1/carefund/years"


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def _refused(response: Any, rule: str) -> dict[str, Any]:
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["rule"] == rule
    return body


def _stored(client: TestClient) -> int:
    services = client.app.state.services  # type: ignore[attr-defined]
    return int(services.ledger.app.recorder.max_notification_id() or 0)


def _open(client: TestClient, tokens: Headers, **params: Any) -> None:
    _ok(client.post(YEARS, json={"year": 2023, **params}, headers=tokens["finance"]), 201)
    money = {"source": "trade_union", "amount_fen": 2_000_000, "reference": "R-1"}
    _ok(client.post(f"{YEARS}/2023/contributions", json=money, headers=tokens["finance"]), 201)


def _submitted(client: TestClient, tokens: Headers, tier: int, priority: bool) -> str:
    person = {"kind": "worker", "personal": {"name": "张三"}}
    subject = _ok(client.post("/api/v1/subjects", json=person, headers=tokens["intake"]), 201)
    application = {
        "year": 2023, "subject": subject["evidence"]["stream"], "industry": "express_delivery",
        "hardship": "illness", "requested_tier": tier, "priority": priority,
    }  # fmt: skip
    body = _ok(client.post("/api/v1/carefund/applications", json=application,
                           headers=tokens["intake"]), 201)  # fmt: skip
    return str(body["evidence"]["stream"])


def _reviewed(client: TestClient, tokens: Headers, tier: int, priority: bool) -> str:
    case = _submitted(client, tokens, tier, priority)
    _ok(client.post(f"/api/v1/carefund/applications/{case}/review", json={"approve": True},
                    headers=tokens["industry_party_committee"]))  # fmt: skip
    return case


def test_fund_year_opens_with_finances_parameters(client: TestClient, tokens: Headers) -> None:
    params = {"budget_fen": 200_000, "tiers_fen": {"1": 40_000, "2": 90_000},
              "posting_days": 10, "follow_up_interval_days": 30, "follow_ups": 3}  # fmt: skip
    _open(client, tokens, **params)
    services = client.app.state.services  # type: ignore[attr-defined]
    from ledger.carefund.service import CareFund

    year = CareFund(services.ledger, services.carefund_config).fund_year(2023)
    assert (year.budget_fen, year.tiers_fen, year.posting_days) == (
        200_000, {"1": 40_000, "2": 90_000}, 10)  # fmt: skip
    assert (year.follow_up_interval_days, year.follow_ups, year.first_follow_up_days) == (30, 3, 90)


def test_fund_year_parameters_out_of_range_are_409(client: TestClient, tokens: Headers) -> None:
    before = _stored(client)
    for bad in ({"posting_days": 0}, {"budget_fen": -1}, {"follow_ups": 0}, {"tiers_fen": {}}):
        response = client.post(YEARS, json={"year": 2023, **bad}, headers=tokens["finance"])
        _refused(response, "carefund.year_params")
    assert _stored(client) == before
    wrong = client.post(YEARS, json={"year": 2023, "posting_days": 1.5}, headers=tokens["finance"])
    assert wrong.status_code == 422


def test_a_fund_years_highest_tier_is_requested_and_approved(
    client: TestClient, tokens: Headers
) -> None:
    """One limit for tiers: any tier number a fund year's tiers_fen may have (1..999999) can be
    requested and approved; above it the body is refused (422) before the domain."""
    _open(client, tokens, tiers_fen={"1": 50_000, "12": 80_000, "999999": 90_000})
    for tier in (12, 999_999):
        case = _reviewed(client, tokens, tier, priority=False)
        approval = f"/api/v1/carefund/applications/{case}/approval"
        _ok(client.post(approval, json={"tier": tier}, headers=tokens["trade_union"]))
    case = _reviewed(client, tokens, 1, False)
    before = _stored(client)
    response = client.post(f"/api/v1/carefund/applications/{case}/approval",
                           json={"tier": 1_000_000}, headers=tokens["trade_union"])  # fmt: skip
    assert response.status_code == 422, response.text
    assert _stored(client) == before


def test_non_priority_approval_eating_the_priority_share_is_409(
    client: TestClient, tokens: Headers
) -> None:
    _open(client, tokens, budget_fen=200_000)  # 2,000 yuan; tier 3 is 1,500, tier 2 800
    plain = _reviewed(client, tokens, 2, priority=False)
    first = _submitted(client, tokens, 3, priority=True)
    before = _stored(client)
    approval = f"/api/v1/carefund/applications/{plain}/approval"
    refused = _refused(client.post(approval, json={"tier": 2}, headers=tokens["trade_union"]),
                       "carefund.priority_first")  # fmt: skip
    assert first in refused["evidence"]
    assert _stored(client) == before
    _ok(client.post(approval, json={"tier": 1}, headers=tokens["trade_union"]))  # 500 fits


def test_review_queue_lists_priority_first(client: TestClient, tokens: Headers) -> None:
    _open(client, tokens)
    plain = _submitted(client, tokens, 1, priority=False)
    first = _reviewed(client, tokens, 2, priority=True)
    queue = client.get(f"{YEARS}/2023/review-queue", headers=tokens["trade_union"])
    assert queue.status_code == 200, queue.text
    assert [(q["application"], q["priority"], q["stage"]) for q in queue.json()] == [
        (first, True, "reviewed"), (plain, False, "submitted"),
    ]  # fmt: skip
    assert client.get(f"{YEARS}/2023/review-queue", headers=tokens["intake"]).status_code == 403


def test_visit_dated_in_the_future_is_409(client: TestClient, tokens: Headers) -> None:
    _open(client, tokens)
    case = _reviewed(client, tokens, 1, priority=False)
    base = f"/api/v1/carefund/applications/{case}"
    _ok(client.post(base + "/approval", json={"tier": 1}, headers=tokens["trade_union"]))
    paid = _ok(client.post(base + "/disbursement", json={"reference": "TX-1"},
                           headers=tokens["finance"]))  # fmt: skip
    assert paid["evidence"]["version"] == 4
    services = client.app.state.services  # type: ignore[attr-defined]
    today = services.ledger.clock().date()
    before = _stored(client)
    visit = {"visited_on": (today + timedelta(days=1)).isoformat(), "outcome": "stable",
             "note": "未来的回访"}  # fmt: skip
    _refused(client.post(base + "/follow-ups", json=visit, headers=tokens["intake"]),
             "carefund.visit_date")  # fmt: skip
    assert _stored(client) == before
    visit["visited_on"] = today.isoformat()
    _ok(client.post(base + "/follow-ups", json=visit, headers=tokens["intake"]), 201)


def test_overdue_visits_follow_the_fund_years_schedule(client: TestClient, tokens: Headers) -> None:
    """The fund ledger's overdue follow-ups: the next scheduled visit past its due date."""
    _open(client, tokens, first_follow_up_days=30, follow_up_interval_days=60, follow_ups=2)
    case = _reviewed(client, tokens, 1, priority=False)
    base = f"/api/v1/carefund/applications/{case}"
    _ok(client.post(base + "/approval", json={"tier": 1}, headers=tokens["trade_union"]))
    _ok(client.post(base + "/disbursement", json={"reference": "TX-1"}, headers=tokens["finance"]))
    services = client.app.state.services  # type: ignore[attr-defined]
    paid = services.ledger.clock().date()
    visit = {"visited_on": paid.isoformat(), "outcome": "stable", "note": "第一次"}
    _ok(client.post(base + "/follow-ups", json=visit, headers=tokens["intake"]), 201)
    settle(client)
    second = paid + timedelta(days=90)  # due 30 days after, then 60 more
    (row,) = _fund_ledger(client, tokens, second)
    assert row["pending_follow_ups"] == [{"application": case, "due": second.isoformat()}]
    assert row["overdue_follow_ups"] == []
    (late,) = _fund_ledger(client, tokens, second + timedelta(days=1))
    assert late["overdue_follow_ups"] == [{"application": case, "due": second.isoformat()}]


def _fund_ledger(client: TestClient, tokens: Headers, today: date) -> list[dict[str, Any]]:
    """The fund ledger as the auditor reads it on ``today`` (another date: the audit role)."""
    response = client.get("/api/v1/public/fund-ledger", headers=tokens["audit"],
                          params={"today": today.isoformat(), "year": 2023})  # fmt: skip
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["rows"]
    return rows
