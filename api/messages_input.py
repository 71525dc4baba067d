"""Validation errors (422) per field, in Chinese by default: pydantic's error types as
sentences a clerk reads ("year：应为整数"), the field named by its place in the request
(``body.year``, ``query.limit``, ``path.application``)."""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

from api.messages import language
from api.messages_patterns import pattern_sentence

# pydantic error type -> (zh, en); {fields} come from the error's ``ctx``.
FIELD_ERRORS: dict[str, tuple[str, str]] = {
    "missing": ("必填", "required"),
    "extra_forbidden": ("不允许此字段", "not allowed"),
    "int_parsing": ("应为整数", "should be an integer"),
    "int_type": ("应为整数", "should be an integer"),
    "int_from_float": ("应为整数", "should be an integer"),
    "float_parsing": ("应为数字", "should be a number"),
    "float_type": ("应为数字", "should be a number"),
    "bool_parsing": ("应为 true 或 false", "should be true or false"),
    "bool_type": ("应为 true 或 false", "should be true or false"),
    "string_type": ("应为文本", "should be text"),
    "string_too_short": ("至少 {min_length} 个字符", "at least {min_length} characters"),
    "string_too_long": ("不能超过 {max_length} 个字符", "at most {max_length} characters"),
    "too_short": ("至少 {min_length} 项", "at least {min_length} items"),
    "too_long": ("不能超过 {max_length} 项", "at most {max_length} items"),
    "greater_than": ("应大于 {gt}", "should be greater than {gt}"),
    "greater_than_equal": ("应不小于 {ge}", "should be at least {ge}"),
    "less_than": ("应小于 {lt}", "should be less than {lt}"),
    "less_than_equal": ("应不大于 {le}", "should be at most {le}"),
    "literal_error": ("应为以下之一：{expected}", "should be one of {expected}"),
    "enum": ("应为以下之一：{expected}", "should be one of {expected}"),
    "date_parsing": ("应为日期 YYYY-MM-DD", "should be a date YYYY-MM-DD"),
    "date_from_datetime_parsing": ("应为日期 YYYY-MM-DD", "should be a date YYYY-MM-DD"),
    "date_type": ("应为日期 YYYY-MM-DD", "should be a date YYYY-MM-DD"),
    "uuid_parsing": ("应为编号（UUID）", "should be a UUID"),
    "uuid_type": ("应为编号（UUID）", "should be a UUID"),
    "list_type": ("应为列表", "should be a list"),
    "dict_type": ("应为对象", "should be an object"),
    "model_attributes_type": ("应为对象", "should be an object"),
    "json_invalid": ("不是有效的 JSON", "is not valid JSON"),
    "value_error": ("取值无效", "is not a valid value"),
    "assertion_error": ("取值无效", "is not a valid value"),
    "multiple_of": ("应为 {multiple_of} 的倍数", "should be a multiple of {multiple_of}"),
}
FALLBACK = ("取值无效", "is not valid")


class _Keep(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    """``body.year``, ``query.limit``: the error's place joined with dots (list indexes too)."""
    return ".".join(str(part) for part in loc) or "request"


def field_message(error: Mapping[str, Any], lang: str | None = None) -> str:
    """The sentence for one pydantic error (its ``type`` and ``ctx``), without the field."""
    if error.get("type") == "string_pattern_mismatch":  # the values it allows, not a regex
        return pattern_sentence(str((error.get("ctx") or {}).get("pattern", "")), lang)
    which = 1 if language(lang) == "en" else 0
    text = FIELD_ERRORS.get(str(error.get("type", "")), FALLBACK)[which]
    ctx = {k: str(v) for k, v in (error.get("ctx") or {}).items()}
    try:
        return string.Formatter().vformat(text, (), _Keep(ctx))
    except (ValueError, IndexError, AttributeError, KeyError):
        return text


def field_errors(errors: list[Mapping[str, Any]], lang: str | None = None) -> list[dict[str, Any]]:
    """``[{"loc": [...], "field": "body.year", "msg": "应为整数", "type": "int_parsing"}]``:
    each error with its field and sentence (``type`` is pydantic's, stable)."""
    return [
        {
            "loc": [str(p) for p in err.get("loc", ())],
            "field": field_name(tuple(err.get("loc", ()))),
            "msg": field_message(err, lang),
            "type": str(err.get("type", "")),
        }
        for err in errors
    ]


def summary(errors: list[dict[str, Any]], lang: str | None = None, most: int = 5) -> str:
    """One line for ``detail``: "year：应为整数；reason：必填" (the first ``most``, then 等)."""
    sep, colon = ("; ", ": ") if language(lang) == "en" else ("；", "：")
    parts = [f"{e['field']}{colon}{e['msg']}" for e in errors[:most]]
    more = len(errors) - most
    if more > 0:
        parts.append(f"… (+{more})" if language(lang) == "en" else f"等 {len(errors)} 处")
    return sep.join(parts)
