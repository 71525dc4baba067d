"""verify/canonical.py: a refused number or constant names where and why (mutants killed:
bench/mutation-survivors.md)."""

from __future__ import annotations

import pytest

from verify.canonical import CanonicalError, parse_canonical


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
