"""Writes name what they made (issue 15 item 4): 201 with ``Location`` and the new id in
``result``; a step on an existing resource answers 200 with ``Location`` of that resource;
an Idempotency-Key replay answers the same status and ``Location``. GET on one fund year,
application, subject (its public part only), points book, supervision case and key project;
404 with a Chinese message naming the key the user gave (never an internal id)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import settle

Headers = dict[str, dict[str, str]]
SCHEME = "/api/v1/points/taihu/2023"
PHONE, NAME = "13912345678", "欧阳娜娜"


def _created(response: Any, status: int = 201) -> tuple[dict[str, Any], str]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    location = response.headers["Location"]
    assert body["location"] == location and location.startswith("/api/v1/")
    return body, location


def _read(client: TestClient, location: str, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get(location, headers=headers)
    assert response.status_code == 200, (location, response.text)
    found: dict[str, Any] = response.json()
    return found


def _application(client: TestClient, tokens: Headers) -> tuple[str, str, str]:
    """(subject, application, the application's Location) of a submitted application."""
    finance, intake = tokens["finance"], tokens["intake"]
    _, year_at = _created(client.post("/api/v1/carefund/years", json={"year": 2023},
                                      headers=finance))  # fmt: skip
    assert year_at == "/api/v1/carefund/years/2023"
    money = {"source": "trade_union", "amount_fen": 2_000_000, "reference": "R-1"}
    _created(client.post(year_at + "/contributions", json=money, headers=finance))
    person = {"kind": "worker", "personal": {"name": NAME, "phone": PHONE}}
    subject, subject_at = _created(client.post("/api/v1/subjects", json=person, headers=intake))
    assert subject_at == f"/api/v1/subjects/{subject['result']['subject']}"
    application = {
        "year": 2023, "subject": subject["result"]["subject"], "industry": "express_delivery",
        "hardship": "illness", "requested_tier": 1, "priority": False,
    }  # fmt: skip
    body, at = _created(client.post("/api/v1/carefund/applications", json=application,
                                    headers=intake))  # fmt: skip
    new = body["result"]["application"]
    assert new == body["evidence"]["stream"] and at == f"/api/v1/carefund/applications/{new}"
    return subject["result"]["subject"], new, at


def test_an_application_is_created_201_with_location_and_read_back(
    client: TestClient, tokens: Headers
) -> None:
    subject, application, at = _application(client, tokens)
    read = _read(client, at, tokens["trade_union"])
    assert read["application"] == application and read["stage"] == "submitted"
    assert read["subject"] == subject and read["version"] == 1
    review = client.post(at + "/review", json={"approve": True},
                         headers=tokens["industry_party_committee"])  # fmt: skip
    _created(review, 200)  # a step on the application: 200, Location of the application
    assert review.headers["Location"] == at
    approval = client.post(at + "/approval", json={"tier": 1}, headers=tokens["trade_union"])
    assert _created(approval, 200)[1] == at
    paid = client.post(at + "/disbursement", json={"reference": "TX-1"}, headers=tokens["finance"])
    assert _created(paid, 200)[1] == at
    read = _read(client, at, tokens["audit"])
    assert read["stage"] == "disbursed" and read["amount_fen"] > 0 and read["version"] == 4
    fund = _read(client, "/api/v1/carefund/years/2023", tokens["audit"])
    assert fund["year"] == 2023 and fund["disbursed_fen"] == read["amount_fen"]


def test_a_subject_answers_its_public_part_only(client: TestClient, tokens: Headers) -> None:
    subject, _, _ = _application(client, tokens)
    read = _read(client, f"/api/v1/subjects/{subject}", tokens["audit"])
    assert read == {**read, "subject": subject, "pseudonym": subject, "kind": "worker",
                    "erased": False, "erasure_pending": False}  # fmt: skip
    assert PHONE not in str(read) and NAME[2:] not in str(read) and "commitment" not in read


def test_reads_need_a_token_and_the_application_a_care_fund_role(
    client: TestClient, tokens: Headers
) -> None:
    subject, _, at = _application(client, tokens)
    assert client.get(at).status_code == 401
    assert client.get(f"/api/v1/subjects/{subject}").status_code == 401
    refused = client.get(at, headers=tokens["village_committee"])
    assert refused.status_code == 403 and refused.json()["code"] == "rule.role"


def test_the_replay_answers_the_same_status_and_location(
    client: TestClient, tokens: Headers
) -> None:
    _, _, at = _application(client, tokens)
    keyed = {**tokens["industry_party_committee"], "Idempotency-Key": "review-1"}
    first = client.post(at + "/review", json={"approve": True}, headers=keyed)
    again = client.post(at + "/review", json={"approve": True}, headers=keyed)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert (again.status_code, again.headers["Location"]) == (200, first.headers["Location"])
    person = {"kind": "worker", "personal": {"name": "张三"}}
    keyed = {**tokens["intake"], "Idempotency-Key": "subject-1"}
    made = client.post("/api/v1/subjects", json=person, headers=keyed)
    replayed = client.post("/api/v1/subjects", json=person, headers=keyed)
    assert replayed.headers.get("Idempotent-Replayed") == "true"
    assert (replayed.status_code, replayed.headers["Location"]) == (201, made.headers["Location"])
    assert replayed.json()["result"] == made.json()["result"]


def test_book_case_and_project_are_created_with_location_and_read_back(
    client: TestClient, tokens: Headers
) -> None:
    org, tpc = tokens["organisation_department"], tokens["township_party_committee"]
    _, scheme_at = _created(client.post(SCHEME + "/scheme", json={}, headers=org))
    assert scheme_at == SCHEME + "/scheme" and _read(client, scheme_at, tpc)["year"] == 2023
    tasks = [{"task": "party-building", "title": "党建引领", "points_tenths": 100}]
    _, plan_at = _created(
        client.post(SCHEME + "/plans", json={"township": "th01", "tasks": tasks}, headers=tpc)
    )
    assert _read(client, plan_at, tpc)["tasks"][0]["points_tenths"] == 100
    cadre, _ = _created(
        client.post(
            "/api/v1/subjects", headers=tpc, json={"kind": "cadre", "personal": {"name": "李一"}}
        )
    )
    opened = client.post(SCHEME + "/books", headers=tokens["village_committee"], json={
        "cadre": cadre["result"]["subject"], "township": "th01", "village": "晋熙镇01村",
        "category": "principal"})  # fmt: skip
    book, book_at = _created(opened)
    assert book_at == f"{SCHEME}/books/{book['result']['book']}"
    read = _read(client, book_at, tokens["audit"])
    assert read["cadre"] == cadre["result"]["subject"] and read["entries"] == []
    case, case_at = _created(client.post("/api/v1/supervision/cases", headers=tokens[
        "supervision"], json={"target_kind": "unit", "target": "水利局", "reason": "complaint",
                              "detail": "群众反映", "county": "taihu"}))  # fmt: skip
    assert case_at.endswith(case["result"]["case"])
    assert _read(client, case_at, tpc)["stage"] == "opened"
    project, project_at = _created(client.post("/api/v1/supervision/projects", headers=org,
        json={"name": "人才引进工作优化", "owner_unit": "县委组织部", "county": "taihu",
              "lead": "org-02", "year": 2023,
              "items": [{"item": "m1", "title": "选址", "due": "2023-03-31"}]}))  # fmt: skip
    assert project_at.endswith(project["result"]["project"])
    assert _read(client, project_at, tpc)["items"][0]["item"] == "m1"


def test_not_found_names_the_natural_key_in_chinese(client: TestClient, tokens: Headers) -> None:
    audit = tokens["audit"]
    year = client.get("/api/v1/carefund/years/2031", headers=audit)
    assert year.status_code == 404 and year.json()["code"] == "not_found.fund_year"
    assert year.json()["detail"] == "2031 年度基金未开立"
    money = {"source": "trade_union", "amount_fen": 100, "reference": "R-9"}
    paid_in = client.post("/api/v1/carefund/years/2031/contributions", json=money,
                          headers=tokens["finance"])  # fmt: skip
    assert paid_in.status_code == 404 and paid_in.json()["detail"] == "2031 年度基金未开立"
    assert "-" not in paid_in.json()["evidence"]  # "FundYear year 2031 not found", no uuid
    scheme = client.get("/api/v1/points/taihu/2031/scheme", headers=audit)
    assert scheme.json()["detail"] == "太湖县 2031 年度积分管理方案未开立"
    closed = client.post("/api/v1/points/taihu/2031/closure", json={},
                         headers=tokens["organisation_department"])  # fmt: skip
    assert closed.status_code == 404 and closed.json()["code"] == "not_found.scheme"
    plan = client.get(SCHEME + "/plans/th09", headers=audit)
    assert plan.json()["code"] == "not_found.task_plan" and "-" not in plan.json()["evidence"]
    unknown = "00000000-0000-4000-8000-000000000001"
    for path, code in (
        (f"/api/v1/carefund/applications/{unknown}", "not_found.application"),
        (f"/api/v1/subjects/{unknown}", "not_found.subject"),
        (f"/api/v1/supervision/cases/{unknown}", "not_found.supervision_case"),
        (f"/api/v1/supervision/projects/{unknown}", "not_found.key_project"),
    ):
        missing = client.get(path, headers=audit)
        assert missing.status_code == 404 and missing.json()["code"] == code, path
        assert missing.json()["type"].endswith("/" + code) and "未找到" in missing.json()["detail"]


def test_a_cadre_without_a_post_is_named_by_the_cadre_not_the_post_record(
    client: TestClient, tokens: Headers
) -> None:
    cadre = "00000000-0000-4000-8000-0000000000c1"
    observed = client.post(f"/api/v1/supervision/posts/{cadre}/observation", json={
        "post": "四级调研员", "until": "2030-12-31", "reason": "专项检查"},
        headers=tokens["organisation_department"])  # fmt: skip
    body = observed.json()
    assert observed.status_code == 404 and body["code"] == "not_found.cadre_post"
    assert (
        body["detail"] == "该干部没有登记职务"
        and body["evidence"] == f"CadrePost cadre {cadre} not found"
    )


def test_a_posting_s_writes_name_its_public_read(client: TestClient, tokens: Headers) -> None:
    _application(client, tokens)  # the 2023 fund year is open
    fund = client.app.state.services.carefund_config.fund  # type: ignore[attr-defined]
    opened = client.post("/api/v1/postings", headers=tokens["trade_union"], json={
        "kind": "carefund", "scope": fund, "year": 2023, "issuing_unit": "桐城市总工会",
        "period_start": "2023-01-01", "period_end": "2099-12-31",
        "how_to_object": "来信来访：桐城市总工会办公室"})  # fmt: skip
    _, at = _created(opened)
    assert at == f"/api/v1/public/postings/carefund/{fund}/2023"
    settle(client)
    assert client.get(at).json()["issuing_unit"] == "桐城市总工会"
