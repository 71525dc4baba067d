"""Points in tenths, half-up rounding, pay adjustment, ranks and the bottom tenth."""

from __future__ import annotations

import pytest

from ledger.errors import RuleViolation
from ledger.points.config import adjusted_pay, divide_half_up, format_points, parse_points
from ledger.points.ranking import bottom_share, dense_ranks


@pytest.mark.parametrize(
    ("text", "tenths"), [("4.5", 45), ("5", 50), ("0.1", 1), ("-2.5", -25), ("120.0", 1200)]
)
def test_parse_points_to_tenths(text: str, tenths: int) -> None:
    assert parse_points(text) == tenths
    assert parse_points(format_points(tenths)) == tenths


@pytest.mark.parametrize("text", ["4.55", "4.", ".5", "1e1", "", " 4", "4,5", "nan"])
def test_points_with_more_than_one_decimal_or_junk_rejected(text: str) -> None:
    with pytest.raises(RuleViolation) as e:
        parse_points(text)
    assert e.value.rule == "points.format"


@pytest.mark.parametrize(
    ("n", "d", "q"), [(5, 2, 3), (-5, 2, -3), (4, 3, 1), (7, 4, 2), (1, 3, 0), (0, 7, 0)]
)
def test_divide_half_up(n: int, d: int, q: int) -> None:
    assert divide_half_up(n, d) == q


def test_adjusted_pay_half_up_to_the_fen() -> None:
    assert adjusted_pay(2_400_000, 105) == 2_520_000
    assert adjusted_pay(2_400_000, 95) == 2_280_000
    assert adjusted_pay(10, 105) == 11  # 10.5 fen -> 11
    assert adjusted_pay(10, 95) == 10  # 9.5 fen -> 10
    assert adjusted_pay(1_234_567, 100) == 1_234_567


def test_dense_ranks_ties_share_and_none_skipped() -> None:
    assert dense_ranks({"a": 90, "b": 85, "c": 90, "d": 70}) == {"a": 1, "c": 1, "b": 2, "d": 3}


def test_bottom_share_is_ceil_of_ten_percent_with_ties_at_the_cutoff() -> None:
    totals = {f"c{i}": 100 + i for i in range(21)}  # ceil(2.1) = 3 lowest
    assert bottom_share(totals) == {"c0", "c1", "c2"}
    totals["x"] = 102  # ties the cut-off: included
    assert bottom_share(totals) == {"c0", "c1", "c2", "x"}
    assert bottom_share({"only": 5}) == {"only"}
    assert bottom_share({}) == set()
    with pytest.raises(ValueError):
        bottom_share(totals, 0)


def test_full_width_digits_are_not_points() -> None:
    with pytest.raises(RuleViolation):
        parse_points("４.５")
