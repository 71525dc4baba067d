"""Messages name things, not codes (review of issue 15, finding 15): "taihu 2031 年度积分管理
方案未开立", "公示 points/taihu/2031 尚未开始" showed a county's code and a posting's key to a
clerk. In Chinese a county, a township, a case's reason or an objection's category is named
(api/labels.py) and a posting by its title; English (operators) keeps the codes."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.cli_errors import describe
from api.messages import message
from ledger.errors import NotFound

Headers = dict[str, dict[str, str]]
TAIHU_2031 = "太湖县村（社区）干部积分 2031 年度积分结果公示"


def test_a_missing_scheme_names_the_county(
    client: TestClient, tokens: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GONGSHI_LANG", raising=False)
    answer = client.get("/api/v1/points/taihu/2031/scheme", headers=tokens["audit"])
    assert answer.status_code == 404, answer.text
    assert answer.json()["detail"] == "太湖县 2031 年度积分管理方案未开立"
    monkeypatch.setenv("GONGSHI_LANG", "en")
    answer = client.get("/api/v1/points/taihu/2031/scheme", headers=tokens["audit"])
    assert answer.json()["detail"] == "points scheme taihu 2031 is not open"


def test_a_missing_posting_is_named_by_its_title(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GONGSHI_LANG", raising=False)
    answer = client.get("/api/v1/public/postings/points/taihu/2031")
    assert answer.status_code == 404, answer.text
    assert answer.json()["detail"] == f"{TAIHU_2031}尚未开始"


def test_the_cli_says_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GONGSHI_LANG", raising=False)
    assert describe(NotFound("posting", "points/taihu/2031")) == f"{TAIHU_2031}尚未开始"
    assert describe(NotFound("objection", "points/taihu/2031/3")) == (
        f"未找到{TAIHU_2031}第 3 号异议"
    )


def test_township_reason_and_unknown_codes() -> None:
    assert message("not_found.task_plan", "zh", township="th02", year=2031) == (
        "徐桥镇 2031 年度任务计划尚未制定"
    )
    assert message("not_found.task_plan", "zh", township="zz9", year=2031) == (
        "zz9 2031 年度任务计划尚未制定"  # a code the tables don't know stays as given
    )
    assert message("not_found.task_plan", "en", township="th02", year=2031) == (
        "the th02 plan of 2031 is not set"
    )
