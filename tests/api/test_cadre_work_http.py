"""Key projects, the special inspection of cadre selection and cadres' posts over HTTP: each
rule's rejection is 409 problem+json naming it, nothing stored; the overdue policy on demand
for the supervision role; the published key-projects list follows amendments and
verifications."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ledger.actor import Actor, Role
from ledger.clock import SteppingClock
from tests.api.conftest import settle

Headers = dict[str, dict[str, str]]
BASE = "/api/v1/supervision"


@pytest.fixture
def org(client: TestClient, tokens: Headers) -> Headers:
    """Tokens of org-01 (reports) and org-02 (a project's lead), organisation_department."""
    from ledger.principal import Principals
    from tests.support.principals import enrol

    services = client.app.state.services  # type: ignore[attr-defined]
    actors = [Actor(a, Role.ORGANISATION_DEPARTMENT) for a in ("org-01", "org-02")]
    enrol(services.ledger, *actors)
    registry, now = Principals(services.ledger), services.ledger.clock()
    return {
        a.principal: {
            "Authorization": "Bearer " + services.tokens.issue(registry, a.principal, now)
        }
        for a in actors
    }


def _post(client: TestClient, path: str, body: dict[str, Any], headers: dict[str, str],
          status: int = 201) -> dict[str, Any]:  # fmt: skip
    response = client.post(BASE + path, json=body, headers=headers)
    assert response.status_code == status, response.text
    found: dict[str, Any] = response.json()
    return found


def _refused(client: TestClient, path: str, body: dict[str, Any], headers: dict[str, str],
             rule: str) -> None:  # fmt: skip
    services = client.app.state.services  # type: ignore[attr-defined]
    before = services.ledger.app.recorder.max_notification_id()
    response = client.post(BASE + path, json=body, headers=headers)
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["rule"] == rule
    assert services.ledger.app.recorder.max_notification_id() == before  # nothing stored


def _project(client: TestClient, org: Headers) -> str:
    stream: str = _post(client, "/projects", {
        "name": "人才引进工作优化", "owner_unit": "县委组织部", "county": "taihu",
        "lead": "org-02", "year": 2023,
        "items": [{"item": "m01", "title": "1月清单", "due": "2023-01-28"},
                  {"item": "m02", "title": "2月清单", "due": "2023-02-28"}],
    }, org["org-01"])["evidence"]["stream"]  # fmt: skip
    return stream


def test_key_project_rules_are_409(client: TestClient, tokens: Headers, org: Headers) -> None:
    project = _project(client, org)
    why = "根据项目实施进展和工作成效，进行动态调整"
    path = f"/projects/{project}"
    _refused(client, path + "/amendments", {"change": "move", "item": "m09", "due": "2023-05-28",
             "reason": why}, org["org-01"], "keyproject.amendment")  # fmt: skip
    _post(client, path + "/amendments", {"change": "move", "item": "m02", "due": "2023-05-28",
          "reason": why}, org["org-01"])  # fmt: skip
    _refused(client, path + "/verifications", {"item": "m01", "evidence": "盘点"},
             org["org-02"], "keyproject.verification")  # fmt: skip
    _post(client, path + "/progress", {"item": "m01", "done": True, "note": "完成"}, org["org-01"])
    _refused(client, path + "/verifications", {"item": "m01", "evidence": "盘点"},
             org["org-01"], "keyproject.verification")  # fmt: skip
    _post(client, path + "/verifications", {"item": "m01", "evidence": "盘点销号"}, org["org-02"])
    denied = client.post(BASE + "/projects", json={}, headers=tokens["township_party_committee"])
    assert denied.status_code in (403, 422)
    settle(client)
    (row,) = client.get("/api/v1/public/key-projects", params={"today": "2023-07-01"},
                        headers=tokens["audit"]).json()["rows"]  # fmt: skip
    assert [(i["item"], i["due"], i["verified"]) for i in row["items"]] == [
        ("m01", "2023-01-28", True), ("m02", "2023-05-28", False)]  # fmt: skip
    assert (row["county"], row["lead"], row["amendments"][0]["change"]) == (
        "taihu", "org-02", "move")  # fmt: skip


def test_escalation_on_demand_and_the_case_closed_by_verification(
    client: TestClient, tokens: Headers, org: Headers, clock: SteppingClock
) -> None:
    project = _project(client, org)
    clock.set(datetime(2023, 3, 1, 1, 0, tzinfo=UTC))
    assert client.post(BASE + "/escalations", headers=org["org-01"]).status_code == 403
    run = _post(client, "/escalations", {}, tokens["supervision"], 200)
    assert run["today"] == "2023-03-01" and len(run["opened"]) == 2
    assert _post(client, "/escalations", {}, tokens["supervision"], 200)["opened"] == []
    keyed = {**tokens["supervision"], "Idempotency-Key": "escalate-2023-03-01"}
    first, again = (client.post(BASE + "/escalations", headers=keyed) for _ in range(2))
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    case = run["opened"][0]
    _refused(client, f"/cases/{case}/closure", {"evidence": "DOC-1 销号"}, tokens["supervision"],
             "keyproject.case_closure")  # fmt: skip
    _post(client, f"/projects/{project}/progress", {"item": "m01", "done": True, "note": "补齐"},
          org["org-01"])  # fmt: skip
    done = _post(client, f"/projects/{project}/verifications",
                 {"item": "m01", "evidence": "盘点销号"}, org["org-02"])  # fmt: skip
    assert [r["stream"] for r in done["records"]] == [project, case]  # one commit


def test_special_inspection_and_observation_rules_are_409(
    client: TestClient, tokens: Headers, org: Headers, clock: SteppingClock
) -> None:
    clock.set(datetime(2023, 3, 1, 1, 0, tzinfo=UTC))
    o = org["org-01"]
    opened = {"name": "选人用人专项检查", "county": "taihu", "team": "专项调研组"}
    inspection = _post(client, "/selection-inspections", opened, o)["evidence"]["stream"]
    path = f"/selection-inspections/{inspection}"
    _post(client, path + "/visits", {"units": [{"unit": "县直单位01", "kind": "county_unit"}]}, o)
    _refused(client, path + "/findings", {"unit": "县直单位02", "finding": "推动不力",
             "weak_work": True}, o, "selection.visit")  # fmt: skip
    services = client.app.state.services  # type: ignore[attr-defined]
    sup = Actor("supervision-01", Role.SUPERVISION)
    unit_head = services.ledger.register_subject({"name": "赵局长"}, "unit_head", sup)
    cadre = services.ledger.register_subject({"name": "钱科长"}, "cadre", sup)
    talk = {"unit": "县直单位01", "head": str(unit_head), "note": "约谈"}
    _refused(client, path + "/talks", talk, o, "selection.talk")
    _post(client, path + "/findings", {"unit": "县直单位01", "finding": "推动不力",
          "weak_work": True}, o)  # fmt: skip
    _post(client, path + "/talks", talk, o)
    _post(client, "/posts", {"cadre": str(cadre), "county": "taihu", "post": "科员",
          "leading": False}, o)  # fmt: skip
    _refused(client, f"/posts/{cadre}/observation", {"post": "科员", "until": "2023-09-01",
             "reason": "观察使用"}, o, "cadrepost.observation")  # fmt: skip
    _refused(client, f"/posts/{cadre}/review", {"decision": "kept_non_leading",
             "reason": "观察期满"}, o, "cadrepost.review")  # fmt: skip
