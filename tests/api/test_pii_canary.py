"""Canary personal data goes in through the API; no public endpoint ever returns it."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import settle
from tests.api.test_authorisation import _all_routes

CANARY = {
    "name": "金丝雀测试员", "id_number": "340811199001019999", "phone": "13900009999",
    "bank_account": "6222029999888877776", "address": "安庆市金丝雀路99号",
    "hardship_details": "金丝雀病情详情",
}  # fmt: skip
NOTE = "金丝雀回访备注"


def paid_canary_grant(client: TestClient, tokens: dict[str, dict[str, str]]) -> str:
    """The 2023 fund year opened and funded, and a grant paid to an applicant whose personal
    data is CANARY (the follow-up visit's note is NOTE); the application's id."""
    finance, intake = tokens["finance"], tokens["intake"]
    client.post("/api/v1/carefund/years", json={"year": 2023}, headers=finance)
    money = {"source": "trade_union", "amount_fen": 900_000, "reference": "R"}
    client.post("/api/v1/carefund/years/2023/contributions", headers=finance, json=money)
    subject = client.post("/api/v1/subjects", headers=intake,
                          json={"kind": "worker", "personal": CANARY}).json()  # fmt: skip
    case = client.post("/api/v1/carefund/applications", headers=intake, json={
        "year": 2023, "subject": subject["evidence"]["stream"], "industry": "express_delivery",
        "hardship": "illness", "requested_tier": 1, "priority": True,
    }).json()["evidence"]["stream"]  # fmt: skip
    base = f"/api/v1/carefund/applications/{case}"
    client.post(base + "/review", json={"approve": True},
                headers=tokens["industry_party_committee"])  # fmt: skip
    client.post(base + "/approval", json={"tier": 1}, headers=tokens["trade_union"])
    paid = client.post(base + "/disbursement", json={"reference": "TX"}, headers=finance)
    assert paid.status_code == 200, paid.text
    client.post(base + "/follow-ups", headers=intake,
                json={"visited_on": "2023-03-01", "outcome": "stable", "note": NOTE})  # fmt: skip
    settle(client)
    return str(case)


def test_no_public_endpoint_returns_personal_data(
    client: TestClient, tokens: dict[str, dict[str, str]]
) -> None:
    paid_canary_grant(client, tokens)
    size = client.app.state.services.ledger.log.state().size  # type: ignore[attr-defined]
    bodies = []
    for route in _all_routes(client.app.routes):  # type: ignore[attr-defined]
        path = getattr(route, "path", "")
        if "GET" not in getattr(route, "methods", ()) or "{" in path:
            continue
        params = {"today": "2023-03-01"} if path.startswith("/api/v1/public") else {}
        if path == "/log/v1/entries":
            params = {"start": 0, "limit": size}
        response = client.get(path, params=params)
        if path.startswith(("/api/v1/public", "/log/v1/entries")):
            assert response.status_code == 200, (path, response.text)
        bodies.append(response.text)
    text = "\n".join(bodies)
    assert "金*" in text  # the masked name is there
    for value in [*CANARY.values(), NOTE, "丝雀测试"]:
        assert value not in text, value
