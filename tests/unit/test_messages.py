"""Messages in Chinese with stable codes (issue 15 item 5): every rule name the ledger (or the
API) raises has its sentence; ``message`` falls back instead of failing; GONGSHI_LANG=en
keeps English; problem bodies carry ``code`` and ``type`` = TYPE_BASE + code."""

from __future__ import annotations

import pytest

from api.messages import CATALOG, message
from api.problems import TYPE_BASE, coded, not_found_code
from ledger.errors import NotFound
from tests.support.rule_names import rule_names


def test_every_rule_name_raised_has_a_sentence_in_both_languages() -> None:
    names, unresolved = rule_names()
    assert unresolved == [], unresolved
    assert len(names) >= 120 and {"carefund.budget_cap", "lecture.order", "role"} <= names
    missing = sorted(name for name in names if "rule." + name not in CATALOG)
    assert missing == [], missing
    for name in names:
        zh, en = CATALOG["rule." + name]
        assert zh.strip() and en.strip() and zh != en, name
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh), name  # Chinese, not English


def test_the_collector_resolves_constants_imports_and_passed_rule_names() -> None:
    names, _ = rule_names()
    assert "lecture.order" in names  # ORDER = "lecture.order" in ledger/assessment/lecture.py
    assert "principal.system" in names  # SYSTEM imported from verify/rules_principals.py
    assert "carefund.source" in names  # parse_enum(Source, source, "carefund.source")
    assert "public.reader_date" in names  # api/reader_date.py


def test_chinese_by_default_english_with_gongshi_lang_en(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GONGSHI_LANG", raising=False)
    assert message("not_found.fund_year", year=2031) == "2031 年度基金未开立"
    monkeypatch.setenv("GONGSHI_LANG", "en")
    assert message("not_found.fund_year", year=2031) == "fund year 2031 is not open"
    assert message("not_found.fund_year", "zh", year=2031) == "2031 年度基金未开立"


def test_unknown_codes_and_missing_fields_fall_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GONGSHI_LANG", raising=False)
    assert message("rule.nothing.such") == "违反规则 rule.nothing.such"
    assert "not_found.thing" in message("not_found.thing")
    assert message("not_found.fund_year") == "{year} 年度基金未开立"


def test_a_problem_body_carries_code_type_detail_and_evidence(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GONGSHI_LANG", raising=False)
    code, fields = not_found_code(NotFound("FundYear", "some-stream-id", year=2031))
    assert code == "not_found.fund_year"
    response = coded(404, code, "FundYear year 2031 not found", fields)
    body = response.body.decode()
    assert f'"type":"{TYPE_BASE}not_found.fund_year"' in body
    assert '"code":"not_found.fund_year"' in body and "2031 年度基金未开立" in body
    assert "some-stream-id" not in body  # the natural key, not the internal id
    assert not_found_code(NotFound("Nothing Known", "k"))[0] == "not_found.resource"
