"""The principal registry over HTTP: admin enrols, lists, changes roles (revoking tokens) and
links subjects; each rule every record keeps is 409 problem+json with nothing stored
(principal.scope, principal.own_book), and a token of a former role is 401. Each fails with
its check removed."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.tokens import token_hash
from ledger.errors import RuleViolation
from ledger.principal import POLICY_ACTOR, Principals

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


def _enrolled(
    client: TestClient, tokens: Headers, account: str, role: str, county: str
) -> dict[str, str]:
    """Enrol ``account`` in ``role`` for ``county`` (by the admin, over HTTP); its token."""
    _post(client, PRINCIPALS, {"account": account, "role": role, "county": county},
          tokens["admin"])  # fmt: skip
    return _token(client, account)


CASE = {"target_kind": "unit", "target": "水利局", "reason": "complaint",
        "detail": "群众反映工程进度滞后", "county": "taihu"}  # fmt: skip


def test_a_supervision_principal_acts_only_in_its_county(
    client: TestClient, tokens: Headers
) -> None:
    """Yuexi's supervision principal can't open or list a Taihu case (409 principal.scope);
    on demand it escalates Yuexi's overdue projects only, as itself."""
    yuexi = _enrolled(client, tokens, "jw-yuexi-01", "supervision", "yuexi")
    _refused(client, "/api/v1/supervision/cases", CASE, yuexi, "principal.scope")
    case = _post(client, "/api/v1/supervision/cases", CASE, tokens["supervision"])
    _refused(client, f"/api/v1/supervision/cases/{case['evidence']['stream']}/listing",
             {"deadline": "2023-09-30", "note": "挂牌督办"}, yuexi, "principal.scope")  # fmt: skip
    items = [{"item": "m01", "title": "1月清单", "due": "2023-01-28"}]
    for county in ("taihu", "yuexi"):
        org = _enrolled(client, tokens, f"zzb-{county}-09", "organisation_department", county)
        project = {"name": f"{county}项目", "county": county, "owner_unit": "县委组织部",
                   "lead": "org-01", "year": 2023, "items": items}  # fmt: skip
        _post(client, "/api/v1/supervision/projects", project, org)
    run = _post(client, "/api/v1/supervision/escalations", {}, yuexi, 200)
    assert len(run["opened"]) == 1 and {r["stream"] for r in run["records"]} >= {run["opened"][0]}
    ledger = client.app.state.services.ledger  # type: ignore[attr-defined]
    opened = ledger.app.recorder.select_events(UUID(run["opened"][0]))[0].state
    assert b'"principal":"jw-yuexi-01"' in opened and b'"county":"yuexi"' in opened


def test_no_token_acts_as_a_system_account(client: TestClient, tokens: Headers) -> None:
    """None is issued (principal.system); one written to the table before this rule is 401."""
    services = client.app.state.services  # type: ignore[attr-defined]
    with pytest.raises(RuleViolation) as refused:
        _token(client, POLICY_ACTOR.principal)
    assert refused.value.rule == "principal.system"
    services.ledger.db.execute(
        "INSERT INTO gongshi_api_tokens (token_hash, principal, role, created_at)"
        " VALUES (?, ?, ?, ?)",
        (token_hash("gst_" + "S" * 43), POLICY_ACTOR.principal, "supervision", "2023-01-01"),
    )
    response = client.post("/api/v1/supervision/escalations",
                           headers={"Authorization": "Bearer gst_" + "S" * 43})  # fmt: skip
    assert response.status_code == 401 and "system account" in response.text


def test_no_principal_allocates_responsibility_to_its_own_book(
    client: TestClient, tokens: Headers
) -> None:
    cadre, book = _book(client, tokens)
    _post(client, f"{PRINCIPALS}/vc-01/subject", {"subject": cadre}, tokens["admin"], 200)
    allocation = {"task": "party-building", "quarter": 1, "points_tenths": 30,
                  "meeting_on": "2023-02-10", "minutes": "晋熙镇01村两委〔2023〕1号"}  # fmt: skip
    _refused(client, f"{SCHEME}/books/{book}/allocations", allocation,
             tokens["village_committee"], "principal.own_book")  # fmt: skip
