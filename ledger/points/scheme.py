"""A points scheme: one per county, year and kind of staff; its categories and caps."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, UUID, uuid5

from ledger.actor import Actor, Role
from ledger.chained import LedgerAggregate
from ledger.errors import RuleViolation
from ledger.points.config import SchemeConfig

POINTS_NAMESPACE = uuid5(NAMESPACE_URL, "https://gongshi.example/points")
SCHEME_ROLES = (Role.TOWNSHIP_PARTY_COMMITTEE,)


def scheme_id(county: str, year: int, staff: str) -> UUID:
    """The deterministic stream id of a scheme (UUID v5, docs/FORMAT.md §4)."""
    return uuid5(POINTS_NAMESPACE, f"{county}/{year}/{staff}")


class Scheme(LedgerAggregate):
    if TYPE_CHECKING:
        county: str
        year: int
        staff: str
        categories: dict[str, str]
        bonus_cap_tenths: int
        pay_percent: dict[str, int]
        bottom_share_percent: int
        evaluation_form_percent: int

    def require_category(self, category: str) -> None:
        """RuleViolation unless ``category`` is one of the scheme's."""
        if category not in self.categories:
            raise RuleViolation(
                "points.category", f"category {category!r} not in {sorted(self.categories)}"
            )

    @classmethod
    def open(cls, config: SchemeConfig, actor: Actor, moment: datetime) -> Scheme:
        """Open the scheme of ``config`` (role township party committee)."""
        actor.require(*SCHEME_ROLES)
        return cls._start(
            cls.Opened,
            id=scheme_id(config.county, config.year, config.staff),
            actor=actor,
            moment=moment,
            county=config.county,
            year=config.year,
            staff=config.staff,
            categories={c.code: c.label for c in config.categories},
            bonus_cap_tenths=config.bonus_cap_tenths,
            pay_percent=dict(config.pay_percent),
            bottom_share_percent=config.bottom_share_percent,
            evaluation_form_percent=config.evaluation_form_percent,
        )

    class Opened(LedgerAggregate.Created):
        TOPIC = "points.SchemeOpened"
        county: str
        year: int
        staff: str
        categories: dict[str, str]
        bonus_cap_tenths: int
        pay_percent: dict[str, int]
        bottom_share_percent: int
        evaluation_form_percent: int

        def assign(self, aggregate: Any) -> None:
            for name in (
                "county",
                "year",
                "staff",
                "bonus_cap_tenths",
                "bottom_share_percent",
                "evaluation_form_percent",
            ):
                setattr(aggregate, name, getattr(self, name))
            aggregate.categories = dict(self.categories)
            aggregate.pay_percent = dict(self.pay_percent)
