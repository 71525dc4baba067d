"""Allocations (issue 13, points item 1) and who enters bonus and deduction (item 2, first
half), through the service, on SQLite and PostgreSQL: each rule's rejection stores nothing.

"乡镇党委每年初根据工作任务为每项工作赋分，村（社区）"两委"会议根据工作分工为每名干部分配责任分":
per village and task, allocations of all quarters stay within the task's value; a cadre's work
per task and quarter within what was allocated to the cadre for that task and quarter.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from uuid import UUID

import pytest

from ledger.actor import Actor, Role
from ledger.clock import SteppingClock
from ledger.ledger import Ledger, open_ledger
from ledger.points.config import Component
from ledger.points.service import Points
from ledger.principal import Scope
from ledger.settings import Settings
from tests.integration.helpers import rejected
from tests.integration.points_helpers import (
    MINUTES,
    TOWNSHIP,
    VILLAGE,
    allocated,
    cadre_book,
    points_ready,
)
from tests.support.principals import enrol


@pytest.fixture
def points(ledger: Ledger, clock: SteppingClock) -> Points:
    return points_ready(ledger, clock)  # plan th01: party-building 10.0, industry 8.0


def _work(points: Points, book: UUID, tenths: int, quarter: int = 1, **kw: object) -> int:
    args: dict[str, object] = dict(task="industry", actor=VILLAGE, reason="完成")
    args.update(kw)
    return points.enter(book, quarter=quarter, component=Component.WORK, points_tenths=tenths,
                        **args)  # type: ignore[arg-type]  # fmt: skip


def test_six_cadres_cannot_share_more_than_the_tasks_value(ledger: Ledger, points: Points) -> None:
    """The issue's "60 of 10": the first cadre takes the whole task, the next gets nothing."""
    books = [cadre_book(points, name=f"干部{n}") for n in range(6)]
    allocated(points, books[0], "party-building", 100)
    for book in books[1:]:
        error = rejected(ledger, "points.allocation_cap",
                         lambda b=book: allocated(points, b, "party-building", 100))  # fmt: skip
        assert "worth 10.0" in error.message and "at most 0.0 remains" in error.message


def test_cap_counts_every_cadre_and_quarter_of_the_village(ledger: Ledger, points: Points) -> None:
    a, b = cadre_book(points, name="甲"), cadre_book(points, name="乙")
    allocated(points, a, "industry", 30, quarter=1)
    allocated(points, b, "industry", 30, quarter=2)
    allocated(points, a, "industry", 19, quarter=4)
    rejected(ledger, "points.allocation_cap",
             lambda: allocated(points, b, "industry", 2, quarter=3))  # fmt: skip
    allocated(points, b, "industry", 1, quarter=3)  # exactly the value: 80 of 80
    other = points.ledger.register_subject({"name": "丙"}, "cadre", TOWNSHIP)
    neighbour = Actor("vc-02", Role.VILLAGE_COMMITTEE)
    enrol(ledger, neighbour, scope=Scope(county="taihu", township="th01", village="晋熙镇02村"))
    elsewhere = points.open_book(other, "th01", "晋熙镇02村", "deputy", neighbour)
    points.allocate(elsewhere, task="industry", quarter=1, points_tenths=80,  # the task's value
                    meeting_on=date(2023, 1, 10), minutes=MINUTES, actor=neighbour)  # fmt: skip


def test_an_amendment_raising_the_value_frees_the_difference(
    ledger: Ledger, points: Points
) -> None:
    book = cadre_book(points)
    allocated(points, book, "industry", 80)
    rejected(ledger, "points.allocation_cap", lambda: allocated(points, book, "industry", 1))
    points.amend_plan("th01", "industry", "产业发展", 120, "年中调整", TOWNSHIP)
    allocated(points, book, "industry", 40, quarter=2)
    rejected(ledger, "points.allocation_cap", lambda: allocated(points, book, "industry", 1))


@pytest.mark.parametrize(
    ("meeting_on", "minutes", "match"),
    [(date(2023, 1, 10), "", "minutes number"), (date(2023, 1, 10), " 1号", "minutes number"),
     (date(2023, 1, 10), "1号\n", "minutes number"), (date(2022, 12, 30), MINUTES, "meets in 2023"),
     (date(2023, 1, 11), MINUTES, "has not met yet")],
    ids=["no-minutes", "leading-blank", "newline", "last-year", "not-met-yet"],
)  # fmt: skip
def test_allocation_cites_its_meeting(
    ledger: Ledger, points: Points, meeting_on: date, minutes: str, match: str
) -> None:
    """Each allocation cites its 两委会议: a minutes number and a date in the scheme year, not
    after the allocation (the clock stands at 10 January 2023)."""
    book = cadre_book(points)
    rejected(ledger, "points.allocation_meeting", lambda: points.allocate(
        book, task="industry", quarter=1, points_tenths=10, meeting_on=meeting_on,
        minutes=minutes, actor=VILLAGE), match=match)  # fmt: skip


