"""The year-end close (points.YearClosed), its reopening, grades from the closed ranking, and
the bottom-10% cases the close opens and their four steps (both backends)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from ledger.actor import Actor, Role
from ledger.check import iter_notifications
from ledger.clock import SteppingClock
from ledger.errors import RuleViolation
from ledger.ledger import Ledger, open_ledger
from ledger.mapper import unpack_state
from ledger.points import year_close
from ledger.points.book import PointsBook, book_id
from ledger.points.config import Component, Grade
from ledger.points.scheme import Scheme
from ledger.points.service import Points
from ledger.principal import Scope
from ledger.settings import Settings
from ledger.supervision.case import Reason, Stage, TargetKind
from ledger.supervision.service import Supervision
from tests.integration.helpers import rejected
from tests.integration.points_helpers import ORGANISATION, TOWNSHIP, VILLAGE, points_ready
from tests.support.principals import enrol
from verify.invariants import Invariants
from verify.record import parse_record

SUP = Actor("jw-01", Role.SUPERVISION)
INSTRUCTOR = Actor("pbi-th01-01", Role.PARTY_BUILDING_INSTRUCTOR)


@pytest.fixture(autouse=True)
def _actors(ledger: Ledger) -> None:
    enrol(ledger, SUP, INSTRUCTOR)


def _books(points: Points, n: int = 10) -> list[UUID]:
    """``n`` principal cadres, cadre i with a bonus of i + 1 tenths (one lowest, one top)."""
    books = []
    for i in range(n):
        cadre = points.ledger.register_subject({"name": f"干部{i}"}, "cadre", TOWNSHIP)
        book = points.open_book(cadre, "th01", "晋熙镇01村", "principal", VILLAGE)
        points.enter(book, quarter=2, component=Component.BONUS, points_tenths=i + 1,
                     reason="表彰", actor=TOWNSHIP)  # fmt: skip
        books.append(book)
    return books


@pytest.fixture
def closed(ledger: Ledger, clock: SteppingClock) -> tuple[Points, list[UUID]]:
    points = points_ready(ledger, clock)
    clock.set(datetime(2023, 6, 1, 9, 0, tzinfo=UTC))
    books = _books(points)
    clock.set(datetime(2024, 1, 10, 9, 0, tzinfo=UTC))
    points.close_year(ORGANISATION)
    return points, books


def test_close_freezes_totals_ranks_and_opens_the_bottom_cases(
    ledger: Ledger, closed: tuple[Points, list[UUID]]
) -> None:
    points, books = closed
    scheme = points.scheme()
    lowest = points.book(books[0]).cadre
    top = {points.book(b).cadre for b in books[-2:]}  # 15% of 10: ceil 1.5 = 2
    assert (scheme.closes, scheme.closed) == (1, True)
    assert [c for c, row in scheme.ranking.items() if row["bottom"]] == [lowest]
    assert {c for c, row in scheme.ranking.items() if row["top"]} == top
    assert scheme.ranking[lowest] == {
        "cadre": lowest, "book": str(books[0]), "category": "principal", "total_tenths": 1,
        "rank": 10, "bottom": True, "top": False,
    }  # fmt: skip
    sup = Supervision(ledger)
    cases = [sup.case(c) for c in ledger.app.streams_of("supervision.CaseOpened")]
    assert [(c.target, c.reason, c.county, c.stage) for c in cases] == [
        (lowest, "bottom_ranking", "taihu", "opened")
    ]
    assert all(points.book(b).sealed == 1 for b in books)


def test_entries_after_the_close_need_a_reopening(
    ledger: Ledger, clock: SteppingClock, closed: tuple[Points, list[UUID]]
) -> None:
    points, books = closed

    def late() -> int:
        return points.enter(books[0], quarter=4, component=Component.BONUS, points_tenths=5,
                            reason="补录", actor=TOWNSHIP)  # fmt: skip

    rejected(ledger, "points.year_closed", late)
    rejected(ledger, "points.year_closed", lambda: points.correct(books[0], 1, "冲正", TOWNSHIP))
    rejected(ledger, "role", lambda: points.reopen_year("补录", TOWNSHIP))
    rejected(ledger, "points.year_reopen", lambda: points.reopen_year(" ", ORGANISATION))
    rejected(ledger, "points.year_closed", lambda: points.close_year(ORGANISATION))
    assert points.reopen_year("第四季度加分漏录", ORGANISATION) == 1
    rejected(ledger, "points.year_reopen", lambda: points.reopen_year("again", ORGANISATION))
    late()
    again = points.close_year(ORGANISATION)
    # books[0] left the bottom (its case stays); books[1] is the new lowest: a case for it only
    assert again.close == 2 and list(again.cases) == [points.book(books[1]).cadre]
    assert points.scheme().ranking[points.book(books[0]).cadre]["total_tenths"] == 6


def test_a_book_is_not_opened_while_the_year_is_closed(
    ledger: Ledger, closed: tuple[Points, list[UUID]]
) -> None:
    points, _ = closed
    cadre = ledger.register_subject({"name": "新干部"}, "cadre", TOWNSHIP)

    def book() -> UUID:
        return points.open_book(cadre, "th01", "晋熙镇01村", "principal", VILLAGE)

    rejected(ledger, "points.year_closed", book)
    points.reopen_year("新任村干部建档", ORGANISATION)
    book()


def test_the_close_is_the_organisation_departments_and_after_the_year(
    ledger: Ledger, clock: SteppingClock
) -> None:
    points = points_ready(ledger, clock)
    _books(points, 3)
    rejected(ledger, "role", lambda: points.close_year(TOWNSHIP))
    clock.set(datetime(2023, 12, 31, 9, 0, tzinfo=UTC))
    rejected(ledger, "points.year_close", lambda: points.close_year(ORGANISATION))


def test_grades_come_from_the_closed_ranking(ledger: Ledger, clock: SteppingClock) -> None:
    points = points_ready(ledger, clock)
    books = _books(points)
    clock.set(datetime(2024, 1, 10, 9, 0, tzinfo=UTC))
    rejected(ledger, "points.grade",
             lambda: points.appraise(books[9], Grade.EXCELLENT, 100_000, TOWNSHIP),
             "close it first")  # fmt: skip
    points.close_year(ORGANISATION)
    rejected(ledger, "points.grade",
             lambda: points.appraise(books[0], Grade.EXCELLENT, 100_000, TOWNSHIP))  # fmt: skip
    rejected(ledger, "points.grade",
             lambda: points.appraise(books[0], Grade.INCOMPETENT, 100_000, TOWNSHIP))  # fmt: skip
    points.appraise(books[9], Grade.EXCELLENT, 100_000, TOWNSHIP)
    points.appraise(books[0], Grade.INCOMPETENT, 100_000, TOWNSHIP, "年度积分末位，履职不力")
    assert points.book(books[9]).adjusted_pay_fen == 105_000
    assert points.book(books[0]).adjusted_pay_fen == 95_000


def test_bottom_cases_are_not_opened_by_hand(ledger: Ledger, sup_ready: Supervision) -> None:
    cadre = ledger.register_subject({"name": "钱七"}, "cadre", SUP)
    rejected(ledger, "supervision.bottom_by_close", lambda: sup_ready.open_case(
        target_kind=TargetKind.CADRE, target=str(cadre), reason=Reason.BOTTOM_RANKING,
        detail="排名后10%", county="taihu", actor=SUP))  # fmt: skip
    rejected(ledger, "supervision.county", lambda: sup_ready.open_case(
        target_kind=TargetKind.CADRE, target=str(cadre), reason=Reason.COMPLAINT,
        detail="投诉", county=" ", actor=SUP))  # fmt: skip


@pytest.fixture
def sup_ready(ledger: Ledger, clock: SteppingClock) -> Supervision:
    clock.set(datetime(2024, 1, 10, 9, 0, tzinfo=UTC))
    return Supervision(ledger)


def _bottom_case(ledger: Ledger) -> UUID:
    (case,) = ledger.app.streams_of("supervision.CaseOpened")
    return case


def test_bottom_case_steps_in_order_by_the_right_hands(
    ledger: Ledger, clock: SteppingClock, closed: tuple[Points, list[UUID]]
) -> None:
    sup, case = Supervision(ledger), _bottom_case(ledger)
    rejected(ledger, "supervision.order", lambda: sup.guide(case, None, "指导", INSTRUCTOR))
    rejected(ledger, "supervision.order",
             lambda: sup.list_case(case, date(2024, 3, 31), "挂牌", SUP))  # fmt: skip
    rejected(ledger, "supervision.hands", lambda: sup.talk(case, "约谈", SUP))
    sup.talk(case, "约谈提醒", TOWNSHIP)
    sup.talk(case, "再次约谈", TOWNSHIP)
    rejected(ledger, "supervision.order",
             lambda: sup.list_case(case, date(2024, 3, 31), "挂牌", SUP))  # fmt: skip
    rejected(ledger, "supervision.hands", lambda: sup.guide(case, "pbi-th01-01", "指导", TOWNSHIP))
    rejected(
        ledger, "supervision.hands", lambda: sup.guide(case, "someone-else", "指导", INSTRUCTOR)
    )
    sup.guide(case, None, "现场指导", INSTRUCTOR)
    rejected(ledger, "supervision.order",
             lambda: sup.report_rectification(case, "已整改", TOWNSHIP, "整改报告1号"))  # fmt: skip
    sup.list_case(case, date(2024, 3, 31), "挂牌督办", SUP)
    rejected(ledger, "supervision.evidence",
             lambda: sup.report_rectification(case, "已整改", TOWNSHIP))  # fmt: skip
    sup.report_rectification(case, "已整改", TOWNSHIP, "整改报告〔2024〕1号")
    rejected(ledger, "supervision.separation",
             lambda: sup.close(case, "销号审批表1号", TOWNSHIP))  # fmt: skip
    sup.close(case, "销号审批表1号", SUP)
    assert (sup.case(case).stage, sup.case(case).actions) == (Stage.CLOSED, 4)


def test_bottom_case_talk_and_guidance_are_by_the_cadres_own_township_and_village(
    ledger: Ledger, clock: SteppingClock, closed: tuple[Points, list[UUID]]
) -> None:
    """ "乡镇党委及时约谈提醒，包村党建指导员现场指导": the cadre's book is of th01 / 晋熙镇01村;
    another township's committee may not talk, another village's instructor may not guide."""
    other_tpc = Actor("tpc-th02", Role.TOWNSHIP_PARTY_COMMITTEE)
    other_pbi = Actor("pbi-th01-02", Role.PARTY_BUILDING_INSTRUCTOR)
    enrol(ledger, other_tpc, scope=Scope(county="taihu", township="th02"))
    enrol(ledger, other_pbi, scope=Scope(county="taihu", township="th01", village="晋熙镇02村"))
    sup, case = Supervision(ledger), _bottom_case(ledger)
    rejected(ledger, "supervision.hands", lambda: sup.talk(case, "约谈", other_tpc))
    sup.talk(case, "约谈提醒", TOWNSHIP)
    rejected(ledger, "supervision.hands", lambda: sup.guide(case, None, "指导", other_pbi))
    sup.guide(case, None, "现场指导", INSTRUCTOR)
    assert sup.case(case).stage == Stage.GUIDANCE


def test_entries_racing_the_close_never_make_its_ranking_false(
    ledger: Ledger, settings: Settings
) -> None:
    """Writers in their own ledgers (own Application, own connections: like other processes)
    keep entering while another closes the year. A seal racing an entry of its book conflicts
    and is retried on the fresh book, or the entry comes after it and is refused; the close
    goes through while the writers write (it does not wait for them to stop), and the
    verifier's recomputation from the records before the close agrees with its ranking."""
    points = points_ready(ledger, SteppingClock(datetime(2023, 2, 1, tzinfo=UTC)))
    books = _books(points, 8)
    after = SteppingClock(datetime(2024, 1, 10, 9, 0, tzinfo=UTC), timedelta(milliseconds=1))
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def write(n: int) -> None:
        own = open_ledger(settings, clock=after)
        try:
            barrier.wait(timeout=30)
            for i in range(200):
                try:
                    Points(own).enter(books[(n + i) % len(books)], quarter=4,
                                      component=Component.DEDUCTION, points_tenths=1,
                                      reason=f"补录 {n}/{i}", actor=TOWNSHIP)  # fmt: skip
                    outcomes.append("entered")
                    time.sleep(0.005)  # clerks, not a tight loop: the close needs a gap
                except RuleViolation as e:
                    outcomes.append(e.rule)
                    if e.rule == "points.year_closed":
                        return
        finally:
            own.close()

    def close() -> None:
        own = open_ledger(settings, clock=after)
        try:
            barrier.wait(timeout=30)
            time.sleep(0.05)
            Points(own).close_year(ORGANISATION)
            outcomes.append("closed")
        finally:
            own.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(3)]
    threads.append(threading.Thread(target=close))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert "closed" in outcomes and "entered" in outcomes
    assert outcomes.count("points.year_closed") == 3, outcomes[-10:]
    rules, found = Invariants(), []
    for index, notification in enumerate(iter_notifications(ledger.app.recorder)):
        found += rules.add(parse_record(unpack_state(notification.state)[1]), f"leaf {index}")
    assert [f for f in found if f.rule.startswith(("points.", "supervision."))] == []


