"""docs/FORMAT.md §8's byte rules that both sides must share: the digest (an LF after every
row, the last too) and the masked name (one list of compound surnames, white space, code
points), each quoted from FORMAT.md and held on the projections' side and the verifier's."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from projections.names import COMPOUND_SURNAMES as PROJECTED_SURNAMES
from projections.names import mask_name
from projections.rows import digest_of_lines
from verify.lists import COMPOUND_SURNAMES
from verify.published import digest, masked_name_shape

FORMAT_MD = Path(__file__).resolve().parents[2] / "docs" / "FORMAT.md"
EXAMPLE = "1d4e0617bb49dc591d7fe8d4e445caa501cab2db6fcde2343192c2a488bbf369"


def test_digest_has_an_lf_after_every_row_the_last_too() -> None:
    """FORMAT.md §8: "each row's canonical JSON (§1) followed by one LF (0x0A), the last row's
    too … the rows `{"key":"a"}` and `{"key":"b"}` have the digest …
    `1d4e0617bb49dc591d7fe8d4e445caa501cab2db6fcde2343192c2a488bbf369`"."""
    rows = [b'{"key":"a"}', b'{"key":"b"}']
    assert EXAMPLE in FORMAT_MD.read_text(encoding="utf-8")
    assert digest(rows) == digest_of_lines(iter(rows))[0] == EXAMPLE
    assert hashlib.sha256(b'{"key":"a"}\n{"key":"b"}\n').hexdigest() == EXAMPLE
    assert hashlib.sha256(b'{"key":"a"}\n{"key":"b"}').hexdigest() != EXAMPLE  # not between


def test_digest_of_the_empty_list_is_the_hash_of_nothing() -> None:
    """FORMAT.md §8: "The empty list's digest is SHA-256 of the empty string"."""
    empty = hashlib.sha256(b"").hexdigest()
    assert digest([]) == digest_of_lines(iter([]))[0] == empty
    assert digest_of_lines(iter([]))[1] == 0


def test_format_md_lists_exactly_the_compound_surnames_both_sides_use() -> None:
    """FORMAT.md §8: "its first two are one of these compound surnames (exactly this list …)"."""
    text = FORMAT_MD.read_text(encoding="utf-8")
    start = text.index("compound surnames (exactly this list")
    listed = text[text.index(") (", start) + 3 : text.index("), otherwise", start)]
    assert set(listed.split()) == COMPOUND_SURNAMES == PROJECTED_SURNAMES
    assert len(listed.split()) == len(COMPOUND_SURNAMES) == 81


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("欧阳娜娜", "欧阳*"),
        ("司马光", "司马*"),
        ("王", "王*"),
        ("欧阳", "欧*"),  # "a two-character name such as 欧阳 keeps one: 欧*"
        ("\u3000李四 ", "李*"),  # ideographic space: Unicode White_Space
        ("\u2003欧阳修\u00a0", "欧阳*"),
        ("\U00020000丁", "\U00020000*"),  # a code point beyond U+FFFF is one character
        ("\x1f张三", "\x1f*"),  # U+001F is no White_Space (Python's isspace() says it is)
    ],
)
def test_masked_name_follows_the_written_rule_on_both_sides(name: str, masked: str) -> None:
    """FORMAT.md §8: "The vault's name is first stripped at both ends of the 25 characters of
    Unicode's White_Space …; characters are Unicode code points"."""
    assert mask_name(name) == masked
    assert masked_name_shape(masked)


@pytest.mark.parametrize("shape", ["\u3000*", " *", "**", "欧阳修*", "张三*", "张"])
def test_verifier_refuses_a_masked_name_no_name_could_give(shape: str) -> None:
    assert not masked_name_shape(shape)


def test_white_space_is_exactly_unicode_white_space() -> None:
    from verify.lists import WHITE_SPACE

    # Unicode 15 PropList.txt, White_Space: 25 code points
    ranges = [(0x9, 0xD), (0x20, 0x20), (0x85, 0x85), (0xA0, 0xA0), (0x1680, 0x1680),
              (0x2000, 0x200A), (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F),
              (0x3000, 0x3000)]  # fmt: skip
    expected = {chr(c) for low, high in ranges for c in range(low, high + 1)}
    assert set(WHITE_SPACE) == expected and len(expected) == 25
    assert re.search(r"U\+0009–U\+000D", FORMAT_MD.read_text(encoding="utf-8"))
