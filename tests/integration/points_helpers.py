"""Builders for points states."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

from ledger.actor import Actor, Role
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.points.config import Component, SchemeConfig
from ledger.points.service import Points

TOWNSHIP = Actor("tpc-01", Role.TOWNSHIP_PARTY_COMMITTEE)
VILLAGE = Actor("vc-01", Role.VILLAGE_COMMITTEE)
ORGANISATION = Actor("org-01", Role.ORGANISATION_DEPARTMENT)
TASKS = [
    ("party-building", "党建引领", 100),
    ("industry", "产业发展", 80),
    ("routine", "日常工作", 1_000_000),  # room for tests whose subject is not the cap: worked()
]


def points_ready(
    ledger: Ledger, clock: SteppingClock, config: SchemeConfig | None = None
) -> Points:
    """A scheme (2023) and the township 'th01' plan, set in January."""
    clock.set(datetime(2023, 1, 10, 9, 0, tzinfo=UTC))
    points = Points(ledger, config)
    points.open_scheme(ORGANISATION)
    points.set_plan("th01", list(TASKS), TOWNSHIP)
    return points


def cadre_book(points: Points, category: str = "principal", name: str = "张三") -> UUID:
    cadre = points.ledger.register_subject({"name": name}, "cadre", TOWNSHIP)
    return points.open_book(cadre, "th01", "晋熙镇01村", category, VILLAGE)


MINUTES = "晋熙镇01村两委〔2023〕1号"


def allocated(
    points: Points,
    book: UUID,
    task: str = "industry",
    tenths: int = 80,
    quarter: int = 1,
    meeting_on: date = date(2023, 1, 10),
) -> UUID:
    """The 两委会议 of 10 January 2023 allocates ``tenths`` of ``task`` for ``quarter`` to the
    book's cadre; returns the village register's id."""
    return points.allocate(
        book, task=task, quarter=quarter, points_tenths=tenths, meeting_on=meeting_on,
        minutes=MINUTES, actor=VILLAGE,
    )  # fmt: skip


def worked(points: Points, book: UUID, tenths: int, quarter: int = 1, task: str = "routine") -> int:
    """A work entry of ``tenths`` (by the township committee) within an allocation made for
    it; the plan's value of ``task`` is raised by amendment first if the village's
    allocations would pass it. Returns the entry's number."""
    state = points.book(book)
    register = points.register(state.township, state.village)
    total = register.task_totals.get(task, 0) if register is not None else 0
    plan = points.plan(state.township)
    if total + tenths > plan.task_points(task):
        points.amend_plan(state.township, task, plan.titles[task], total + tenths, "追加",
                          TOWNSHIP)  # fmt: skip
    allocated(points, book, task, tenths, quarter)
    return points.enter(book, quarter=quarter, component=Component.WORK, points_tenths=tenths,
                        reason="完成", task=task, actor=TOWNSHIP)  # fmt: skip


def year_closed(points: Points, clock: SteppingClock) -> None:
    """The organisation department closes the 2023 year on 10 January 2024 (grades follow)."""
    clock.set(datetime(2024, 1, 10, 9, 0, tzinfo=UTC))
    points.close_year(ORGANISATION)
