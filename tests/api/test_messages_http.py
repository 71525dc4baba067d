"""Problem bodies for people and for programs (issue 15 item 5): a stable English ``code``
and ``type`` = TYPE_BASE + code; ``detail`` in Chinese (GONGSHI_LANG=en: English); the
domain's evidence in ``evidence``; 422 names each field with a Chinese sentence."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.problems import TYPE_BASE

Headers = dict[str, dict[str, str]]


def test_invalid_input_names_each_field_in_chinese(client: TestClient, tokens: Headers) -> None:
    bad = {"year": "二〇二三", "budget_fen": -1}
    response = client.post("/api/v1/carefund/years", json=bad, headers=tokens["finance"])
    body = response.json()
    assert response.status_code == 422 and body["code"] == "input.invalid"
    assert body["type"] == TYPE_BASE + "input.invalid" and body["title"] == "请求有误"
    fields = {e["field"]: e["msg"] for e in body["errors"]}
    assert fields["body.year"] == "应为整数", fields
    assert (
        body["detail"].startswith("请求内容不符合要求：")
        and "body.year：应为整数" in body["detail"]
    )
    missing = client.post("/api/v1/carefund/applications", json={}, headers=tokens["intake"])
    assert {e["msg"] for e in missing.json()["errors"]} == {"必填"}


def test_a_broken_rule_has_its_code_a_chinese_detail_and_the_evidence(
    client: TestClient, tokens: Headers
) -> None:
    opened = client.post("/api/v1/carefund/years", json={"year": 2023}, headers=tokens["finance"])
    assert opened.status_code == 201
    again = client.post("/api/v1/carefund/years", json={"year": 2023}, headers=tokens["finance"])
    body = again.json()
    assert again.status_code == 409 and body["code"] == "rule.carefund.year_open"
    assert (
        body["type"] == TYPE_BASE + "rule.carefund.year_open"
        and body["rule"] == "carefund.year_open"
    )
    assert (
        body["detail"] == "该年度基金已开立"
        and body["evidence"] == "fund year 2023 is already open"
    )
    refused = client.post("/api/v1/carefund/years", json={"year": 2024}, headers=tokens["intake"])
    assert refused.status_code == 403 and refused.json()["code"] == "rule.role"
    assert refused.json()["detail"] == "当前角色无权执行此操作"


def test_token_problems_are_coded(client: TestClient, tokens: Headers) -> None:
    missing = client.post("/api/v1/carefund/years", json={"year": 2023})
    assert missing.status_code == 401 and missing.json()["code"] == "auth.missing_token"
    assert "缺少访问令牌" in missing.json()["detail"]
    unknown = client.post("/api/v1/carefund/years", json={"year": 2023},
                          headers={"Authorization": "Bearer gst_" + "x" * 43})  # fmt: skip
    assert unknown.json()["code"] in ("auth.unknown_token", "auth.malformed_token")
    nowhere = client.get("/api/v1/nothing-here")
    assert nowhere.status_code == 404 and nowhere.json()["code"] == "http.404"


def test_gongshi_lang_en_keeps_english(
    client: TestClient, tokens: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GONGSHI_LANG", "en")
    client.post("/api/v1/carefund/years", json={"year": 2023}, headers=tokens["finance"])
    again = client.post("/api/v1/carefund/years", json={"year": 2023}, headers=tokens["finance"])
    assert again.json()["detail"] == "the fund year is already open"
    assert again.json()["title"] == "Rule violation"
    year = client.get("/api/v1/carefund/years/2031", headers=tokens["audit"])
    assert year.json()["detail"] == "fund year 2031 is not open"
    bad = client.post("/api/v1/carefund/years", json={"year": "x"}, headers=tokens["finance"])
    assert bad.json()["errors"][0]["msg"] == "should be an integer"