def _no_rule_broken(ledger: Ledger) -> None:
    rules, found = Invariants(), []
    for index, notification in enumerate(iter_notifications(ledger.app.recorder)):
        found += rules.add(parse_record(unpack_state(notification.state)[1]), f"leaf {index}")
    assert [f for f in found if f.rule.startswith(("points.", "supervision."))] == []


AFTER = datetime(2024, 1, 10, 9, 0, tzinfo=UTC)


def test_a_book_opened_racing_the_close_is_refused(
    ledger: Ledger, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process closes the year between open_book's check (the year open) and its
    save: the save's guard finds the scheme moved on (ledger/guards.py), the retry finds the
    year closed: refused, no book stored, and no rule broken in the log."""
    points = points_ready(ledger, SteppingClock(datetime(2023, 2, 1, tzinfo=UTC)))
    _books(points, 3)
    cadre = ledger.register_subject({"name": "迟到"}, "cadre", TOWNSHIP)
    original, closes = PointsBook.open, []

    def open_then_close(cls: type[PointsBook], **kwargs: Any) -> PointsBook:
        book = original(**kwargs)
        if not closes:  # the close commits now, in another process
            own = open_ledger(settings, clock=SteppingClock(AFTER))
            try:
                closes.append(Points(own).close_year(ORGANISATION))
            finally:
                own.close()
        return book

    monkeypatch.setattr(PointsBook, "open", classmethod(open_then_close))
    with pytest.raises(RuleViolation) as refused:
        points.open_book(cadre, "th01", "晋熙镇01村", "principal", VILLAGE)
    assert refused.value.rule == "points.year_closed" and len(closes) == 1
    assert not ledger.app.exists(book_id(points.scheme().id, cadre))
    _no_rule_broken(ledger)


def test_a_book_opened_while_the_close_commits_is_ranked(
    ledger: Ledger, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process opens a book after the close's final scan, before its commit: the
    close's guard finds a book more than it scanned, the retry ranks and seals it."""
    points = points_ready(ledger, SteppingClock(datetime(2023, 2, 1, tzinfo=UTC)))
    _books(points, 3)
    cadre = ledger.register_subject({"name": "迟到"}, "cadre", TOWNSHIP)
    original, opened = year_close.freeze, []

    def freeze_then_open(scheme: Scheme, books: list[PointsBook]) -> list[dict[str, Any]]:
        rows = original(scheme, books)
        if not opened:  # a book is opened now, in another process
            own = open_ledger(settings, clock=SteppingClock(datetime(2023, 6, 1, tzinfo=UTC)))
            try:
                book = Points(own).open_book(cadre, "th01", "晋熙镇01村", "principal", VILLAGE)
                opened.append(str(book))
            finally:
                own.close()
        return rows

    monkeypatch.setattr(year_close, "freeze", freeze_then_open)
    closer = open_ledger(settings, clock=SteppingClock(AFTER))
    try:
        Points(closer).close_year(ORGANISATION)
    finally:
        closer.close()
    ranked = {row["book"] for row in points.scheme().ranking.values()}
    assert len(opened) == 1 and opened[0] in ranked and len(ranked) == 4
    assert points.book(UUID(opened[0])).sealed == 1
    _no_rule_broken(ledger)


def test_other_cases_keep_forward_steps_and_take_guidance_from_an_instructor(
    ledger: Ledger, sup_ready: Supervision
) -> None:
    """A complaint case: no step is required (listed straight away), and the party-building
    instructor may give its guidance too; the instructor holds no other step."""
    cadre = ledger.register_subject({"name": "孙八"}, "cadre", SUP)
    case = sup_ready.open_case(target_kind=TargetKind.CADRE, target=str(cadre),
                               reason=Reason.COMPLAINT, detail="投诉", county="taihu",
                               actor=SUP)  # fmt: skip
    sup_ready.guide(case, None, "现场指导", INSTRUCTOR)
    rejected(ledger, "role", lambda: sup_ready.list_case(case, date(2024, 3, 1), "x", INSTRUCTOR))
    sup_ready.list_case(case, date(2024, 3, 1), "挂牌", SUP)
    assert sup_ready.case(case).stage == Stage.LISTED


def test_a_request_key_goes_with_the_close_not_with_the_seals(
    ledger: Ledger, clock: SteppingClock
) -> None:
    """The seals are resumable first steps: a request whose close failed after some seals
    must run again on retry (its key unrecorded), not be answered as done."""
    from ledger import idempotency

    points = points_ready(ledger, clock)
    books = _books(points, 3)
    clock.set(datetime(2024, 1, 10, 9, 0, tzinfo=UTC))
    key = idempotency.PendingKey("org-01", "close-2023", "0" * 64)
    with idempotency.pending(key):
        closed = points.close_year(ORGANISATION)
    streams = {stream for stream, _ in key.records}
    assert streams == {str(points.scheme_id), *(str(c) for c in closed.cases.values())}
    assert not streams & {str(b) for b in books}


def test_a_close_failing_after_the_seals_says_so_and_running_it_again_finishes(
    ledger: Ledger, clock: SteppingClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Books sealed, no points.YearClosed (the close failed halfway): an entry is refused with
    what happened and what to do; the close run again finishes (close 1, its cases)."""
    import ledger.points.year_close as year_close

    points = points_ready(ledger, clock)
    books = _books(points, 10)
    clock.set(datetime(2024, 1, 10, 9, 0, tzinfo=UTC))

    def fail(action: object) -> object:
        raise RuntimeError("connection lost after the seals")

    with monkeypatch.context() as patched:
        patched.setattr(year_close, "retry_on_conflict", fail)
        with pytest.raises(RuntimeError):
            points.close_year(ORGANISATION)
    assert not points.scheme().closed and points.book(books[0]).sealed == 1
    with pytest.raises(RuleViolation, match="run the close again") as refused:
        points.enter(books[0], quarter=4, component=Component.BONUS, points_tenths=1,
                     reason="表彰", actor=TOWNSHIP)  # fmt: skip
    assert refused.value.rule == "points.year_closed"
    again = points.close_year(ORGANISATION)
    assert again.close == 1 and points.scheme().closed and len(again.cases) == 1
