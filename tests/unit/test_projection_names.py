"""Masked names for the public list: surname + '*', compound surnames, one character."""

from __future__ import annotations

import pytest

from projections.names import mask_name


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("张三丰", "张*"),
        ("王", "王*"),  # a one-character name keeps its only character
        ("欧阳娜娜", "欧阳*"),
        ("司马光", "司马*"),
        ("诸葛亮", "诸葛*"),
        ("欧阳", "欧*"),  # two characters: a compound surname needs a given name after it
        ("阳欧阳", "阳*"),  # a compound surname counts only at the start
        (" 李四 ", "李*"),
    ],
)
def test_masked_name_keeps_only_the_surname(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_empty_name_is_rejected() -> None:
    with pytest.raises(ValueError, match="empty"):
        mask_name("  ")
