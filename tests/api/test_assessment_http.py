"""Routine assessment over HTTP (issue 14): a programme's whole year for one cadre (the four
steps of each quarter, the annual grade with a lecture as reference), a lecture rated,
commented, tested and closed, a mentoring pair with notes, a training class; a cadre's file
(一人一档) by who may read it. The issue's bad input — a step out of order, a leader assessing
themselves, a rater rating their own lecture, a second form from the same rater, a score
outside its range, a quarter outside the year — is 409 problem+json naming the rule, nothing
stored; a role that may not take a step is 403 (rule ``role``), no token 401."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from ledger.actor import Actor, Role
from ledger.clock import SteppingClock

Headers = dict[str, dict[str, str]]
BASE = "/api/v1/assessment"
SUPERVISION = Actor("supervision-01", Role.SUPERVISION)


@dataclass
class Cast:
    """The programme's people: cadre subjects by letter, tokens by account."""

    cadres: dict[str, str]
    tokens: Headers


def _at(clock: SteppingClock, day: str) -> None:
    """Move the clock to 09:00 (UTC) of ``day``, YYYY-MM-DD."""
    clock.set(datetime.fromisoformat(day).replace(hour=9, tzinfo=UTC))


@pytest.fixture
def cast(client: TestClient, tokens: Headers) -> Cast:
    """Cadres a (a lecturer and mentor), b (a mentee), l (a leader's own subject), m (another
    leader's, not enrolled), each a department_cadre subject; accounts dc-a, dc-b, dc-l
    (department_cadre, each linked to its cadre), lead-01 (assessment_leader linked to l: a
    leader who is also an assessed cadre), lead-02 (assessment_leader linked to m: every
    leader's account names its holder, rule assessment.account); org-01 runs the programme."""
    from ledger.principal import Principals
    from tests.support.principals import ADMIN, enrol

    services = client.app.state.services  # type: ignore[attr-defined]
    ledger = services.ledger
    body = {"kind": "department_cadre", "personal": {"name": "王讲"}}
    registered = client.post("/api/v1/subjects", headers=tokens["supervision"], json=body)
    assert registered.status_code == 201, registered.text
    cadres = {"a": registered.json()["evidence"]["stream"]}
    for letter, name in (("b", "李新"), ("l", "张部"), ("m", "陈科")):
        cadres[letter] = str(ledger.register_subject({"name": name}, "department_cadre",
                                                     SUPERVISION))  # fmt: skip
    accounts = {
        "dc-a": (Role.DEPARTMENT_CADRE, "a"), "dc-b": (Role.DEPARTMENT_CADRE, "b"),
        "dc-l": (Role.DEPARTMENT_CADRE, "l"), "lead-01": (Role.ASSESSMENT_LEADER, "l"),
        "lead-02": (Role.ASSESSMENT_LEADER, "m"),
    }  # fmt: skip
    enrol(ledger, *(Actor(account, role) for account, (role, _) in accounts.items()))
    registry = Principals(ledger)
    for account, (_, letter) in accounts.items():
        if letter is not None:
            registry.link_subject(account, UUID(cadres[letter]), ADMIN)
    now = ledger.clock()
    issued = {
        account: {"Authorization": "Bearer " + services.tokens.issue(registry, account, now)}
        for account in accounts
    }
    return Cast(cadres, {**issued, "org-01": tokens["organisation_department"]})


def _post(client: TestClient, path: str, body: dict[str, Any] | None, headers: dict[str, str],
          status: int = 201) -> dict[str, Any]:  # fmt: skip
    response = client.post(BASE + path, json=body, headers=headers)
    assert response.status_code == status, response.text
    found: dict[str, Any] = response.json()
    return found


def _stream(client: TestClient, path: str, body: dict[str, Any] | None,
            headers: dict[str, str]) -> str:  # fmt: skip
    stream: str = _post(client, path, body, headers)["evidence"]["stream"]
    return stream


