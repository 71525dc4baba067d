"""Care-fund commands over HTTP: the whole path of a grant with evidence, and every kind of
refusal as problem+json (401, 403, 409 with the rule, 422)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import settle

PROBLEM = "application/problem+json"
Headers = dict[str, dict[str, str]]


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert len(body["evidence"]["record_hash"]) == 64
    assert isinstance(body["evidence"]["leaf_index"], int)
    return body


def _applicant(client: TestClient, tokens: Headers) -> str:
    person = {"kind": "worker", "personal": {"name": "欧阳娜娜", "phone": "13912345678"}}
    body = _ok(client.post("/api/v1/subjects", json=person, headers=tokens["intake"]), 201)
    return str(body["evidence"]["stream"])


def _open(client: TestClient, tokens: Headers) -> None:
    _ok(client.post("/api/v1/carefund/years", json={"year": 2023}, headers=tokens["finance"]), 201)
    money = {"source": "trade_union", "amount_fen": 2_000_000, "reference": "R-1"}
    _ok(client.post("/api/v1/carefund/years/2023/contributions", json=money,
                    headers=tokens["finance"]), 201)  # fmt: skip


def _submitted(client: TestClient, tokens: Headers) -> str:
    application = {
        "year": 2023, "subject": _applicant(client, tokens), "industry": "express_delivery",
        "hardship": "illness", "requested_tier": 1, "priority": False,
    }  # fmt: skip
    body = _ok(client.post("/api/v1/carefund/applications", json=application,
                           headers=tokens["intake"]), 201)  # fmt: skip
    return str(body["evidence"]["stream"])


def test_a_grant_from_application_to_public_list(client: TestClient, tokens: Headers) -> None:
    _open(client, tokens)
    case = _submitted(client, tokens)
    base = f"/api/v1/carefund/applications/{case}"
    _ok(client.post(base + "/review", json={"approve": True}, headers=tokens[
        "industry_party_committee"]))  # fmt: skip
    approved = _ok(client.post(base + "/approval", json={"tier": 1}, headers=tokens["trade_union"]))
    assert approved["result"]["amount_fen"] > 0
    paid = _ok(client.post(base + "/disbursement", json={"reference": "TX-1"},
                           headers=tokens["finance"]))  # fmt: skip
    assert paid["evidence"]["version"] == 4
    visit = {"visited_on": "2023-03-01", "outcome": "stable", "note": "家中已好转"}
    _ok(client.post(base + "/follow-ups", json=visit, headers=tokens["intake"]), 201)
    audit = {"title": "2023年度审计", "conclusion": "合规", "findings": ["台账完整"]}
    _ok(client.post("/api/v1/carefund/years/2023/audit-results", json=audit,
                    headers=tokens["audit"]), 201)  # fmt: skip
    settle(client)
    listed = client.get("/api/v1/public/disbursements",
                        params={"today": "2023-03-01"}).json()  # fmt: skip
    (row,) = listed["rows"]
    assert row["masked_name"] == "欧阳*" and row["follow_ups"] == 1
    assert row["leaf"] == paid["evidence"]["leaf_index"]
    assert "13912345678" not in str(listed) and "娜娜" not in str(listed)


def test_refusals_are_problems_with_the_right_status(client: TestClient, tokens: Headers) -> None:
    _open(client, tokens)
    case = _submitted(client, tokens)
    base = f"/api/v1/carefund/applications/{case}"
    cases = [
        (client.post(base + "/approval", json={"tier": 1}), 401, None),
        (client.post(base + "/approval", json={"tier": 1},
                     headers={"Authorization": "Bearer gst_" + "x" * 43}), 401, None),
        (client.post(base + "/approval", json={"tier": 1}, headers=tokens["finance"]), 403,
         "role"),
        (client.post(base + "/approval", json={"tier": 1}, headers=tokens["admin"]), 403, "role"),
        (client.post(base + "/approval", json={"tier": 1}, headers=tokens["trade_union"]), 409,
         "carefund.order"),
        (client.post(base + "/review", json={"approve": True, "extra": 1},
                     headers=tokens["industry_party_committee"]), 422, None),
        (client.post("/api/v1/carefund/years/2023/contributions",
                     json={"source": "trade_union", "amount_fen": 800.5, "reference": "R"},
                     headers=tokens["finance"]), 422, None),
        (client.post("/api/v1/carefund/applications/not-a-uuid/review", json={"approve": True},
                     headers=tokens["industry_party_committee"]), 422, None),
        (client.post("/api/v1/carefund/years", json={"year": 2023}, headers=tokens["finance"]),
         409, "carefund.year_open"),
    ]  # fmt: skip
    for response, status, rule in cases:
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["status"] == status
        if rule is not None:
            assert response.json()["rule"] == rule
    unknown = client.post(
        "/api/v1/carefund/applications/00000000-0000-4000-8000-000000000000/review",
        json={"approve": True}, headers=tokens["industry_party_committee"],
    )  # fmt: skip
    assert unknown.status_code == 404


def test_separation_of_duties_is_forbidden(client: TestClient, tokens: Headers) -> None:
    from api.tokens import Tokens
    from ledger.principal import Principals

    _open(client, tokens)
    case = _submitted(client, tokens)
    base = f"/api/v1/carefund/applications/{case}"
    _ok(client.post(base + "/review", json={"approve": True},
                    headers=tokens["industry_party_committee"]))  # fmt: skip
    # one role at a time: the reviewer's account moves to the trade union (its token is
    # revoked), and the duties it acted in for this application still count
    moved = client.post("/api/v1/principals/ipc-01/role", headers=tokens["admin"],
                        json={"role": "trade_union", "reason": "调任市总工会"})  # fmt: skip
    assert moved.status_code == 200 and moved.json()["result"]["tokens_revoked"] == 1, moved.text
    services = client.app.state.services  # type: ignore[attr-defined]
    same: Tokens = services.tokens
    old = client.post(base + "/approval", json={"tier": 1},
                      headers=tokens["industry_party_committee"])  # fmt: skip
    assert old.status_code == 401
    token = same.issue(Principals(services.ledger), "ipc-01", services.ledger.clock())
    refused = client.post(base + "/approval", json={"tier": 1},
                          headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert refused.status_code == 403
    assert refused.json()["rule"] == "carefund.separation_of_duties"


def test_an_approval_of_a_tier_the_year_does_not_have_is_409(
    client: TestClient, tokens: Headers
) -> None:
    """carefund.tier: the fund year's tiers (1, 2, 3 by default) decide the grant's amount;
    a fourth tier is refused and nothing is stored."""
    _open(client, tokens)
    case = _submitted(client, tokens)
    base = f"/api/v1/carefund/applications/{case}"
    _ok(client.post(base + "/review", json={"approve": True}, headers=tokens[
        "industry_party_committee"]))  # fmt: skip
    ledger = client.app.state.services.ledger  # type: ignore[attr-defined]
    before = ledger.app.recorder.max_notification_id()
    response = client.post(base + "/approval", json={"tier": 4}, headers=tokens["trade_union"])
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["rule"] == "carefund.tier"
    assert ledger.app.recorder.max_notification_id() == before
