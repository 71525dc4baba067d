"""A projection document's fast encoding is the canonical encoding (docs/FORMAT.md §1)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from projections.rows import digest_of_lines, encode_document
from verify.canonical import canonical_bytes

ascii_keys = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=12)
values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ascii_keys, inner, max_size=4),
    max_leaves=20,
)  # fmt: skip


@given(st.dictionaries(ascii_keys, values, max_size=8))
def test_fast_encoding_equals_canonical_bytes(doc: dict[str, Any]) -> None:
    assert encode_document(doc).encode("utf-8") == canonical_bytes(doc)


def test_row_with_control_characters_and_cjk_is_canonical() -> None:
    doc = {"b": "张*\n\u2028\x7f\x01", "a": [1, None, True], "key": "k/Q1"}
    assert encode_document(doc).encode("utf-8") == canonical_bytes(doc)


def test_digest_of_no_rows_is_sha256_of_nothing() -> None:
    digest, count = digest_of_lines(iter([]))
    assert count == 0
    assert digest == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
