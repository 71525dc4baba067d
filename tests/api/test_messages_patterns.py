"""A pattern violation says which values or what shape the field takes, never the regex
(review of issue 15, finding 15: "格式不符（^(json|csv|xlsx)$）" was shown to a clerk)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.messages_input import field_message
from api.messages_patterns import pattern_sentence

REGEX = re.compile(r"[\^$\\\[\]{}|]")  # what a regex shows and a sentence doesn't


def test_an_alternation_lists_its_values() -> None:
    assert pattern_sentence("^(json|csv|xlsx)$", "zh") == "应为 json、csv 或 xlsx 之一"
    assert pattern_sentence("^(json|csv|xlsx)$", "en") == "should be one of json, csv or xlsx"
    assert pattern_sentence("^(Q[1-4]|year)$", "zh") == "应为 Q1、Q2、Q3、Q4 或 year 之一"


def test_a_shape_is_said_in_words() -> None:
    assert pattern_sentence(r"^[a-z0-9][a-z0-9._@-]{0,63}$", "zh") == (
        "应以小写字母或数字开头，只含小写字母、数字和 . _ @ -，共 1 至 64 个字符"
    )
    assert pattern_sentence(r"^[1-9][0-9]{0,5}$", "zh") == "应为正整数（不以 0 开头，最多 6 位）"
    assert pattern_sentence(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "zh") == "应为日期 YYYY-MM-DD"
    assert pattern_sentence(r"^x+$", "zh") == "格式不符"  # an unknown shape: no regex either
    assert pattern_sentence(r"^x+$", "en") == "should match ^x+$"  # operators may read it


def test_field_message_of_a_pattern_error() -> None:
    error = {"type": "string_pattern_mismatch", "ctx": {"pattern": "^(carefund|points)$"}}
    assert field_message(error, "zh") == "应为 carefund 或 points 之一"


def _patterns(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield value
            else:
                yield from _patterns(value)
    elif isinstance(node, list):
        for item in node:
            yield from _patterns(item)


def test_every_pattern_of_the_api_reads_without_a_regex(client: TestClient) -> None:
    patterns = set(_patterns(client.get("/openapi.json").json()))
    assert len(patterns) >= 15
    said = {p: pattern_sentence(p, "zh") for p in patterns}
    unread = {p: s for p, s in said.items() if REGEX.search(s) or s == "格式不符"}
    assert unread == {}, unread


def test_a_bad_format_answers_with_the_choices(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GONGSHI_LANG", raising=False)
    answer = client.get("/api/v1/public/disbursements", params={"format": "pdf"})
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert detail == "请求内容不符合要求：query.format：应为 json、csv 或 xlsx 之一", detail
