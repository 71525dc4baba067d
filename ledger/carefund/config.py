"""The care fund's numbers: configuration with the Tongcheng defaults."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
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


MAX_DAYS = 100_000  # any count of days (posting window, follow-up interval) is 1..MAX_DAYS
MAX_FOLLOW_UPS = 1_000
# The highest tier number: the seed has three tiers ("分三个档次设立帮扶资金"), but how many is
# finance's to set per fund year; FORMAT §4 keys tiers_fen by ^[1-9][0-9]{0,5}$, so 1..999999,
# and an application's requested_tier or an approval's tier has the same bounds (API included).
MAX_TIER = 999_999


@dataclass(frozen=True, slots=True)
class FundConfig:
    """A fund year's parameters, set by finance when the year opens and recorded in its
    ``carefund.FundYearOpened``; the defaults are the seed's.

    - ``budget_fen``: "以每年5万元标准" (50,000 yuan a year);
    - ``tiers_fen``: "分三个档次设立帮扶资金" (500 / 800 / 1,500 yuan);
    - ``posting_days``: the posting window (公示期) of a disbursement in the public list;
    - follow-ups ("建立定期回访制度"): ``follow_ups`` visits, the first due
      ``first_follow_up_days`` after the disbursement, each next one
      ``follow_up_interval_days`` after the one before (default: every 90 days for a year).
    """

    fund: str = "tongcheng-pioneer-care"
    budget_fen: int = 5_000_000
    tiers_fen: dict[int, int] = field(default_factory=_default_tiers)
    first_follow_up_days: int = 90
    posting_days: int = 30
    follow_up_interval_days: int = 90
    follow_ups: int = 4

    def __post_init__(self) -> None:
        if type(self.budget_fen) is not int or self.budget_fen <= 0:
            raise ValueError("budget must be a positive integer of fen")
        if not self.tiers_fen or any(
            type(t) is not int or not 1 <= t <= MAX_TIER or type(a) is not int or a <= 0
            for t, a in self.tiers_fen.items()
        ):
            raise ValueError(f"tiers are numbers 1..{MAX_TIER}, each a positive integer of fen")
        for name in ("first_follow_up_days", "posting_days", "follow_up_interval_days"):
            value = getattr(self, name)
            if type(value) is not int or not 1 <= value <= MAX_DAYS:
                raise ValueError(f"{name} must be 1..{MAX_DAYS} days")
        if type(self.follow_ups) is not int or not 1 <= self.follow_ups <= MAX_FOLLOW_UPS:
            raise ValueError(f"follow_ups must be 1..{MAX_FOLLOW_UPS}")

    def with_params(self, **params: object) -> FundConfig:
        """This configuration with the given parameters replaced (ValueError if one breaks
        the rules above); ``None`` values keep the default."""
        given = {k: v for k, v in params.items() if v is not None}
        return replace(self, **given)  # type: ignore[arg-type]


def yuan(fen: int) -> str:
    """Format fen as yuan with two decimals and thousands separators: 780000 -> '7,800.00'."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"
