"""Every points rule, accepted and rejected (nothing stored), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ledger.actor import Actor, Role
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.points.config import Category, Component, Grade, SchemeConfig
from ledger.points.service import Points
from ledger.principal import Principals, Scope
from tests.integration.helpers import FINANCE, rejected
from tests.integration.points_helpers import (
    ORGANISATION,
    TOWNSHIP,
    VILLAGE,
    allocated,
    cadre_book,
    points_ready,
    year_closed,
)
from tests.support.principals import ADMIN, enrol


@pytest.fixture
def points(ledger: Ledger, clock: SteppingClock) -> Points:
    return points_ready(ledger, clock)


def _enter(points: Points, book: object, component: Component, tenths: int, **kw: object) -> int:
    args: dict[str, object] = dict(quarter=1, reason="理由", actor=TOWNSHIP)
    args.update(kw)
    return points.enter(book, component=component, points_tenths=tenths, **args)  # type: ignore[arg-type]


# --- scheme, plan ------------------------------------------------------------------------


def in_qianshan(ledger: Ledger) -> None:
    """The organisation department's, township's and village's accounts move to Qianshan
    county (their scope; a scheme's plans and books are in its county: principal.scope)."""
    for actor, scope in (
        (ORGANISATION, Scope(county="qianshan")),
        (TOWNSHIP, Scope(county="qianshan", township="th01")),
        (VILLAGE, Scope(county="qianshan", township="th01", village="晋熙镇01村")),
    ):
        Principals(ledger).change_role(actor.principal, actor.role, scope, "调任潜山", ADMIN)


def test_scheme_opens_once_by_township_committee(ledger: Ledger, clock: SteppingClock) -> None:
    in_qianshan(ledger)
    fresh = Points(ledger, SchemeConfig(county="qianshan"))
    rejected(ledger, "role", lambda: fresh.open_scheme(VILLAGE))
    rejected(ledger, "role", lambda: fresh.open_scheme(TOWNSHIP))  # the organisation dept's
    fresh.open_scheme(ORGANISATION)
    rejected(ledger, "points.scheme_open", lambda: fresh.open_scheme(TOWNSHIP))


def test_categories_and_cap_come_from_configuration(ledger: Ledger, clock: SteppingClock) -> None:
    qianshan = SchemeConfig(
        county="qianshan",
        staff="civil_servants",
        bonus_cap_tenths=30,
        categories=(Category("section_chief", "科级"), Category("staff", "科员")),
    )
    in_qianshan(ledger)
    points = points_ready(ledger, clock, qianshan)
    cadre = ledger.register_subject({"name": "赵六"}, "cadre", TOWNSHIP)
    rejected(
        ledger,
        "points.category",
        lambda: points.open_book(cadre, "th01", "晋熙镇01村", "principal", VILLAGE),
    )
    book = points.open_book(cadre, "th01", "晋熙镇01村", "staff", VILLAGE)
    _enter(points, book, Component.BONUS, 30)
    error = rejected(ledger, "points.bonus_cap", lambda: _enter(points, book, Component.BONUS, 1))
    assert "cap of 3.0" in error.message


def test_plan_set_once_in_the_first_quarter(ledger: Ledger, clock: SteppingClock) -> None:
    points = points_ready(ledger, clock)
    rejected(ledger, "points.plan_set", lambda: points.set_plan("th01", TASKS_X, TOWNSHIP))
    rejected(ledger, "role", lambda: points.set_plan("th02", TASKS_X, VILLAGE))
    th02 = Actor("tpc-02", Role.TOWNSHIP_PARTY_COMMITTEE)
    enrol(ledger, th02, scope=Scope(county="taihu", township="th02"))
    rejected(ledger, "principal.scope", lambda: points.set_plan("th02", TASKS_X, TOWNSHIP))
    clock.set(datetime(2023, 4, 1, 9, 0, tzinfo=UTC))
    rejected(ledger, "points.plan_timing", lambda: points.set_plan("th02", TASKS_X, th02))
    # The quarter is the business timezone's (Asia/Shanghai, UTC+8): 16:00 UTC on 31 March
    # is already 1 April in Beijing, one minute earlier is still the first quarter.
    clock.set(datetime(2023, 3, 31, 16, 0, tzinfo=UTC))
    rejected(ledger, "points.plan_timing", lambda: points.set_plan("th02", TASKS_X, th02))
    clock.set(datetime(2023, 3, 31, 15, 59, tzinfo=UTC))
    points.set_plan("th02", TASKS_X, th02)


TASKS_X = [("safety", "安全稳定", 60)]


@pytest.mark.parametrize(
    ("tasks", "why"),
    [([], "at least one"), ([("a", "A", 10), ("a", "B", 10)], "unique"),
     ([("Bad Code", "x", 10)], "must match"), ([("ok", "x", 0)], "positive")],
    ids=["empty", "duplicate", "bad-code", "zero-points"],
)  # fmt: skip
def test_malformed_plan_rejected(
    ledger: Ledger, points: Points, tasks: list[tuple[str, str, int]], why: str
) -> None:
    rejected(ledger, "points.task", lambda: points.set_plan("th09", tasks, TOWNSHIP), why)


def test_plan_changes_only_by_amendment_with_reason(ledger: Ledger, points: Points) -> None:
    rejected(
        ledger,
        "points.reason",
        lambda: points.amend_plan("th01", "industry", "产业发展", 120, " ", TOWNSHIP),
    )
    rejected(
        ledger, "role", lambda: points.amend_plan("th01", "industry", "产业", 120, "r", VILLAGE)
    )
    points.amend_plan("th01", "industry", "产业发展", 120, "年中调整", TOWNSHIP)
    points.amend_plan("th01", "flood", "防汛", 40, "新增", TOWNSHIP)
    plan = points.plan("th01")
    assert plan.tasks == {"party-building": 100, "industry": 120, "routine": 1_000_000,
                          "flood": 40}  # fmt: skip
    assert plan.version == 3


# --- responsibilities and entries --------------------------------------------------------


def test_allocation_rules(ledger: Ledger, points: Points) -> None:
    """The malformed allocations; the cap and the meeting: tests/integration/
    test_points_allocations.py."""
    book = cadre_book(points)
    kw = dict(meeting_on=datetime(2023, 1, 10).date(), minutes="两委〔2023〕1号")
    rejected(ledger, "role", lambda: points.allocate(
        book, task="industry", quarter=1, points_tenths=50, actor=TOWNSHIP, **kw))  # type: ignore[arg-type]  # fmt: skip
    rejected(ledger, "points.task", lambda: allocated(points, book, "unknown", 50))
    rejected(ledger, "points.quarter", lambda: allocated(points, book, quarter=5))
    rejected(ledger, "points.allocation", lambda: allocated(points, book, tenths=0))
    allocated(points, book, "industry", 30)
    allocated(points, book, "industry", 20)  # the same cadre, task and quarter: added
    register = points.register("th01", "晋熙镇01村")
    assert register is not None and register.allocated(book, "industry", 1) == 50


@pytest.mark.parametrize(
    ("change", "rule"),
    [({"quarter": 0}, "points.quarter"), ({"quarter": 5}, "points.quarter"),
     ({"reason": " "}, "points.reason"), ({"task": "nope"}, "points.task"),
     ({"actor": FINANCE}, "role")],
    ids=["quarter-0", "quarter-5", "no-reason", "unknown-task", "finance-role"],
)  # fmt: skip
def test_malformed_entry_rejected(
    ledger: Ledger, points: Points, change: dict[str, object], rule: str
) -> None:
    book = cadre_book(points)
    rejected(ledger, rule, lambda: _enter(points, book, Component.WORK, 10, **change))


@pytest.mark.parametrize("tenths", [0, -5])
def test_entries_are_positive_tenths(ledger: Ledger, points: Points, tenths: int) -> None:
    book = cadre_book(points)
    rejected(ledger, "points.amount", lambda: _enter(points, book, Component.DEDUCTION, tenths))
    # a 测评 entry too: 0 was allowed only from a peer evaluation form (withdrawn, issue 14)
    rejected(ledger, "points.amount", lambda: _enter(points, book, Component.EVALUATION, tenths))


def test_bonus_cap_exactly_5_accepted(ledger: Ledger, points: Points) -> None:
    book = cadre_book(points)
    _enter(points, book, Component.BONUS, 20, quarter=1)
    _enter(points, book, Component.BONUS, 30, quarter=3)
    assert points.book(book).bonus_remaining_tenths == 0


def test_bonus_cap_5_1_rejected_with_remaining_allowance(ledger: Ledger, points: Points) -> None:
    book = cadre_book(points)
    _enter(points, book, Component.BONUS, 45)
    error = rejected(ledger, "points.bonus_cap", lambda: _enter(points, book, Component.BONUS, 6))
    assert "remaining allowance 0.5" in error.message
    fresh = cadre_book(points, name="李四")
    rejected(ledger, "points.bonus_cap", lambda: _enter(points, fresh, Component.BONUS, 51))


def test_deductions_uncapped_and_totals_may_go_negative(ledger: Ledger, points: Points) -> None:
    book = cadre_book(points)
    allocated(points, book, "industry", 30)
    _enter(points, book, Component.WORK, 30, task="industry")
    _enter(points, book, Component.DEDUCTION, 500)
    _enter(points, book, Component.DEDUCTION, 500, quarter=2)
    state = points.book(book)
    assert state.total_tenths == -970
    assert state.quarter_totals == {1: -470, 2: -500, 3: 0, 4: 0}


# --- corrections -------------------------------------------------------------------------


def test_correction_is_a_new_reversing_entry(ledger: Ledger, points: Points) -> None:
    book = cadre_book(points)
    allocated(points, book, "industry", 80)
    first = _enter(points, book, Component.WORK, 80, task="industry")
    fix = points.correct(book, first, "录入错误", TOWNSHIP)
    state = points.book(book)
    assert fix == 2 and state.entries == {1: ("work", 1, 80), 2: ("work", 1, -80)}
    assert state.total_tenths == 0 and state.corrected == {1}


def test_an_entry_is_corrected_only_once(ledger: Ledger, points: Points) -> None:
    book = cadre_book(points)
    first = _enter(points, book, Component.DEDUCTION, 80)
    points.correct(book, first, "错误", TOWNSHIP)
    rejected(ledger, "points.correction", lambda: points.correct(book, first, "again", TOWNSHIP))
    rejected(ledger, "points.correction", lambda: points.correct(book, 99, "none", TOWNSHIP))
    rejected(ledger, "points.reason", lambda: points.correct(book, 2, "", TOWNSHIP))


def test_correction_of_a_correction_reinstates_the_amount(ledger: Ledger, points: Points) -> None:
    book = cadre_book(points)
    first = _enter(points, book, Component.DEDUCTION, 20)
    fix = points.correct(book, first, "误扣", TOWNSHIP)
    points.correct(book, fix, "冲正有误，恢复扣分", TOWNSHIP)
    state = points.book(book)
    assert [e[2] for e in state.entries.values()] == [20, -20, 20]
    assert state.total_tenths == -20


def test_correction_of_a_bonus_correction_respects_the_cap(ledger: Ledger, points: Points) -> None:
    book = cadre_book(points)
    first = _enter(points, book, Component.BONUS, 30)
    fix = points.correct(book, first, "重复", TOWNSHIP)
    _enter(points, book, Component.BONUS, 40)  # the freed allowance is used
    error = rejected(
        ledger, "points.bonus_cap", lambda: points.correct(book, fix, "恢复", TOWNSHIP)
    )
    assert "remaining allowance 1.0" in error.message


# --- appraisal ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("grade", "pay"),
    [(Grade.EXCELLENT, 1_890_011), (Grade.COMPETENT, 1_800_010),
     (Grade.BASICALLY_COMPETENT, 1_800_010), (Grade.INCOMPETENT, 1_710_010)],
)  # fmt: skip
def test_appraisal_adjusts_pay(
    ledger: Ledger, points: Points, clock: SteppingClock, grade: Grade, pay: int
) -> None:
    book = cadre_book(points)
    year_closed(points, clock)  # the only cadre: top and bottom of the closed ranking
    points.appraise(book, grade, 1_800_010, TOWNSHIP, reason="考核")  # x1.05: ...010.5 -> 011
    assert points.book(book).adjusted_pay_fen == pay