def _refused(client: TestClient, path: str, body: dict[str, Any] | None,
             headers: dict[str, str], rule: str, status: int = 409) -> None:  # fmt: skip
    """409 (or 403) problem+json naming ``rule``; nothing stored: no record, no document in
    the vault (a 小结, 评鉴 or note's text is kept only with its record)."""
    services = client.app.state.services  # type: ignore[attr-defined]
    stored = (
        services.ledger.app.recorder.max_notification_id,
        lambda: services.ledger.db.execute("SELECT COUNT(*) FROM gongshi_vault_documents"),
    )  # fmt: skip
    before = [count() for count in stored]
    response = client.post(BASE + path, json=body, headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["rule"] == rule, response.text
    assert [count() for count in stored] == before  # nothing stored


def _programme(client: TestClient, cast: Cast, records: str = "abl") -> tuple[str, dict[str, str]]:
    """Taihu's programme of 2023 and the records of cadres ``records``."""
    org = cast.tokens["org-01"]
    programme = _stream(client, "/programmes", {"county": "taihu", "year": 2023,
                        "department": "中共太湖县委组织部"}, org)  # fmt: skip
    return programme, {
        letter: _post(client, f"/programmes/{programme}/cadres",
                      {"cadre": cast.cadres[letter], "section": "干部监督科"}, org)
        ["result"]["record"]
        for letter in records
    }  # fmt: skip


def _loop(client: TestClient, cast: Cast, record: str, quarter: int, rating: str,
          account: str = "dc-a") -> None:  # fmt: skip
    """The four steps of ``quarter`` on ``record`` (the cadre's own ``account``)."""
    path, own = f"/records/{record}/quarters/{quarter}", cast.tokens[account]
    _post(client, path + "/summary", {"text": f"第{quarter}季度小结"}, own)
    _post(client, path + "/appraisal", {"rating": rating, "text": "评鉴意见"},
          cast.tokens["lead-02"])  # fmt: skip
    _post(client, path + "/feedback", None, own)
    _post(client, path + "/goal", {"text": f"第{quarter + 1}季度改进目标"}, own)


def _lecture(client: TestClient, cast: Cast, programme: str, week: str = "2023-04-03") -> str:
    return _stream(client, f"/programmes/{programme}/lectures", {
        "week": week, "board": "business", "topic": "干部档案审核要点",
        "speaker": cast.cadres["a"],
    }, cast.tokens["org-01"])  # fmt: skip


SCORES = {"preparation": 90, "grounding": 85, "expression": 80, "results": 86}


def test_a_year_of_routine_assessment_over_http(
    client: TestClient, cast: Cast, clock: SteppingClock
) -> None:
    t, org = cast.tokens, cast.tokens["org-01"]
    programme, records = _programme(client, cast)
    a = records["a"]
    _loop(client, cast, a, 1, "fairly_good")
    # a lecture by a in Q2, closed before Q2's appraisal: a reference (shown, moves nothing)
    _at(clock, "2023-04-03")
    lecture = _lecture(client, cast, programme)
    _post(client, f"/lectures/{lecture}/ratings", {"scores": SCORES}, t["dc-b"])
    _post(client, f"/lectures/{lecture}/ratings", {"scores": {**SCORES, "results": 91}},
          t["lead-02"])  # fmt: skip
    _post(client, f"/lectures/{lecture}/comments", {"as": "section_head", "text": "准备充分"},
          t["lead-01"])  # fmt: skip
    _post(client, f"/lectures/{lecture}/comments", {"as": "deputy_head", "text": "联系实际"},
          t["lead-02"])  # fmt: skip
    _post(client, f"/lectures/{lecture}/test", {"takers": 12, "mean_tenths": 865}, org)
    closed = _post(client, f"/lectures/{lecture}/close", None, org)
    assert closed["evidence"]["stream"] == lecture
    assert closed["result"]["forms"] == 2
    assert closed["result"]["means"] == {"preparation": 900, "grounding": 850,
                                         "expression": 800, "results": 885}  # fmt: skip
    assert closed["result"]["overall_tenths"] == 859  # (341 + 346) / 8 = 85.875
    assert closed["result"]["test_mean_tenths"] == 865
    _loop(client, cast, a, 2, "good")
    _at(clock, "2023-07-10")
    _loop(client, cast, a, 3, "good")
    _at(clock, "2023-10-09")
    _loop(client, cast, a, 4, "good")
    grade = {"grade": "excellent", "reasons": "三个季度为好，一个季度较好"}
    graded = _post(client, f"/records/{a}/annual-grade", grade, t["lead-02"])
    assert graded["evidence"]["stream"] == a
    # mentoring: a mentors b, both write their notes, the pair ends
    pair = _post(client, f"/programmes/{programme}/mentoring-pairs", {
        "mentor": cast.cadres["a"], "mentee": cast.cadres["b"], "started_on": "2023-03-01",
    }, org)["result"]["pair"]  # fmt: skip
    _post(client, f"/mentoring-pairs/{pair}/notes",
          {"quarter": 4, "side": "mentor", "text": "带学政策文件"}, t["dc-a"])  # fmt: skip
    _post(client, f"/mentoring-pairs/{pair}/notes",
          {"quarter": 4, "side": "mentee", "text": "学习体会"}, t["dc-b"])  # fmt: skip
    _post(client, f"/mentoring-pairs/{pair}/end", {"ended_on": "2023-10-09",
          "reason": "帮带期满"}, org)  # fmt: skip
    # a training class of two sessions
    training = _post(client, "/training-classes", {"county": "taihu", "year": 2023,
                     "kind": "induction", "name": "公务员初任培训班", "sessions": 2},
                     org)["result"]["training"]  # fmt: skip
    path = f"/training-classes/{training}"
    _post(client, path + "/participants", {"cadres": [cast.cadres["a"], cast.cadres["b"]]}, org)
    _post(client, path + "/attendance", {"session": 1, "present": [cast.cadres["a"]]}, org)
    _post(client, path + "/attendance", {"session": 2,
          "present": sorted([cast.cadres["a"], cast.cadres["b"]])}, org)  # fmt: skip
    _post(client, path + "/completions", {"cadre": cast.cadres["a"], "completed": True}, org)
    # 一人一档: the department, a leader, the cadre's own account; not another cadre's
    file_path = f"{BASE}/programmes/{programme}/cadres/{cast.cadres['a']}"
    for account in ("org-01", "lead-01", "dc-a"):
        response = client.get(file_path, headers=t[account])
        assert response.status_code == 200, (account, response.text)
    shown = response.json()
    assert (shown["annual_grade"]["grade"], shown["section"]) == ("excellent", "干部监督科")
    assert shown["annual_grade"]["references"] == [lecture]
    assert [shown["quarters"][f"Q{q}"]["rating"] for q in (1, 2, 3, 4)] == [
        "fairly_good", "good", "good", "good"]  # fmt: skip
    assert shown["quarters"]["Q2"]["references"] == [lecture]
    assert [x["lecture"] for x in shown["lectures"]] == [lecture]
    assert [(p["pair"], p["side"]) for p in shown["mentoring"]] == [(pair, "mentor")]
    assert [(c["attended"], c["completed"]) for c in shown["training"]] == [(2, True)]
    other = client.get(file_path, headers=t["dc-b"])
    assert other.status_code == 403 and other.json()["rule"] == "role"
    assert client.get(file_path).status_code == 401


def test_bad_input_is_409_naming_the_rule(
    client: TestClient, cast: Cast, clock: SteppingClock
) -> None:
    t = cast.tokens
    programme, records = _programme(client, cast)
    a, q1 = records["a"], f"/records/{records['a']}/quarters/1"
    # a second programme for the county and year; due days not the four steps'
    opened = {"county": "taihu", "year": 2023, "department": "中共太湖县委组织部"}
    _refused(client, "/programmes", opened, t["org-01"], "assessment.programme")
    _refused(client, "/programmes", {**opened, "year": 2024, "due_days": {"summary": 10}},
             t["org-01"], "assessment.programme")  # fmt: skip
    # a step out of order: the 反馈 before the 小结 and 评鉴
    _refused(client, q1 + "/feedback", None, t["dc-a"], "assessment.order")
    _post(client, q1 + "/summary", {"text": "小结"}, t["dc-a"])
    _refused(client, q1 + "/summary", {"text": "又一份小结"}, t["dc-a"], "assessment.order")
    _refused(client, q1 + "/goal", {"text": "目标"}, t["dc-a"], "assessment.order")
    # a quarter outside the year (0, 5), and one not begun yet (Q2 in March)
    for quarter in (0, 5):
        _refused(client, f"/records/{a}/quarters/{quarter}/summary", {"text": "小结"},
                 t["dc-a"], "assessment.quarter")  # fmt: skip
    _post(client, q1 + "/appraisal", {"rating": "good", "text": "评鉴"}, t["lead-02"])
    _post(client, q1 + "/feedback", None, t["dc-a"])
    _post(client, q1 + "/goal", {"text": "目标"}, t["dc-a"])
    _refused(client, f"/records/{a}/quarters/2/summary", {"text": "小结"}, t["dc-a"],
             "assessment.quarter")  # fmt: skip
    # another cadre's account can't write a's 小结; a rating outside the vocabulary
    _at(clock, "2023-04-03")
    _refused(client, f"/records/{a}/quarters/2/summary", {"text": "代写"}, t["dc-b"],
             "assessment.hands")  # fmt: skip
    # a leader assessing themselves: lead-01 is linked to l
    ql = f"/records/{records['l']}/quarters/1"
    _post(client, ql + "/summary", {"text": "小结"}, t["dc-l"])
    _refused(client, ql + "/appraisal", {"rating": "good", "text": "自评"}, t["lead-01"],
             "assessment.self")  # fmt: skip
    _refused(client, ql + "/appraisal", {"rating": "great", "text": "评鉴"}, t["lead-02"],
             "assessment.rating")  # fmt: skip
    # an annual grade before the four quarters are appraised
    _refused(client, f"/records/{a}/annual-grade", {"grade": "competent", "reasons": "早"},
             t["lead-02"], "assessment.annual_grade")  # fmt: skip
    # the lecture: the speaker rating their own, a second form, scores outside their range
    lecture = _lecture(client, cast, programme)
    rate = f"/lectures/{lecture}/ratings"
    _refused(client, rate, {"scores": SCORES}, t["dc-a"], "lecture.rater")
    _post(client, rate, {"scores": SCORES}, t["dc-b"])
    _refused(client, rate, {"scores": {**SCORES, "results": 70}}, t["dc-b"], "lecture.one_form")
    for bad in ({**SCORES, "results": 101}, {**SCORES, "results": -1},
                {k: v for k, v in SCORES.items() if k != "results"}):  # fmt: skip
        _refused(client, rate, {"scores": bad}, t["lead-02"], "lecture.score")
    _refused(client, f"/lectures/{lecture}/test", {"takers": 0, "mean_tenths": 800},
             t["org-01"], "lecture.score")  # fmt: skip
    _refused(client, f"/lectures/{lecture}/close", None, t["org-01"], "lecture.order")
    _refused(client, f"/programmes/{programme}/lectures", {"week": "2023-04-04",
             "board": "policy", "topic": "周二", "speaker": cast.cadres["b"]}, t["org-01"],
             "lecture.week")  # fmt: skip
    # mentoring: a cadre paired with itself; a note on the other side's behalf
    _refused(client, f"/programmes/{programme}/mentoring-pairs", {"mentor": cast.cadres["a"],
             "mentee": cast.cadres["a"], "started_on": "2023-03-01"}, t["org-01"],
             "mentoring.pair")  # fmt: skip
    pair = _post(client, f"/programmes/{programme}/mentoring-pairs", {
        "mentor": cast.cadres["a"], "mentee": cast.cadres["b"], "started_on": "2023-03-01",
    }, t["org-01"])["result"]["pair"]  # fmt: skip
    _refused(client, f"/mentoring-pairs/{pair}/notes", {"quarter": 2, "side": "mentor",
             "text": "代写"}, t["dc-b"], "mentoring.note")  # fmt: skip
    # training: a session outside the class
    training = _post(client, "/training-classes", {"county": "taihu", "year": 2023,
                     "kind": "section_level", "name": "科级干部培训班", "sessions": 2},
                     t["org-01"])["result"]["training"]  # fmt: skip
    _refused(client, f"/training-classes/{training}/attendance", {"session": 3, "present": []},
             t["org-01"], "training.session")  # fmt: skip


def test_each_step_refuses_the_roles_that_do_not_take_it(
    client: TestClient, cast: Cast, tokens: Headers
) -> None:
    t = cast.tokens
    programme, records = _programme(client, cast, "a")
    q1 = f"/records/{records['a']}/quarters/1"
    # the cadre does not appraise, the leader does not write the cadre's 小结
    _refused(client, q1 + "/summary", {"text": "代写"}, t["lead-02"], "role", 403)
    _post(client, q1 + "/summary", {"text": "小结"}, t["dc-a"])
    _refused(client, q1 + "/appraisal", {"rating": "good", "text": "自评"}, t["dc-a"], "role",
             403)  # fmt: skip
    _refused(client, "/programmes", {"county": "taihu", "year": 2024, "department": "某部"},
             t["lead-02"], "role", 403)  # fmt: skip
    _refused(client, f"/programmes/{programme}/cadres", {"cadre": cast.cadres["b"],
             "section": "组织科"}, tokens["township_party_committee"], "role", 403)  # fmt: skip
    assert client.post(BASE + q1 + "/appraisal", json={"rating": "good", "text": "x"}
                       ).status_code == 401  # fmt: skip
    # an unknown record or lecture: 404
    missing = "00000000-0000-4000-8000-0000000000ff"
    assert client.post(f"{BASE}/records/{missing}/quarters/1/feedback",
                       headers=t["dc-a"]).status_code == 404  # fmt: skip
    assert client.post(f"{BASE}/lectures/{missing}/close",
                       headers=t["org-01"]).status_code == 404  # fmt: skip


def test_an_idempotency_key_replays_a_step(client: TestClient, cast: Cast) -> None:
    t = cast.tokens
    _, records = _programme(client, cast, "a")
    keyed = {**t["dc-a"], "Idempotency-Key": "summary-2023-Q1"}
    path = f"{BASE}/records/{records['a']}/quarters/1/summary"
    first, again = (client.post(path, json={"text": "小结"}, headers=keyed) for _ in range(2))
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and again.headers["Idempotent-Replayed"] == "true"


ORG, LEADER, CADRE = "organisation_department", "assessment_leader", "department_cadre"
STEP_ROLES = {
    "/programmes": (ORG,), "/programmes/{programme}/cadres": (ORG,),
    "/records/{record}/quarters/{quarter}/summary": (CADRE,),
    "/records/{record}/quarters/{quarter}/appraisal": (LEADER,),
    "/records/{record}/quarters/{quarter}/feedback": (CADRE,),
    "/records/{record}/quarters/{quarter}/goal": (CADRE,),
    "/records/{record}/annual-grade": (LEADER,),
    "/programmes/{programme}/lectures": (ORG,), "/lectures/{lecture}/ratings": (CADRE, LEADER),
    "/lectures/{lecture}/comments": (LEADER,), "/lectures/{lecture}/test": (ORG,),
    "/lectures/{lecture}/close": (ORG,), "/programmes/{programme}/mentoring-pairs": (ORG,),
    "/mentoring-pairs/{pair}/notes": (CADRE,), "/mentoring-pairs/{pair}/end": (ORG,),
    "/training-classes": (ORG,), "/training-classes/{training}/participants": (ORG,),
    "/training-classes/{training}/attendance": (ORG,),
    "/training-classes/{training}/completions": (ORG,),
}  # fmt: skip


def test_every_step_has_its_roles_and_is_in_the_authorisation_matrix(
    client: TestClient,
) -> None:
    """The write endpoints test_authorisation.py checks (every role against each) include
    every step of the routine assessment, each with its role(s) as issue 14 gives them."""
    from tests.api.test_authorisation import _write_routes

    found = {
        path.removeprefix(BASE): roles
        for path, roles in _write_routes(client, templates=True)
        if path.startswith(BASE)
    }
    assert found == STEP_ROLES


def test_the_cadre_file_by_role(client: TestClient, cast: Cast, tokens: Headers) -> None:
    """一人一档: the department and the leaders read any enrolled cadre's file; a department
    cadre's account its own (linked) only; every other role 403, no token 401."""
    programme, _ = _programme(client, cast, "a")
    path = f"{BASE}/programmes/{programme}/cadres/{cast.cadres['a']}"
    for role, headers in tokens.items():
        response = client.get(path, headers=headers)
        if role in (ORG, LEADER):
            assert response.status_code == 200, (role, response.text)
        else:  # department_cadre: dcadre-01 is linked to no cadre
            assert response.status_code == 403, (role, response.text)
            assert response.json()["rule"] == "role"
    assert client.get(path, headers=cast.tokens["dc-a"]).json()["cadre"] == cast.cadres["a"]
    assert client.get(path).status_code == 401
    unknown = f"{BASE}/programmes/{programme}/cadres/{cast.cadres['b']}"  # not enrolled
    assert client.get(unknown, headers=tokens[ORG]).status_code == 404


def test_an_account_of_two_cadres_reads_neither_file(
    client: TestClient, cast: Cast, tokens: Headers
) -> None:
    """ "The cadre's own account" is its holder (the one department_cadre subject linked to
    it, as the domain's rules ask: assessment.account), not any link: dc-a linked to cadre b
    as well is no one cadre's account and reads neither file, 403 ``role``."""
    from ledger.principal import Principals
    from tests.support.principals import ADMIN

    ledger = client.app.state.services.ledger  # type: ignore[attr-defined]
    programme, _ = _programme(client, cast, "a")
    path = f"{BASE}/programmes/{programme}/cadres/{cast.cadres['a']}"
    assert client.get(path, headers=cast.tokens["dc-a"]).status_code == 200
    Principals(ledger).link_subject("dc-a", UUID(cast.cadres["b"]), ADMIN)
    response = client.get(path, headers=cast.tokens["dc-a"])
    assert response.status_code == 403, response.text
    assert response.json()["rule"] == "role" and "2 cadres" in response.text


def test_the_cadre_file_is_read_in_the_programme_county_only(
    client: TestClient, cast: Cast, tokens: Headers
) -> None:
    """一人一档 holds a cadre's ratings and grade: another county's organisation department or
    assessment leader (their registry scope) gets what any other role gets, 403 naming the
    rule; the programme's own county reads it."""
    from ledger.principal import Principals, Scope
    from tests.support.principals import enrol

    services = client.app.state.services  # type: ignore[attr-defined]
    ledger = services.ledger
    others = [
        Actor("org-hn", Role.ORGANISATION_DEPARTMENT),
        Actor("lead-hn", Role.ASSESSMENT_LEADER),
    ]
    enrol(ledger, *others, scope=Scope(county="huaining"))
    registry, now = Principals(ledger), ledger.clock()
    programme, _ = _programme(client, cast, "a")  # Taihu's
    path = f"{BASE}/programmes/{programme}/cadres/{cast.cadres['a']}"
    for actor in others:
        token = {"Authorization": "Bearer " + services.tokens.issue(registry, actor.principal, now)}
        response = client.get(path, headers=token)
        assert response.status_code == 403, (actor, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["rule"] == "role"
        assert "taihu's" in response.text and "huaining" in response.text  # the evidence
    for role in (ORG, LEADER):  # org-01, leader-01: Taihu's
        assert client.get(path, headers=tokens[role]).status_code == 200, role
