"""Points rules found in review: seasons, one evaluation per quarter, allocated tasks,
subject kinds, and the bonus cap under racing writers (both backends)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from uuid import UUID

import pytest

from ledger.actor import Actor, Role
from ledger.clock import SteppingClock
from ledger.ledger import Ledger, open_ledger
from ledger.points.config import Component, Grade
from ledger.points.service import Points
from ledger.principal import Scope
from ledger.settings import Settings
from tests.integration.helpers import INTAKE, rejected
from tests.integration.points_helpers import (
    ORGANISATION,
    TOWNSHIP,
    VILLAGE,
    allocated,
    cadre_book,
    points_ready,
)
from tests.support.principals import enrol


@pytest.fixture
def points(ledger: Ledger, clock: SteppingClock) -> Points:
    return points_ready(ledger, clock)


def _evaluation(points: Points, book: UUID, quarter: int = 1) -> int:
    return points.enter(
        book,
        quarter=quarter,
        component=Component.EVALUATION,
        points_tenths=40,
        reason="评价",
        actor=TOWNSHIP,
    )


def test_one_standing_evaluation_entry_per_quarter(ledger: Ledger, points: Points) -> None:
    book = cadre_book(points)
    first = _evaluation(points, book)
    rejected(ledger, "points.evaluation_once", lambda: _evaluation(points, book))
    _evaluation(points, book, quarter=2)  # another quarter is fine
    fix = points.correct(book, first, "重评", TOWNSHIP)
    _evaluation(points, book)  # after the correction, Q1 takes a new one
    rejected(ledger, "points.evaluation_once", lambda: points.correct(book, fix, "恢复", TOWNSHIP))


def test_entries_belong_to_the_scheme_year(
    ledger: Ledger, points: Points, clock: SteppingClock
) -> None:
    """Entries from the year's first day until the close (no fixed date: the close decides)."""
    book = cadre_book(points)
    allocated(points, book, quarter=4)
    clock.set(datetime(2022, 12, 31, 12, 0, tzinfo=UTC))
    rejected(ledger, "points.season", lambda: _evaluation(points, book, quarter=1))
    clock.set(datetime(2024, 4, 30, 12, 0, tzinfo=UTC))  # late, but the year is not closed
    points.enter(
        book, quarter=4, component=Component.WORK, points_tenths=5, reason="补录", actor=TOWNSHIP,
        task="industry",
    )  # fmt: skip
    points.close_year(ORGANISATION)
    points.appraise(book, Grade.COMPETENT, 100, TOWNSHIP)
    rejected(ledger, "points.year_closed", lambda: _evaluation(points, book, quarter=3))
    rejected(ledger, "points.year_closed", lambda: points.correct(book, 1, "迟", TOWNSHIP))


def test_plan_amended_only_within_its_year(
    ledger: Ledger, points: Points, clock: SteppingClock
) -> None:
    clock.set(datetime(2024, 1, 2, 9, 0, tzinfo=UTC))
    rejected(
        ledger,
        "points.plan_timing",
        lambda: points.amend_plan("th01", "industry", "产业", 90, "迟", TOWNSHIP),
    )


@pytest.mark.parametrize(
    ("task", "points_tenths"), [("Bad Code", 10), ("ok", 0)], ids=["bad-code", "zero"]
)
def test_malformed_amendment_rejected(
    ledger: Ledger, points: Points, task: str, points_tenths: int
) -> None:
    rejected(
        ledger,
        "points.task",
        lambda: points.amend_plan("th01", task, "t", points_tenths, "r", TOWNSHIP),
    )


def test_plan_not_set_before_its_year(ledger: Ledger, points: Points, clock: SteppingClock) -> None:
    clock.set(datetime(2022, 12, 31, 9, 0, tzinfo=UTC))
    rejected(
        ledger, "points.plan_timing", lambda: points.set_plan("th05", [("a", "A", 1)], TOWNSHIP)
    )


def test_work_entry_names_an_allocated_task(ledger: Ledger, points: Points) -> None:
    book = cadre_book(points)
    rejected(ledger, "points.work_allocated", lambda: points.enter(
        book, quarter=1, component=Component.WORK, points_tenths=10, reason="r",
        task="industry", actor=VILLAGE))  # fmt: skip
    allocated(points, book, "industry", 50)
    points.enter(
        book,
        quarter=1,
        component=Component.WORK,
        points_tenths=10,
        reason="r",
        task="industry",
        actor=VILLAGE,
    )


def test_allocation_only_from_the_cadres_township_plan(
    ledger: Ledger, points: Points, clock: SteppingClock
) -> None:
    th02 = Actor("tpc-02", Role.TOWNSHIP_PARTY_COMMITTEE)
    enrol(ledger, th02, scope=Scope(county="taihu", township="th02"))
    points.set_plan("th02", [("roads", "道路", 50)], th02)
    book = cadre_book(points)  # township th01
    register = points.register("th01", "晋熙镇01村")
    assert register is None
    allocated(points, book, "industry", 10)
    register = points.register("th01", "晋熙镇01村")
    assert register is not None
    state, other = points.book(book), points.plan("th02")
    with pytest.raises(Exception, match="not the plan of th01"):
        register.allocate(
            book=state, plan=other, task="roads", quarter=1, points_tenths=10,
            meeting_on=datetime(2023, 1, 10).date(), minutes="m", actor=VILLAGE, moment=clock(),
        )  # fmt: skip


def test_books_only_for_cadres_and_with_units(ledger: Ledger, points: Points) -> None:
    worker = ledger.register_subject({"name": "骑手"}, "worker", INTAKE)
    rejected(ledger, "subject.kind",
             lambda: points.open_book(worker, "th01", "村", "deputy", VILLAGE))  # fmt: skip
    cadre = ledger.register_subject({"name": "干部"}, "cadre", TOWNSHIP)
    rejected(ledger, "points.unit", lambda: points.open_book(cadre, "th01", " ", "deputy", VILLAGE))


def test_bonus_cap_holds_under_racing_writers(ledger: Ledger, settings: Settings) -> None:
    points = points_ready(ledger, SteppingClock(datetime(2023, 2, 1, tzinfo=UTC)))
    book = cadre_book(points)
    enrol(ledger, *(Actor(f"tpc-{n:02d}", Role.TOWNSHIP_PARTY_COMMITTEE) for n in range(4)))
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def run(n: int) -> None:
        own = open_ledger(settings, clock=SteppingClock(datetime(2023, 5, 1, tzinfo=UTC)))
        try:
            barrier.wait(timeout=30)
            Points(own).enter(
                book,
                quarter=2,
                component=Component.BONUS,
                points_tenths=20,
                reason=f"表彰 {n}",
                actor=Actor(f"tpc-{n:02d}", Role.TOWNSHIP_PARTY_COMMITTEE),
            )
            outcomes.append("entered")
        except Exception as e:
            outcomes.append(getattr(e, "rule", repr(e)))
        finally:
            own.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(outcomes) == ["entered"] * 2 + ["points.bonus_cap"] * 2
    assert points.book(book).bonus_remaining_tenths == 10
