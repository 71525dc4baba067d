"""verify/canonical.py: a refused number or constant names where and why (mutants killed:
bench/mutation-survivors.md)."""

from __future__ import annotations

import pytest

from verify import canonical
from verify.canonical import CanonicalError, canonical_bytes, parse_canonical


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b'{"a":1.5}', "number 1.5 is not an integer"),
        (b"[1e3]", "number 1e3 is not an integer"),
        (b'{"a":NaN}', "NaN is not JSON"),
        (b"-Infinity", "-Infinity is not JSON"),
    ],
)
def test_float_or_constant_refusal_names_path_and_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(CanonicalError) as e:
        parse_canonical(raw)
    assert (e.value.path, e.value.reason, str(e.value)) == ("$", reason, f"$: {reason}")


PARSE_REFUSALS = {
    "duplicate key": (b'{"a":1,"a":2}', "duplicate object key 'a'"),
    "truncated": (b'{"a":', "invalid JSON at character 5: Expecting value"),
    "5,000-digit integer": (
        b'{"a":' + b"9" * 5000 + b"}",
        "unparseable: ValueError: Exceeds the limit (4300 digits) for integer string conversion: "
        "value has 5000 di",
    ),
    "unsorted keys": (b'{"b":1,"a":2}', "not canonical: first difference at byte 2"),
    "trailing newline": (b'{"a":1}\n', "not canonical: first difference at byte 7"),
    "missing last byte": (b'"a', "invalid JSON at character 0: Unterminated string starting at"),
    "bad UTF-8": (b'{"a":"\xff"}', "invalid UTF-8 at byte 6"),
    # The C encoder orders keys by code point: U+FFFF before U+1F600. RFC 8785 orders by
    # UTF-16 code units, where U+1F600 (D83D DE00) comes first. Code-point order is refused.
    "non-BMP key in code-point order": (
        '{"\uffff":2,"\U0001f600":1}'.encode(),
        "not canonical: first difference at byte 2",
    ),
}


@pytest.mark.parametrize("refusal", PARSE_REFUSALS, ids=list(PARSE_REFUSALS))
def test_parse_refusals_name_the_fault(refusal: str) -> None:
    raw, reason = PARSE_REFUSALS[refusal]
    with pytest.raises(CanonicalError) as e:
        parse_canonical(raw)
    assert (e.value.path, e.value.reason) == ("$", reason)


def test_non_bmp_keys_in_utf16_order_are_canonical() -> None:
    assert parse_canonical('{"\U0001f600":1,"\uffff":2}'.encode()) == {"\U0001f600": 1, "\uffff": 2}


ENCODE_REFUSALS = {
    "lone surrogate in a list": (
        {"d": [1, "\ud800"]},
        "$.d[1]",
        "string contains a lone surrogate",
    ),
    "lone surrogate in a key": ({"d": {"\ud800": 1}}, "$.d", "string contains a lone surrogate"),
    "integer key": ({"d": [0, {1: 2}]}, "$.d[1]", "object key 1 is not a string"),
    "bytes": ({"d": [b"x"]}, "$.d[0]", "type bytes not allowed"),
    "unsafe integer": ({"d": [2**53]}, "$.d[0]", "integer 9007199254740992 outside ±(2**53 - 1)"),
    "negative unsafe integer": (
        {"d": -(2**53)},
        "$.d",
        "integer -9007199254740992 outside ±(2**53 - 1)",
    ),
}


@pytest.mark.parametrize("refusal", ENCODE_REFUSALS, ids=list(ENCODE_REFUSALS))
def test_encode_refusals_name_the_path(refusal: str) -> None:
    value, path, reason = ENCODE_REFUSALS[refusal]
    with pytest.raises(CanonicalError) as e:
        canonical_bytes(value)
    assert (e.value.path, e.value.reason) == (path, reason)


@pytest.mark.parametrize("value", [2**53 - 1, -(2**53 - 1)])
def test_the_safe_integer_bounds_are_canonical(value: int) -> None:
    assert canonical_bytes({"a": value}) == b'{"a":%d}' % value
    assert parse_canonical(b'{"a":%d}' % value) == {"a": value}


def test_nesting_the_encoder_cannot_follow_is_a_canonical_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """json.loads and the encoder share the recursion limit: what parses may not re-encode."""

    def too_deep(value: object) -> bytes:
        raise RecursionError

    monkeypatch.setattr(canonical, "canonical_bytes", too_deep)
    with pytest.raises(CanonicalError) as e:
        parse_canonical(b"[ []]")  # not canonical: the careful path re-encodes it
    assert (e.value.path, e.value.reason) == ("$", "nested too deeply")
