"""A cadre erased before the year-end close (PIPL art. 47, docs/FORMAT.md §5) is not ranked:
the close ranks, shares and cases only the cadres not erased before it, so it never opens a
bottom-10% case on an erased subject (which rule ``stream.reference`` rejects), and the
verifier's recomputation (rule ``points.year_close``) agrees (both backends). The two races:
an erasure committed while the close ranks (the close's guard), and a close's bottom case
committed while the erasure saves (the erasure's guard: then held, rule
``subject.erasure_hold``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

import ledger.ledger as ledger_module
from ledger.actor import Actor, Role
from ledger.app import retry_on_conflict
from ledger.check import iter_notifications
from ledger.clock import SteppingClock
from ledger.erasure_hold import duties
from ledger.errors import RuleViolation
from ledger.ledger import Ledger
from ledger.mapper import unpack_state
from ledger.points import year_close
from ledger.points.config import Component, Grade
from ledger.points.service import Points
from ledger.settings import Settings
from ledger.subject import Subject
from ledger.supervision.service import Supervision
from projections import queries
from projections.queries import ListReader
from tests.integration.helpers import DATA_PROTECTION, DATA_PROTECTION_2, erase, rejected
from tests.integration.points_helpers import ORGANISATION, TOWNSHIP, VILLAGE, points_ready
from tests.integration.projection_helpers import projected, refresh, rows_of
from tests.support.principals import enrol
from verify.failure import Failure
from verify.invariants import Invariants
from verify.published import compare, recompute
from verify.record import parse_record

SUP = Actor("jw-01", Role.SUPERVISION)
INSTRUCTOR = Actor("pbi-th01-01", Role.PARTY_BUILDING_INSTRUCTOR)
AFTER = datetime(2024, 1, 10, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _actors(ledger: Ledger) -> None:
    enrol(ledger, SUP, INSTRUCTOR)


def _books(points: Points, n: int = 10) -> list[UUID]:
    """``n`` principal cadres, cadre i with a bonus of i + 1 tenths (books[0] the lowest)."""
    books = []
    for i in range(n):
        cadre = points.ledger.register_subject({"name": f"干部{i}"}, "cadre", TOWNSHIP)
        book = points.open_book(cadre, "th01", "晋熙镇01村", "principal", VILLAGE)
        points.enter(book, quarter=2, component=Component.BONUS, points_tenths=i + 1,
                     reason="表彰", actor=TOWNSHIP)  # fmt: skip
        books.append(book)
    return books


def _failures(ledger: Ledger) -> list[Failure]:
    """Every rule across records the stored log breaks (the verifier's Invariants)."""
    rules, found = Invariants(), []
    for index, notification in enumerate(iter_notifications(ledger.app.recorder)):
        found += rules.add(parse_record(unpack_state(notification.state)[1]), f"leaf {index}")
    return found + rules.end()


def test_a_cadre_erased_before_the_close_is_neither_ranked_nor_cased(
    ledger: Ledger, clock: SteppingClock
) -> None:
    points = points_ready(ledger, clock)
    clock.set(datetime(2023, 6, 1, 9, 0, tzinfo=UTC))
    books = _books(points)
    erased, lowest = (points.book(b).cadre for b in books[:2])
    erase(ledger, UUID(erased))  # the lowest total leaves before the close
    clock.set(AFTER)
    closed = points.close_year(ORGANISATION)
    scheme = points.scheme()
    assert erased not in scheme.ranking and len(scheme.ranking) == 9
    # the bottom 10% of the nine ranked: ceil(0.9) = 1, the next lowest
    assert [c for c, row in scheme.ranking.items() if row["bottom"]] == [lowest]
    assert list(closed.cases) == [lowest]
    sup = Supervision(ledger)
    targets = [sup.case(c).target for c in ledger.app.streams_of("supervision.CaseOpened")]
    assert targets == [lowest]
    assert all(points.book(b).sealed == 1 for b in books)  # its book is sealed all the same
    assert _failures(ledger) == []
    # no grade for the erased cadre: it has no row in the closed ranking
    rejected(ledger, "subject.erased",
             lambda: points.appraise(books[0], Grade.COMPETENT, 100_000, TOWNSHIP))  # fmt: skip


def test_a_reclose_after_an_erasure_leaves_the_erased_cadre_out(
    ledger: Ledger, clock: SteppingClock
) -> None:
    """Erased after the first close (not bottom, so not held), then the year reopened and
    closed again: the second close ranks the others only, and the verifier agrees."""
    points = points_ready(ledger, clock)
    clock.set(datetime(2023, 6, 1, 9, 0, tzinfo=UTC))
    books = _books(points)
    clock.set(AFTER)
    points.close_year(ORGANISATION)
    top = points.book(books[9]).cadre
    erase(ledger, UUID(top))
    assert ledger.app.get(Subject, UUID(top)).erased
    points.reopen_year("第四季度加分漏录", ORGANISATION)
    points.enter(books[0], quarter=4, component=Component.BONUS, points_tenths=20,
                 reason="补录", actor=TOWNSHIP)  # fmt: skip
    again = points.close_year(ORGANISATION)
    ranking = points.scheme().ranking
    assert top not in ranking and len(ranking) == 9
    assert list(again.cases) == [points.book(books[1]).cadre]  # the new lowest
    assert _failures(ledger) == []


def test_an_erasure_committed_while_the_close_ranks_is_caught_by_its_guard(
    ledger: Ledger, clock: SteppingClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lowest cadre's erasure commits after the close read the erased subjects and before
    its commit (another process, as far as the close can tell): the commit's guard on the
    count of ``subject.Erased`` fails, and the close is retried without that cadre."""
    points = points_ready(ledger, clock)
    clock.set(datetime(2023, 6, 1, 9, 0, tzinfo=UTC))
    books = _books(points)
    lowest = UUID(points.book(books[0]).cadre)
    ledger.request_erasure(lowest, "本人申请删除", DATA_PROTECTION)
    ledger.approve_erasure(lowest, DATA_PROTECTION_2)
    clock.set(AFTER)
    ranked: list[int] = []
    erased: list[Any] = []
    freeze = year_close.freeze

    def racing(scheme: Any, books: list[Any]) -> list[dict[str, Any]]:
        ranked.append(len(books))
        if not erased:
            erased.extend(ledger.erase_subject(lowest))
        return freeze(scheme, books)

    monkeypatch.setattr(year_close, "freeze", racing)
    closed = points.close_year(ORGANISATION)
    assert ranked == [10, 9] and erased  # ranked with it, conflicted, ranked again without
    assert str(lowest) not in points.scheme().ranking
    assert list(closed.cases) == [points.book(books[1]).cadre]
    assert _failures(ledger) == []


def test_a_bottom_case_committed_while_the_erasure_saves_is_caught_by_its_guard(
    ledger: Ledger, clock: SteppingClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The close commits the lowest cadre's bottom case after the erasure checked its holds
    (none yet) and before its save: the erasure's guard on the count of
    ``supervision.CaseOpened`` fails, and the retry finds the case: held, not erased."""
    points = points_ready(ledger, clock)
    clock.set(datetime(2023, 6, 1, 9, 0, tzinfo=UTC))
    books = _books(points)
    lowest = UUID(points.book(books[0]).cadre)
    ledger.request_erasure(lowest, "本人申请删除", DATA_PROTECTION)
    ledger.approve_erasure(lowest, DATA_PROTECTION_2)
    clock.set(AFTER)
    closed: list[Any] = []

    def racing(recorder: Any, erasures: bool = False) -> Any:
        folded = duties(recorder, erasures)
        if not closed:
            closed.append(points.close_year(ORGANISATION))
        return folded

    monkeypatch.setattr(ledger_module, "duties", racing)
    with pytest.raises(RuleViolation) as held:  # the close stored its records meanwhile
        retry_on_conflict(lambda: ledger.erase_subject(lowest))
    assert held.value.rule == "subject.erasure_hold", held.value
    assert list(closed[0].cases) == [str(lowest)]
    assert not ledger.app.get(Subject, lowest).erased
    assert _failures(ledger) == []


def test_the_public_list_ranks_as_the_close_without_the_erased_cadre(
    ledger: Ledger, settings: Settings, clock: SteppingClock
) -> None:
    """The points list's live ``rank`` and ``bottom`` (so ``bottom_only`` and the page's 末位
    section) leave out an erased cadre as the close does: its row stays, 已删除, unranked; the
    bottom rows are the close's cased cadres; the verifier's recomputed list is the same."""
    points = points_ready(ledger, clock)
    clock.set(datetime(2023, 6, 1, 9, 0, tzinfo=UTC))
    books = _books(points)
    projections = projected(ledger, settings)  # built with all ten ranked, then the erasure
    erase(ledger, UUID(points.book(books[0]).cadre))
    clock.set(AFTER)
    closed = points.close_year(ORGANISATION)
    rows = rows_of(refresh(ledger, projections), "points")
    gone = rows[f"{books[0]}/year"]
    assert (gone["name"], gone["rank"], gone["bottom"], gone["closed_rank"]) == (
        "已删除", None, None, None,
    )  # fmt: skip
    year = [rows[f"{b}/year"] for b in books[1:]]
    assert [(r["rank"], r["bottom"]) for r in year] == [
        (r["closed_rank"], r["closed_bottom"]) for r in year
    ]
    reader = ListReader(projections.db)
    bottom = queries.points(reader, bottom_only=True, year=2023)
    assert [r["cadre"] for r in bottom] == list(closed.cases) == [points.book(books[1]).cadre]
    size = ledger.log.state().size
    records = [unpack_state(n.state)[1] for n in iter_notifications(ledger.app.recorder)]
    recomputed = recompute(
        records[:size], {"points": projections.runners["points"].projection.params}
    )
    assert (
        compare("points", sorted(rows.values(), key=lambda r: r["key"]), recomputed["points"]) == []
    )
