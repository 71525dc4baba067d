"""A field's pattern said as the values or the shape it allows, never as the regex a clerk
can't read: ``^(json|csv|xlsx)$`` → "应为 json、csv 或 xlsx 之一"; ``^(Q[1-4]|year)$`` → "应为
Q1、Q2、Q3、Q4 或 year 之一"; ``^[a-z0-9][a-z0-9._@-]{0,63}$`` → "应以小写字母或数字开头，只含
小写字母、数字和 . _ @ -，共 1 至 64 个字符"; a date, a month, a SHA-256 by name. A pattern of
another shape says only "格式不符" in Chinese; English, for operators, names the regex
(``should match …``) except where it lists the values or names a date, month or hash."""

from __future__ import annotations

import re

from api.messages import language

WORD = r"[A-Za-z0-9_-]+(?:\[[0-9]-[0-9]\])?"
CHOICES = re.compile(rf"\^\(({WORD}(?:\|{WORD})+)\)\$")
CHOICE = re.compile(r"([A-Za-z0-9_-]*)\[([0-9])-([0-9])\]$")  # Q[1-4] → Q1 … Q4
RUN = re.compile(r"\^(?:\[([^\]]+)\])?\[([^\]]+)\]\{(\d+),(\d+)\}\$")  # [first] then m..n more
NAMED: dict[str, tuple[str, str]] = {
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$": ("应为日期 YYYY-MM-DD", "should be a date YYYY-MM-DD"),
    r"^\d{4}-(0[1-9]|1[0-2])$": ("应为月份 YYYY-MM", "should be a month YYYY-MM"),
    r"^[0-9a-f]{64}$": (
        "应为 64 位小写十六进制数字（SHA-256）",
        "should be 64 lower-case hex digits (SHA-256)",
    ),
}
RANGES = {"A-Za-z": "字母", "a-z": "小写字母", "A-Z": "大写字母", "0-9": "数字", "1-9": "数字 1–9"}


def choices(pattern: str) -> list[str] | None:
    """The values an alternation ``^(a|b|c)$`` allows (a ``[1-4]`` range spelled out)."""
    found = CHOICES.fullmatch(pattern)
    if found is None:
        return None
    values: list[str] = []
    for word in found.group(1).split("|"):
        ranged = CHOICE.fullmatch(word)
        if ranged is None:
            values.append(word)
        else:
            stem, low, high = ranged.groups()
            values += [f"{stem}{n}" for n in range(int(low), int(high) + 1)]
    return values


def _one_of(values: list[str], zh: bool) -> str:
    if zh:
        return f"应为 {'、'.join(values[:-1])} 或 {values[-1]} 之一"
    return f"should be one of {', '.join(values[:-1])} or {values[-1]}"


def _characters(cls: str) -> str:
    """A character class's members in words: ``a-z0-9._@-`` → 小写字母、数字和 . _ @ -."""
    words, rest = [], cls
    for span, word in RANGES.items():
        if span in rest:
            words.append(word)
            rest = rest.replace(span, "", 1)
    signs = " ".join(rest)
    if not signs:
        return "、".join(words)
    return f"{'、'.join(words)}和 {signs}" if words else signs


def pattern_sentence(pattern: str, lang: str | None = None) -> str:
    """What a value must look like to match ``pattern``, in the user's language."""
    zh = language(lang) == "zh"
    named = NAMED.get(pattern)
    if named is not None:
        return named[0 if zh else 1]
    values = choices(pattern)
    if values is not None:
        return _one_of(values, zh)
    run = RUN.fullmatch(pattern)
    if run is None or not zh:  # English, for operators: the pattern itself
        return "格式不符" if zh else f"should match {pattern}"
    first, more, low, high = run.groups()
    extra = 0 if first is None else 1
    shortest, longest = int(low) + extra, int(high) + extra
    if first == "1-9" and more == "0-9":
        return f"应为正整数（不以 0 开头，最多 {longest} 位）"
    start = "" if first is None else f"以{_characters(first).replace('、', '或')}开头，"
    return f"应{start}只含{_characters(more)}，共 {shortest} 至 {longest} 个字符"