def test_work_stays_within_the_allocation_of_its_task_and_quarter(
    ledger: Ledger, points: Points
) -> None:
    book = cadre_book(points)
    allocated(points, book, "industry", 30, quarter=1)
    _work(points, book, 20)
    error = rejected(ledger, "points.work_allocated", lambda: _work(points, book, 11))
    assert "2.0 standing + 1.1 exceeds the 3.0" in error.message
    _work(points, book, 10)  # exactly the allocation
    rejected(ledger, "points.work_allocated", lambda: _work(points, book, 1, quarter=2))
    rejected(ledger, "points.work_allocated", lambda: _work(points, book, 1, task="party-building"))
    rejected(ledger, "points.work_allocated", lambda: _work(points, book, 1, task=None),
             "names the task")  # fmt: skip


def test_the_issues_99_points_against_a_10_point_responsibility(
    ledger: Ledger, points: Points
) -> None:
    book = cadre_book(points)
    allocated(points, book, "party-building", 100)
    rejected(ledger, "points.work_allocated",
             lambda: _work(points, book, 990, task="party-building"))  # fmt: skip
    _work(points, book, 100, task="party-building")


def test_a_reinstated_work_entry_is_held_to_the_allocation(ledger: Ledger, points: Points) -> None:
    """A correction frees the allocation; reinstating the corrected entry (correcting its
    correction) needs the room again."""
    book = cadre_book(points)
    allocated(points, book, "industry", 30)
    first = _work(points, book, 30)
    fix = points.correct(book, first, "录入错误", VILLAGE)
    _work(points, book, 30)  # the freed allocation is used
    rejected(ledger, "points.work_allocated", lambda: points.correct(book, fix, "恢复", VILLAGE))
    assert points.book(book).work_standing == {("industry", 1): 30}


@pytest.mark.parametrize("component", [Component.BONUS, Component.DEDUCTION])
def test_bonus_and_deduction_only_by_the_township_committee(
    ledger: Ledger, points: Points, component: Component
) -> None:
    """Bonus and deduction ("加减分"): the village committee, whose members are the cadres
    being scored, may not."""
    book = cadre_book(points)
    rejected(ledger, "points.adjustment_by_township", lambda: points.enter(
        book, quarter=1, component=component, points_tenths=10, reason="表彰",
        actor=VILLAGE))  # fmt: skip
    entry = points.enter(book, quarter=1, component=component, points_tenths=10, reason="表彰",
                         actor=TOWNSHIP)  # fmt: skip
    rejected(ledger, "points.adjustment_by_township",
             lambda: points.correct(book, entry, "撤销", VILLAGE))  # fmt: skip
    points.correct(book, entry, "撤销", TOWNSHIP)


def test_allocations_racing_in_one_village_cannot_both_pass(
    ledger: Ledger, settings: Settings
) -> None:
    """Two 两委会议 records of one village's task, written at once by two processes' writers,
    each within the value alone and over it together: one is refused."""
    points = points_ready(ledger, SteppingClock(datetime(2023, 1, 10, tzinfo=UTC)))
    books = [cadre_book(points, name="甲"), cadre_book(points, name="乙")]
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def run(n: int) -> None:
        own = open_ledger(settings, clock=SteppingClock(datetime(2023, 2, 1, tzinfo=UTC)))
        try:
            barrier.wait(timeout=30)
            allocated(Points(own), books[n], "industry", 50)
            outcomes.append("allocated")
        except Exception as e:
            outcomes.append(getattr(e, "rule", repr(e)))
        finally:
            own.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(outcomes) == ["allocated", "points.allocation_cap"]
    register = points.register("th01", "晋熙镇01村")
    assert register is not None and register.task_totals == {"industry": 50}


def test_allocation_is_the_village_committees(ledger: Ledger, points: Points) -> None:
    book = cadre_book(points)
    township = Actor("tpc-02", Role.TOWNSHIP_PARTY_COMMITTEE)
    rejected(ledger, "role", lambda: points.allocate(
        book, task="industry", quarter=1, points_tenths=10, meeting_on=date(2023, 1, 10),
        minutes=MINUTES, actor=township))  # fmt: skip
