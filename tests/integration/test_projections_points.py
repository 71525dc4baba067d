"""The points projection: components, capped totals, dense ranks, the bottom 10% with ties at
the cut-off, excellence candidates (the closed year's top set), appraisal; and the
supervision board."""

from __future__ import annotations

import math
from datetime import date
from uuid import UUID

import pytest

from ledger.actor import Actor, Role
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.points.config import Component, Grade
from ledger.points.service import Points
from ledger.settings import Settings
from ledger.supervision.service import Supervision
from tests.integration.helpers import erase
from tests.integration.points_helpers import TOWNSHIP, cadre_book, points_ready, worked, year_closed
from tests.integration.projection_helpers import projected, refresh, rows_of

SUPERVISOR = Actor("supervision-01", Role.SUPERVISION)


def _work(points: Points, book: UUID, tenths: int, quarter: int = 1) -> int:
    return worked(points, book, tenths, quarter)


def _category(points: Points, totals: list[int]) -> list[UUID]:
    books = []
    for n, total in enumerate(totals):
        book = cadre_book(points, "principal", f"李{n:02d}号")
        if total:
            _work(points, book, total)
        books.append(book)
    return books


# n, totals (tenths; 0 = no entry), the books expected in the bottom share
TIES = [
    (1, [50], {0}),  # a category of one: ceil(0.1) = 1, the only cadre
    (10, [90, 80, 70, 60, 50, 40, 30, 20, 10, 10], {8, 9}),  # cut-off tie pulls in a second
    (11, [110, 100, 90, 80, 70, 60, 50, 40, 30, 20, 10], {9, 10}),  # ceil(1.1) = 2
    (19, [*range(190, 10, -10), 10], {17, 18}),  # ceil(1.9) = 2
    (20, [*range(200, 30, -10), 30, 30, 30], {17, 18, 19}),  # 2 by count, 3 by the tie
]


@pytest.mark.parametrize(("n", "totals", "bottom"), TIES, ids=[f"n={t[0]}" for t in TIES])
def test_bottom_share_includes_everyone_tied_at_the_cutoff(
    ledger: Ledger, settings: Settings, clock: SteppingClock,
    n: int, totals: list[int], bottom: set[int],
) -> None:  # fmt: skip
    assert len(totals) == n and len(bottom) >= math.ceil(n / 10)
    points = points_ready(ledger, clock)
    books = _category(points, totals)
    rows = rows_of(projected(ledger, settings), "points")
    for period in ("Q1", "year"):
        flagged = {i for i, b in enumerate(books) if rows[f"{b}/{period}"]["bottom"]}
        assert flagged == bottom, period
        ranks = [rows[f"{b}/{period}"]["rank"] for b in books]
        distinct = sorted(set(totals), reverse=True)
        assert ranks == [distinct.index(t) + 1 for t in totals]  # dense: no rank skipped
    assert all(rows[f"{b}/Q2"]["total"] == 0 and rows[f"{b}/Q2"]["rank"] == 1 for b in books)


def test_total_caps_bonus_counts_corrections_and_excellence_ties(
    ledger: Ledger, settings: Settings, clock: SteppingClock
) -> None:
    points = points_ready(ledger, clock)
    books = _category(points, [100, 90, 90, 80, 10])
    entry = _work(points, books[4], 200, quarter=2)
    points.correct(books[4], entry, "录入错误", TOWNSHIP)  # reverses the 200
    points.enter(
        books[3], quarter=3, component=Component.BONUS, points_tenths=50, reason="表彰",
        actor=TOWNSHIP,
    )  # fmt: skip
    points.enter(
        books[3], quarter=3, component=Component.DEDUCTION, points_tenths=5, reason="迟到",
        actor=TOWNSHIP,
    )  # fmt: skip
    year_closed(points, clock)  # 优秀 from the closed ranking's top 15%: books[3] (125)
    points.appraise(books[3], Grade.EXCELLENT, 300_000, TOWNSHIP)
    rows = rows_of(projected(ledger, settings), "points")
    year = [rows[f"{b}/year"] for b in books]
    assert year[4]["work"] == 10 and year[4]["total"] == 10  # 10 + 200 - 200
    assert rows[f"{books[4]}/Q2"]["work"] == 0
    assert (year[3]["bonus"], year[3]["deduction"], year[3]["total"]) == (50, 5, 125)
    assert [r["rank"] for r in year] == [2, 3, 3, 1, 4]
    # the close's top set, not the three highest live totals (125, 100 and both 90s)
    assert [r["excellent_candidate"] for r in year] == [False, False, False, True, False]
    assert rows[f"{books[0]}/Q1"]["excellent_candidate"] is None
    assert year[3]["grade"] == "excellent" and year[1]["grade"] is None
    assert year[3]["adjusted_pay_fen"] == 300_000 * year[3]["pay_percent"] // 100
    assert year[0]["name"] == "李00号" and year[0]["cadre"] != year[1]["cadre"]