def test_appraisal_once_by_township_committee(
    ledger: Ledger, points: Points, clock: SteppingClock
) -> None:
    book = cadre_book(points)
    year_closed(points, clock)
    rejected(ledger, "role", lambda: points.appraise(book, Grade.EXCELLENT, 100, VILLAGE))
    rejected(
        ledger, "points.base_pay", lambda: points.appraise(book, Grade.EXCELLENT, -1, TOWNSHIP)
    )
    points.appraise(book, Grade.COMPETENT, 100, TOWNSHIP)
    rejected(ledger, "points.grade_set",
             lambda: points.appraise(book, Grade.EXCELLENT, 100, TOWNSHIP))  # fmt: skip


def test_book_opened_once_for_a_known_cadre(ledger: Ledger, points: Points) -> None:
    cadre = ledger.register_subject({"name": "王五"}, "cadre", TOWNSHIP)
    points.open_book(cadre, "th01", "晋熙镇01村", "deputy", VILLAGE)
    rejected(ledger, "points.book_open",
             lambda: points.open_book(cadre, "th01", "晋熙镇01村", "deputy", VILLAGE))  # fmt: skip
    other = Actor("x-01", Role.AUDIT)
    rejected(
        ledger, "subject.kind", lambda: ledger.register_subject({"name": "x"}, "alien", TOWNSHIP)
    )
    rejected(ledger, "role", lambda: ledger.register_subject({"name": "x"}, "cadre", other))
