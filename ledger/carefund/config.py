"""The care fund's numbers: configuration with the Tongcheng defaults."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Industry(StrEnum):
    EXPRESS_DELIVERY = "express_delivery"
    FOOD_DELIVERY = "food_delivery"
    RIDE_HAILING = "ride_hailing"
    OTHER = "other"


class Hardship(StrEnum):
    ILLNESS = "illness"
    DISASTER = "disaster"
    FRONTLINE = "long_term_frontline_hardship"


class Source(StrEnum):
    """Who raised the money: the co-founders and social donors."""

    NON_PUBLIC_SECTOR_WORK_COMMITTEE = "non_public_sector_work_committee"
    TRADE_UNION = "trade_union"
    YOUTH_LEAGUE = "youth_league"
    WOMENS_FEDERATION = "womens_federation"
    EXPRESS_INDUSTRY_PARTY_COMMITTEE = "express_industry_party_committee"
    FOOD_DELIVERY_INDUSTRY_PARTY_COMMITTEE = "food_delivery_industry_party_committee"
    SOCIAL_DONOR = "social_donor"


class Violation(StrEnum):
    """Revocation classes: 违规 breach of rules, 违纪 of party discipline, 违法 of law."""

    RULES = "rules"
    DISCIPLINE = "discipline"
    LAW = "law"


def _default_tiers() -> dict[int, int]:
    return {1: 50_000, 2: 80_000, 3: 150_000}


@dataclass(frozen=True, slots=True)
class FundConfig:
    """Budget and tier amounts in fen; days until the first follow-up is due."""

    fund: str = "tongcheng-pioneer-care"
    budget_fen: int = 5_000_000
    tiers_fen: dict[int, int] = field(default_factory=_default_tiers)
    first_follow_up_days: int = 90

    def __post_init__(self) -> None:
        if self.budget_fen <= 0:
            raise ValueError("budget must be positive")
        if not self.tiers_fen or any(a <= 0 for a in self.tiers_fen.values()):
            raise ValueError("tiers must be positive amounts")
        if self.first_follow_up_days <= 0:
            raise ValueError("first_follow_up_days must be positive")


def yuan(fen: int) -> str:
    """Format fen as yuan with two decimals and thousands separators: 780000 -> '7,800.00'."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"
