"""Canonical JSON (RFC 8785 without floats): round trips, byte-exact Unicode, every refusal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from verify.canonical import MAX_SAFE_INTEGER, CanonicalError, canonical_bytes, parse_canonical

json_values: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
    | st.text(alphabet=st.characters(exclude_categories=["Cs"])),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.text(alphabet=st.characters(exclude_categories=["Cs"])), children, max_size=4
        )
    ),
    max_leaves=20,
)


@given(json_values)
def test_round_trip_parse_of_serialise_is_identity(value: Any) -> None:
    raw = canonical_bytes(value)
    assert parse_canonical(raw) == value
    assert canonical_bytes(parse_canonical(raw)) == raw


def test_chinese_text_is_literal_utf8_not_escaped() -> None:
    raw = canonical_bytes({"reason": "张三 同意"})
    assert raw == '{"reason":"张三 同意"}'.encode()
    assert b"\\u" not in raw


def test_control_characters_use_short_or_lowercase_escapes() -> None:
    assert canonical_bytes('a\nb\t\x01\x1f"\\') == b'"a\\nb\\t\\u0001\\u001f\\"\\\\"'


def test_keys_sorted_by_utf16_code_units() -> None:
    # By code point U+FF61 < U+1F600; by UTF-16 code units 0xD83D (U+1F600) < 0xFF61.
    value = {"\uff61": 1, "\U0001f600": 2, "a": 3, "\u00e9": 4}
    raw = canonical_bytes(value)
    order = [k for k in parse_canonical(raw)]
    assert order == ["a", "\u00e9", "\U0001f600", "\uff61"]


def test_float_rejected_with_path() -> None:
    with pytest.raises(CanonicalError) as e:
        canonical_bytes({"data": {"amount": 800.0}})
    assert e.value.path == "$.data.amount"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b'{"a":1.5}', "not an integer"),
        (b'{"a":1e3}', "not an integer"),
        (b'{"a":NaN}', "not JSON"),
        (b'{"a":1,"a":2}', "duplicate"),
        (b'{"b":1,"a":2}', "not canonical"),
        (b'{"a": 1}', "not canonical"),
        (b'{"a":"\\u5f20"}', "not canonical"),
        (b'{"a":"\\/"}', "not canonical"),
        (b'{"a":9007199254740992}', "outside"),
        (b'{"a":1}\n', "not canonical"),
        (b"\xff", "UTF-8"),
        (b'{"a":', "invalid JSON"),
    ],
    ids=[
        "float",
        "exponent",
        "nan",
        "duplicate-key",
        "unsorted-keys",
        "whitespace",
        "escaped-cjk",
        "escaped-solidus",
        "unsafe-integer",
        "trailing-newline",
        "bad-utf8",
        "truncated",
    ],
)
def test_non_canonical_bytes_rejected(raw: bytes, reason: str) -> None:
    with pytest.raises(CanonicalError, match=reason):
        parse_canonical(raw)


def test_lone_surrogate_rejected() -> None:
    with pytest.raises(CanonicalError, match="surrogate"):
        canonical_bytes({"a": "\ud800"})


def test_non_string_key_and_unknown_types_rejected() -> None:
    with pytest.raises(CanonicalError, match="not a string"):
        canonical_bytes({1: "x"})
    with pytest.raises(CanonicalError, match="not allowed"):
        canonical_bytes({"a": b"bytes"})


@given(json_values)
def test_fast_path_equals_careful_reference_encoder(value: Any) -> None:
    from verify.canonical import _careful

    assert canonical_bytes(value) == _careful(value)


def test_non_bmp_keys_take_the_utf16_ordered_path() -> None:
    from verify.canonical import _careful

    value = {"\uff61": 1, "\U0001f600": 2}
    assert canonical_bytes(value) == _careful(value) == '{"\U0001f600":2,"\uff61":1}'.encode()


def test_huge_integer_and_deep_nesting_are_canonical_errors_not_crashes() -> None:
    with pytest.raises(CanonicalError):
        parse_canonical(b'{"a":' + b"9" * 5000 + b"}")
    with pytest.raises(CanonicalError):
        parse_canonical(b"[" * 100_000 + b"]" * 100_000)


# RFC 8785's own vectors (tests/vectors/jcs/, from cyberphone/json-canonicalization): the
# input files are ordinary JSON; each output file is its canonical form, no trailing newline.
JCS = Path(__file__).resolve().parents[1] / "vectors" / "jcs"
JCS_WITHOUT_FLOATS = ("arrays", "french", "unicode", "weird")
JCS_WITH_FLOATS = ("structures", "values")


def test_jcs_vectors_are_all_used() -> None:
    names = {path.stem for path in (JCS / "input").glob("*.json")}
    assert names == set(JCS_WITHOUT_FLOATS + JCS_WITH_FLOATS)


@pytest.mark.parametrize("name", JCS_WITHOUT_FLOATS)
def test_jcs_vector_without_floats_is_byte_exact(name: str) -> None:
    """docs/FORMAT.md §1: "Records are JSON texts in the canonical form of RFC 8785"."""
    value = json.loads((JCS / "input" / f"{name}.json").read_text(encoding="utf-8"))
    expected = (JCS / "output" / f"{name}.json").read_bytes()
    assert canonical_bytes(value) == expected
    assert parse_canonical(expected) == value


@pytest.mark.parametrize("name", JCS_WITH_FLOATS)
def test_jcs_vector_with_floats_is_refused(name: str) -> None:
    """docs/FORMAT.md §1: "No floats anywhere: a number with a fraction or exponent makes the
    bytes invalid"."""
    value = json.loads((JCS / "input" / f"{name}.json").read_text(encoding="utf-8"))
    with pytest.raises(CanonicalError, match="float"):
        canonical_bytes(value)
