"""A points scheme: one per county, year and kind of staff; its categories and caps; the
year-end close.

The county's organisation department opens the scheme and closes its year. The close
(``points.YearClosed``) freezes the annual totals and the ranking: "评先评优原则上按年度积分，
由高到低依次选取" (the top set per category, ``excellent_share_percent``) and "年度得分处于同类别
后 10% 的村干部，乡镇党委及时约谈提醒…" (the bottom set, ``bottom_share_percent``). Grades,
excellence and the bottom cases refer to the latest close; entries after it need a
``points.YearReopened`` with a reason, then a new close. The ranking is written in
``points.RankingPart`` records of at most RANKING_PART_ROWS rows each, just before the
``YearClosed`` that counts them (a record stays within an entry bundle's 65,535 bytes
whatever the county's size, docs/FORMAT.md §4). ledger/points/year_close.py seals
the books, then computes the ranking and saves the close with its bottom cases.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, UUID, uuid5

from ledger.actor import Actor, Role
from ledger.chained import LedgerAggregate
from ledger.errors import RuleViolation
from ledger.points.config import SchemeConfig
from verify.schema import RANKING_PART_ROWS

POINTS_NAMESPACE = uuid5(NAMESPACE_URL, "https://gongshi.example/points")
SCHEME_ROLES = (Role.ORGANISATION_DEPARTMENT,)
CLOSE_ROLES = (Role.ORGANISATION_DEPARTMENT,)


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
        excellent_share_percent: int
        closes: int  # how many times the year was closed
        closed: bool  # closed now (not reopened since the last close)
        ranking: dict[str, dict[str, Any]]  # cadre -> its row in the latest YearClosed
        bottom_cased: set[str]  # cadres whose bottom case a close of this year opened
        parts: list[Scheme.RankingPart]  # of the close being applied

    def require_category(self, category: str) -> None:
        """RuleViolation unless ``category`` is one of the scheme's."""
        if category not in self.categories:
            raise RuleViolation(
                "points.category", f"category {category!r} not in {sorted(self.categories)}"
            )

    def require_open(self) -> None:
        """RuleViolation("points.year_closed") while the year is closed."""
        if self.closed:
            raise RuleViolation(
                "points.year_closed",
                f"the {self.year} year is closed (close {self.closes}): reopen it with a reason",
            )

    def in_top(self, cadre: str) -> bool:
        """Whether ``cadre`` is in its category's top set of the latest close."""
        return bool(self.ranking.get(cadre, {}).get("top"))

    @classmethod
    def open(cls, config: SchemeConfig, actor: Actor, moment: datetime) -> Scheme:
        """Open the scheme of ``config`` (role organisation department)."""
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
            excellent_share_percent=config.excellent_share_percent,
        )

    def close_year(
        self,
        *,
        ranking: list[dict[str, Any]],
        actor: Actor,
        moment: datetime,
    ) -> list[str]:
        """Record the close of the year with its ranking (computed by year_close.freeze from
        the sealed books); returns the cadres whose bottom case this close opens (in the
        bottom set, no case from an earlier close of the year)."""
        self.require_closable(actor, moment)
        close, cased = self.closes + 1, set(self.bottom_cased)
        parts = [
            ranking[i : i + RANKING_PART_ROWS] for i in range(0, len(ranking), RANKING_PART_ROWS)
        ]
        cases: list[str] = []
        for number, rows in enumerate(parts, 1):  # a record stays within MAX_RECORD_BYTES
            opened = [row["cadre"] for row in rows if row["bottom"] and row["cadre"] not in cased]
            self._append(
                self.RankingPart,
                actor=actor,
                moment=moment,
                close=close,
                part=number,
                rows=rows,
                cases=opened,
            )
            cases += opened
        self._append(self.YearClosed, actor=actor, moment=moment, close=close, parts=len(parts))
        return sorted(cases)

    def require_closable(self, actor: Actor, moment: datetime) -> None:
        """RuleViolation unless ``actor`` (organisation department) may close the year now:
        open, and the scheme year is over."""
        actor.require(*CLOSE_ROLES)
        self.require_open()
        if moment.date().year <= self.year:
            raise RuleViolation(
                "points.year_close",
                f"the {self.year} year closes after it ends, not on {moment.date()}",
            )

    def reopen_year(self, reason: str, actor: Actor, moment: datetime) -> None:
        """Reopen a closed year for late entries or corrections, with the reason; a new
        close must follow before grades are given again."""
        actor.require(*CLOSE_ROLES)
        if not self.closed:
            raise RuleViolation("points.year_reopen", f"the {self.year} year is not closed")
        if not reason.strip():
            raise RuleViolation("points.year_reopen", "a reopening states its reason")
        self._append(self.YearReopened, actor=actor, moment=moment, reason=reason)

    class Opened(LedgerAggregate.Created):
        TOPIC = "points.SchemeOpened"
        county: str
        year: int
        staff: str
        categories: dict[str, str]
        bonus_cap_tenths: int
        pay_percent: dict[str, int]
        bottom_share_percent: int
        excellent_share_percent: int

        def assign(self, aggregate: Any) -> None:
            for name in (
                "county",
                "year",
                "staff",
                "bonus_cap_tenths",
                "bottom_share_percent",
                "excellent_share_percent",
            ):
                setattr(aggregate, name, getattr(self, name))
            aggregate.categories = dict(self.categories)
            aggregate.pay_percent = dict(self.pay_percent)
            aggregate.closes = 0
            aggregate.closed = False
            aggregate.ranking = {}
            aggregate.bottom_cased = set()
            aggregate.parts = []

    class RankingPart(LedgerAggregate.Event):
        """Rows ``(part − 1)·RANKING_PART_ROWS ..`` of the close's ranking (at most
        RANKING_PART_ROWS), saved before the ``YearClosed`` they belong to."""

        TOPIC = "points.RankingPart"
        close: int
        part: int  # 1, 2, ...
        # one row per book: cadre, book, category, total_tenths, rank, bottom, top
        rows: list[dict[str, Any]]
        cases: list[str]  # cadres of these rows whose bottom case this close opens

        def assign(self, aggregate: Any) -> None:
            aggregate.parts.append(self)

    class YearClosed(LedgerAggregate.Event):
        """The close; its ranking is in the ``parts`` RankingPart records just before it."""

        TOPIC = "points.YearClosed"
        close: int
        parts: int

        def assign(self, aggregate: Any) -> None:
            aggregate.closes = self.close
            aggregate.closed = True
            parts, aggregate.parts = aggregate.parts, []
            aggregate.ranking = {row["cadre"]: dict(row) for p in parts for row in p.rows}
            aggregate.bottom_cased.update(c for p in parts for c in p.cases)

    class YearReopened(LedgerAggregate.Event):
        TOPIC = "points.YearReopened"
        reason: str

        def assign(self, aggregate: Any) -> None:
            aggregate.closed = False
