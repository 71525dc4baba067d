"""A points scheme's numbers, and the arithmetic of tenths, grades and pay.

Points are decimals with at most one decimal place, held as integers of tenths (4.5 -> 45).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from ledger.errors import RuleViolation

POINTS_PATTERN = re.compile(r"^-?[0-9]{1,6}(\.[0-9])?$")


class Component(StrEnum):
    WORK = "work"
    EVALUATION = "evaluation"
    BONUS = "bonus"
    DEDUCTION = "deduction"


class Grade(StrEnum):
    """Annual appraisal grades: 优秀, 称职, 基本称职, 不称职."""

    EXCELLENT = "excellent"
    COMPETENT = "competent"
    BASICALLY_COMPETENT = "basically_competent"
    INCOMPETENT = "incompetent"


def parse_points(text: str) -> int:
    """'4.5' -> 45 tenths. Refuses more than one decimal place, floats' exponents, blanks."""
    if not POINTS_PATTERN.fullmatch(text):
        raise RuleViolation("points.format", f"{text!r} is not points with at most one decimal")
    sign = -1 if text.startswith("-") else 1
    whole, _, tenth = text.lstrip("-").partition(".")
    return sign * (int(whole) * 10 + int(tenth or "0"))


def format_points(tenths: int) -> str:
    """45 -> '4.5', -5 -> '-0.5'."""
    sign = "-" if tenths < 0 else ""
    whole, tenth = divmod(abs(tenths), 10)
    return f"{sign}{whole}.{tenth}"


def divide_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half away from zero, exactly (requires denominator > 0)."""
    if denominator <= 0:
        raise ValueError(f"denominator {denominator} must be positive")
    quotient, remainder = divmod(abs(numerator), denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return quotient if numerator >= 0 else -quotient


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    label: str


def _default_categories() -> tuple[Category, ...]:
    return (
        Category("principal", "正职"),
        Category("deputy", "副职"),
        Category("reserve", "后备"),
    )


def _default_pay_percent() -> dict[str, int]:
    return {
        Grade.EXCELLENT.value: 105,
        Grade.COMPETENT.value: 100,
        Grade.BASICALLY_COMPETENT.value: 100,
        Grade.INCOMPETENT.value: 95,
    }


@dataclass(frozen=True, slots=True)
class SchemeConfig:
    """One county's scheme for one year (defaults: Taihu county, village cadres)."""

    county: str = "taihu"
    year: int = 2023
    staff: str = "village_cadres"
    categories: tuple[Category, ...] = field(default_factory=_default_categories)
    bonus_cap_tenths: int = 50
    pay_percent: dict[str, int] = field(default_factory=_default_pay_percent)
    bottom_share_percent: int = 10  # "年度得分处于同类别后 10%"
    excellent_share_percent: int = (
        15  # 优秀 from the top of the closed ranking ("由高到低依次选取")
    )

    def __post_init__(self) -> None:
        codes = [c.code for c in self.categories]
        if not codes or len(set(codes)) != len(codes):
            raise ValueError(f"categories must be non-empty and unique, got {codes}")
        if self.bonus_cap_tenths < 0:
            raise ValueError(f"bonus cap {self.bonus_cap_tenths} must not be negative")
        if set(self.pay_percent) != {g.value for g in Grade}:
            raise ValueError(f"pay_percent needs one percentage per grade, got {self.pay_percent}")
        for name in ("bottom_share_percent", "excellent_share_percent"):
            if not 0 < getattr(self, name) <= 100:
                raise ValueError(f"{name} {getattr(self, name)} must be in 1..100")


def adjusted_pay(base_fen: int, percent: int) -> int:
    """base × percent / 100, rounded half-up to the fen."""
    return divide_half_up(base_fen * percent, 100)
