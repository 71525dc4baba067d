"""The principal registry over HTTP: admin enrols, lists, changes roles (revoking tokens) and
links subjects; each rule every record keeps is 409 problem+json with nothing stored
(principal.scope, principal.own_book), a token of a former role is 401, and a peer rating's
participant is the caller, never a name in the body. Each fails with its check removed."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from ledger.principal import Principals

Headers = dict[str, dict[str, str]]
SCHEME = "/api/v1/points/taihu/2023"
PRINCIPALS = "/api/v1/principals"


def _post(client: TestClient, path: str, body: dict[str, Any], headers: dict[str, str],
          status: int = 201) -> dict[str, Any]:  # fmt: skip
    response = client.post(path, json=body, headers=headers)
    assert response.status_code == status, response.text
    found: dict[str, Any] = response.json()
    return found


def _stored(client: TestClient) -> int:
    ledger = client.app.state.services.ledger  # type: ignore[attr-defined]
    return ledger.app.recorder.max_notification_id() or 0


def _refused(client: TestClient, path: str, body: dict[str, Any], headers: dict[str, str],
             rule: str) -> None:  # fmt: skip
    before = _stored(client)
    response = client.post(path, json=body, headers=headers)
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["rule"] == rule
    assert _stored(client) == before, "a refused write stored something"


def _token(client: TestClient, account: str) -> dict[str, str]:
    services = client.app.state.services  # type: ignore[attr-defined]
    token = services.tokens.issue(Principals(services.ledger), account, services.ledger.clock())
    return {"Authorization": f"Bearer {token}"}


def _book(client: TestClient, tokens: Headers) -> tuple[str, str]:
    """A scheme, the th01 plan and one cadre's book in 晋熙镇01村: (cadre, book)."""
    tpc, vc = tokens["township_party_committee"], tokens["village_committee"]
    _post(client, SCHEME + "/scheme", {}, tokens["organisation_department"])
    tasks = [{"task": "party-building", "title": "党建引领", "points_tenths": 100}]
    _post(client, SCHEME + "/plans", {"township": "th01", "tasks": tasks}, tpc)
    cadre = _post(client, "/api/v1/subjects", {"kind": "cadre", "personal": {"name": "李一"}},
                  tpc)["evidence"]["stream"]  # fmt: skip
    book = _post(client, SCHEME + "/books", {"cadre": cadre, "township": "th01",
                 "village": "晋熙镇01村", "category": "principal"}, vc)  # fmt: skip
    return cadre, book["evidence"]["stream"]


def test_admin_enrols_lists_and_only_admin_may(client: TestClient, tokens: Headers) -> None:
    body = {"account": "vc-02", "role": "village_committee", "county": "taihu",
            "township": "th01", "village": "晋熙镇02村"}  # fmt: skip
    refused = client.post(PRINCIPALS, json=body, headers=tokens["intake"])
    assert refused.status_code == 403 and refused.json()["rule"] == "role"
    _refused(client, PRINCIPALS, {**body, "village": None}, tokens["admin"], "principal.scope")
    _post(client, PRINCIPALS, body, tokens["admin"])
    _refused(client, PRINCIPALS, body, tokens["admin"], "principal.enrolled")
    listed = client.get(PRINCIPALS, headers=tokens["admin"]).json()
    mine = next(p for p in listed if p["account"] == "vc-02")
    assert mine["role"] == "village_committee" and mine["scope"]["village"] == "晋熙镇02村"
    assert client.get(PRINCIPALS, headers=tokens["audit"]).status_code == 403


def test_a_role_change_revokes_the_tokens_of_the_former_role(
    client: TestClient, tokens: Headers
) -> None:
    moved = _post(client, f"{PRINCIPALS}/intake-01/role",
                  {"role": "audit", "reason": "调任审计"}, tokens["admin"], 200)  # fmt: skip
    assert moved["result"]["tokens_revoked"] == 1
    old = client.post("/api/v1/subjects", json={"kind": "worker", "personal": {"name": "甲"}},
                      headers=tokens["intake"])  # fmt: skip
    assert old.status_code == 401
    listed = client.get(PRINCIPALS, headers=tokens["admin"]).json()
    assert next(p for p in listed if p["account"] == "intake-01")["roles_held"] == [
        "intake",
        "audit",
    ]


def test_a_village_committee_writes_only_its_villages_books(
    client: TestClient, tokens: Headers
) -> None:
    cadre, _ = _book(client, tokens)
    _post(
        client,
        PRINCIPALS,
        {
            "account": "vc-02",
            "role": "village_committee",
            "county": "taihu",
            "township": "th01",
            "village": "晋熙镇02村",
        },
        tokens["admin"],
    )
    other = _token(client, "vc-02")
    second = _post(client, "/api/v1/subjects", {"kind": "cadre", "personal": {"name": "李二"}},
                   tokens["township_party_committee"])["evidence"]["stream"]  # fmt: skip
    _refused(
        client,
        SCHEME + "/books",
        {"cadre": second, "township": "th01", "village": "晋熙镇01村", "category": "principal"},
        other,
        "principal.scope",
    )
    assert cadre != second


def test_no_principal_enters_in_its_own_book(client: TestClient, tokens: Headers) -> None:
    cadre, book = _book(client, tokens)
    _post(client, f"{PRINCIPALS}/tpc-01/subject", {"subject": cadre}, tokens["admin"], 200)
    entry = {"quarter": 1, "component": "bonus", "points_tenths": 10, "reason": "表彰"}
    _refused(client, f"{SCHEME}/books/{book}/entries", entry,
             tokens["township_party_committee"], "principal.own_book")  # fmt: skip


def test_a_peer_rating_is_the_callers_never_a_name_in_the_body(
    client: TestClient, tokens: Headers
) -> None:
    _, book = _book(client, tokens)
    tpc = tokens["township_party_committee"]
    form = _post(client, f"{SCHEME}/books/{book}/forms", {"quarter": 1}, tpc)
    path = f"{SCHEME}/forms/{form['evidence']['stream']}/scores"
    scores = {"preparation": 80, "grounding": 85, "expression": 90, "results": 75}
    named = client.post(path, json={"participant": "someone-else", "scores": scores},
                        headers=tpc)  # fmt: skip
    assert named.status_code == 422
    _post(client, path, {"scores": scores}, tpc)
    _post(client, path, {"scores": scores}, tokens["village_committee"])
    services = client.app.state.services  # type: ignore[attr-defined]
    state = services.ledger.app.repository.get(UUID(form["evidence"]["stream"]))
    assert sorted(state.scores) == ["tpc-01", "vc-01"]