def test_excellence_candidates_are_the_closed_years_top_set(
    ledger: Ledger, settings: Settings, clock: SteppingClock
) -> None:
    """The published 优秀 candidates are the close's ``top`` ("评先评优原则上按年度积分，由高到低
    依次选取", applied to the closed ranking): none before the close, whatever the totals."""
    points = points_ready(ledger, clock)
    books = _category(points, [30, 20, 10])
    projections = projected(ledger, settings)
    rows = rows_of(projections, "points")
    assert [rows[f"{b}/year"]["excellent_candidate"] for b in books] == [None] * 3
    year_closed(points, clock)
    rows = rows_of(refresh(ledger, projections), "points")
    year = [rows[f"{b}/year"] for b in books]
    assert [r["excellent_candidate"] for r in year] == [True, False, False]
    assert all(r["excellent_candidate"] is r["closed_top"] for r in year)
    assert all(rows[f"{b}/Q1"]["excellent_candidate"] is None for b in books)


def test_ranks_are_recomputed_when_a_later_batch_changes_a_total(
    ledger: Ledger, settings: Settings, clock: SteppingClock
) -> None:
    points = points_ready(ledger, clock)
    books = _category(points, [20, 10])
    projections = projected(ledger, settings)
    _work(points, books[1], 50)
    rows = rows_of(refresh(ledger, projections), "points")
    assert [rows[f"{b}/year"]["rank"] for b in books] == [2, 1]
    assert [rows[f"{b}/year"]["bottom"] for b in books] == [True, False]


def test_erased_cadre_shows_deleted(
    ledger: Ledger, settings: Settings, clock: SteppingClock
) -> None:
    points = points_ready(ledger, clock)
    (book,) = _category(points, [10])
    projections = projected(ledger, settings)
    erase(ledger, UUID(points.book(book).cadre), "离任")
    rows = rows_of(refresh(ledger, projections), "points")
    assert {rows[f"{book}/{p}"]["name"] for p in ("Q1", "Q4", "year")} == {"已删除"}


def test_supervision_board_stages_deadline_and_closure(
    ledger: Ledger, settings: Settings, clock: SteppingClock
) -> None:
    from projections.supervision_cases import is_overdue

    points = points_ready(ledger, clock)
    (book,) = _category(points, [10])
    cadre = UUID(points.book(book).cadre)
    board = Supervision(ledger)
    case = board.open_case(
        target_kind="cadre",
        target=str(cadre),
        reason="complaint",
        detail="群众投诉",
        county="taihu",
        actor=SUPERVISOR,
    )
    board.talk(case, "约谈", SUPERVISOR)
    board.talk(case, "再次约谈", SUPERVISOR)
    board.list_case(case, date(2023, 6, 30), "挂牌", SUPERVISOR)
    projections = projected(ledger, settings)
    row = rows_of(projections, "supervision-cases")[str(case)]
    assert (row["stage"], row["talks"], row["deadline"], row["target_name"]) == (
        "listed", 2, "2023-06-30", "李00号",
    )  # fmt: skip
    assert is_overdue(row, date(2023, 7, 1)) and not is_overdue(row, date(2023, 6, 30))
    board.report_rectification(case, "已整改", SUPERVISOR)
    board.close(case, "DOC-2023-001 整改报告", SUPERVISOR)
    row = rows_of(refresh(ledger, projections), "supervision-cases")[str(case)]
    assert (row["stage"], row["evidence"]) == ("closed", "DOC-2023-001 整改报告")
    assert row["closed_on"] is not None and not is_overdue(row, date(2024, 1, 1))
