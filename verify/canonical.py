"""Canonical JSON: the RFC 8785 (JCS) encoding restricted to values without floats.

Every record is hashed over these bytes, so the encoding is byte-exact and documented in
docs/FORMAT.md. Allowed values: ``None``, ``True``/``False``, integers in the I-JSON safe range
(|n| <= 2**53 - 1), strings of Unicode scalar values, lists, and objects with string keys.
Floats are refused everywhere: money is integer fen and points are integer tenths.

Output rules (RFC 8785 §3.2): no insignificant whitespace; object members sorted by the UTF-16
code units of their names; strings escape only ``"``, ``\\`` and U+0000..U+001F (``\\b \\t \\n
\\f \\r`` short forms, otherwise ``\\u00xx`` in lower-case hex); everything else is literal
UTF-8; integers in plain decimal.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from json.encoder import encode_basestring
from typing import Any

MAX_SAFE_INTEGER = 2**53 - 1
_NON_BMP = re.compile(rb"[\xf0-\xf4]")


class CanonicalError(ValueError):
    """A value can't be encoded canonically, or bytes are not canonical JSON.

    ``path`` locates the offending value (``$.data.amount``), ``reason`` says what is wrong.
    """

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def _utf16_key(name: str) -> bytes:
    return name.encode("utf-16-be", "surrogatepass")


def _check_string(value: str, path: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise CanonicalError(path, "string contains a lone surrogate") from None


def _encode(value: Any, path: str, out: list[str]) -> None:
    # bool before int: bool is a subclass of int.
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif type(value) is int:
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise CanonicalError(path, f"integer {value} outside ±(2**53 - 1)")
        out.append(str(value))
    elif type(value) is str:
        _check_string(value, path)
        out.append(encode_basestring(value))
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _encode(item, f"{path}[{i}]", out)
        out.append("]")
    elif isinstance(value, dict):
        for key in value:
            if type(key) is not str:
                raise CanonicalError(path, f"object key {key!r} is not a string")
            _check_string(key, path)
        out.append("{")
        for i, key in enumerate(sorted(value, key=_utf16_key)):
            if i:
                out.append(",")
            out.append(encode_basestring(key))
            out.append(":")
            _encode(value[key], f"{path}.{key}", out)
        out.append("}")
    elif isinstance(value, float):
        raise CanonicalError(path, f"float {value!r} not allowed (use integer fen or tenths)")
    else:
        raise CanonicalError(path, f"type {type(value).__name__} not allowed")


class _Slow(Exception):
    """The fast path can't vouch for this value: take the careful path (which may raise)."""


def _fast_check(value: Any) -> None:
    # The same type rules as _encode, without building paths.
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return
    if kind is int:
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise _Slow
    elif kind is dict:
        for key, item in value.items():
            if type(key) is not str:
                raise _Slow
            _fast_check(item)
    elif kind is list or kind is tuple:
        for item in value:
            _fast_check(item)
    else:
        raise _Slow


def _careful(value: Any) -> bytes:
    out: list[str] = []
    _encode(value, "$", out)
    return "".join(out).encode("utf-8")


def canonical_bytes(value: Any) -> bytes:
    """Return the canonical UTF-8 bytes of ``value``; raise CanonicalError if not encodable.

    Fast path: the C JSON encoder gives the same bytes as _encode for values that pass
    _fast_check (sorted keys, ECMAScript string escapes, literal UTF-8); tests compare both.
    """
    try:
        _fast_check(value)
        raw = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    except (_Slow, UnicodeEncodeError, RecursionError):
        return _careful(value)
    # A character beyond U+FFFF (UTF-8 lead byte F0..F4) may sort differently by UTF-16 code
    # units than by code points: let the careful path order the keys.
    return _careful(value) if _NON_BMP.search(raw) else raw


def _reject_float(text: str) -> Any:
    raise CanonicalError("$", f"number {text} is not an integer")


def _reject_constant(text: str) -> Any:
    raise CanonicalError("$", f"{text} is not JSON")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, item in pairs:
        if key in result:
            raise CanonicalError("$", f"duplicate object key {key!r}")
        result[key] = item
    return result


def parse_canonical(data: bytes) -> Any:
    """Parse ``data`` and require it to be exactly the canonical encoding of its value.

    Raises CanonicalError for invalid UTF-8 or JSON, floats, duplicate keys, out-of-range
    integers, and for any byte that differs from the canonical re-encoding (first offset named).
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise CanonicalError("$", f"invalid UTF-8 at byte {e.start}") from None
    if not data.translate(None, _BELOW_F0):
        # Fast path: with no float (refused while parsing), no integer literal longer than
        # 15 characters and no character beyond U+FFFF (no UTF-8 lead byte F0..F4), the C
        # encoder's sorted output is the canonical form; a duplicate key or a lone surrogate
        # makes it differ or fail, and the careful path below then names the fault.
        try:  # scan_once: the value at 0; anything after it makes the re-encoding differ
            value = _FAST_SCAN(text, 0)[0]
            if _sorted_json(value) == text:  # text is data decoded: equal iff bytes equal
                return value
        except (_Slow, ValueError, RecursionError, UnicodeEncodeError, StopIteration):
            pass
    return _parse_carefully(data, text)


_BELOW_F0 = bytes(range(0xF0))


def _short_int(text: str) -> int:
    if len(text) > 15:  # up to 15 digits is always below 2**53; longer: check carefully
        raise _Slow
    return int(text)


_FAST_DECODER = json.JSONDecoder(
    parse_float=_reject_float, parse_int=_short_int, parse_constant=_reject_constant
)
# The C scanner: (value, end) at an offset (JSONDecoder.decode without the whitespace checks)
_FAST_SCAN: Callable[[str, int], tuple[Any, int]] = _FAST_DECODER.scan_once  # type: ignore[attr-defined]
_FAST_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)
# What _FAST_ENCODER.encode does, without making the C encoder anew on each call (~1 us)
_MAKE = getattr(json.encoder, "c_make_encoder", None)
_C: Any = _MAKE and _MAKE(None, _FAST_ENCODER.default, encode_basestring, None, ":", ",",
                          True, False, True)  # fmt: skip


def _sorted_json(value: Any) -> str:
    return "".join(_C(value, 0)) if _C else _FAST_ENCODER.encode(value)


def _parse_carefully(data: bytes, text: str) -> Any:
    try:
        value = json.loads(
            text,
            parse_float=_reject_float,
            parse_constant=_reject_constant,
            object_pairs_hook=_no_duplicates,
        )
    except CanonicalError:
        raise
    except json.JSONDecodeError as e:
        raise CanonicalError("$", f"invalid JSON at character {e.pos}: {e.msg}") from None
    except (ValueError, RecursionError) as e:  # e.g. a 5,000-digit integer, deep nesting
        raise CanonicalError("$", f"unparseable: {type(e).__name__}: {str(e)[:80]}") from None
    try:
        again = canonical_bytes(value)
    except RecursionError:
        raise CanonicalError("$", "nested too deeply") from None
    if again != data:
        offset = next(
            (i for i, (a, b) in enumerate(zip(again, data, strict=False)) if a != b),
            min(len(again), len(data)),
        )
        raise CanonicalError("$", f"not canonical: first difference at byte {offset}")
    return value
