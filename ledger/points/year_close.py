"""The year-end close of a points scheme, its reopening, and the bottom-10% cases it opens.

"评先评优原则上按年度积分，由高到低依次选取" and "年度得分处于同类别后 10% 的村干部，乡镇党委及时
约谈提醒，包村党建指导员现场指导、挂牌督办、销号管理": the close freezes each cadre's annual
total, the dense rank in the category, the bottom set (``bottom_share_percent``) and the top
set (``excellent_share_percent``) in the close's ranking (its ``points.RankingPart``
records, at most RANKING_PART_ROWS rows each, just before ``points.YearClosed``); grades and
the bottom cases refer to it.

A cadre erased before the close (``subject.Erased``, PIPL art. 47: docs/FORMAT.md §5) is not
ranked: its book is sealed like every other, but it has no row, counts in no category's
share and gets no case. The supervision the newsletter asks for (约谈提醒, 现场指导, 挂牌督办,
销号管理) is of a serving cadre the ledger can still name; an erased subject is neither, and
a case naming it breaks rule ``stream.reference``. The points year in progress is not an
erasure hold (ledger/erasure_hold.py holds what names the subject already: an open case,
an application, a posted grant); the bottom 10% is taken of the cadres that remain, and a
close after a reopening leaves out those erased since the first. gongshi-verify recomputes
the ranking the same way (rule ``points.year_close``, verify/rules_points.py). An erasure
committed between the close's scan and its commit is caught by the commit's guard (the
log's count of ``subject.Erased`` is still the one read; else the close is retried without
that cadre).

Serialisation (across processes, on both backends): optimistic concurrency on the books,
not a lock. The close first seals every book of the scheme (``points.BookSealed``, one update
per book, retried like any write of that book): an entry racing a seal either is stored
first — the seal's insert then fails on the stream's unique (id, version) and is retried on
the fresh book, entry included — or comes after it and is refused (rule points.year_closed).
Once every book is sealed nothing can change the totals, so the ranking computed from them is
exactly what the records before the close add up to, which is what gongshi-verify
recomputes; the ranking's parts, ``points.YearClosed`` and the bottom cases are then saved in
one transaction (with a seal for any book opened in between, written at the version the
ranking read). Sealing book by book keeps the close live under steady data entry (one
transaction over every book would be retried for as long as any book is written to). A close
interrupted after some seals leaves those books closed to entries; running the close again
finishes it.
A book opened between the final read and the commit is caught by the commit's guard
(ledger/guards.py: the log's count of ``points.BookOpened`` is still the one scanned; else the
close is retried and ranks and seals it), and opening a book checks in its own transaction
that the scheme is still at the version it read open (a close since: refused as
``points.year_closed``): no book is ever opened after the close nor left out of its ranking,
across processes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from ledger import guards, idempotency
from ledger.actor import Actor
from ledger.app import retry_on_conflict
from ledger.erasure_hold import stored_records
from ledger.errors import RuleViolation
from ledger.ledger import Ledger
from ledger.points.book import PointsBook
from ledger.points.config import format_points
from ledger.points.ranking import bottom_share, dense_ranks, top_share
from ledger.points.scheme import Scheme
from ledger.subject import Subject
from ledger.supervision.case import YEAR_CLOSE_RULE, Reason, SupervisionCase, TargetKind


@dataclass(frozen=True, slots=True)
class Closed:
    close: int
    cases: dict[str, UUID]  # cadre -> the bottom case this close opened


def freeze(scheme: Scheme, books: list[PointsBook]) -> list[dict[str, Any]]:
    """The ranking a close freezes: one row per book of the scheme — cadre, book, category,
    annual total, dense rank in the category, whether in the category's bottom and top
    shares (ties at the cut-off included, ledger/points/ranking.py) — ordered by category,
    rank, cadre."""
    rows: list[dict[str, Any]] = []
    for category in sorted({b.category for b in books}):
        members = {b.cadre: b.total_tenths for b in books if b.category == category}
        ranks = dense_ranks(members)
        bottom = bottom_share(members, scheme.bottom_share_percent)
        top = top_share(members, scheme.excellent_share_percent)
        rows += sorted(
            (
                {
                    "cadre": book.cadre,
                    "book": str(book.id),
                    "category": category,
                    "total_tenths": book.total_tenths,
                    "rank": ranks[book.cadre],
                    "bottom": book.cadre in bottom,
                    "top": book.cadre in top,
                }
                for book in books
                if book.category == category
            ),
            key=lambda row: (row["rank"], row["cadre"]),
        )
    return rows


def erased_subjects(ledger: Ledger) -> list[str]:
    """The id of every subject erased so far, one per stored ``subject.Erased`` record (a
    subject is erased once), in log order."""
    return [r["stream"] for r in stored_records(ledger.app.recorder, [Subject.Erased.TOPIC])]


def scheme_books(ledger: Ledger, scheme: UUID) -> list[PointsBook]:
    """Every book of ``scheme`` (a scan of the log)."""
    app = ledger.app
    books = (app.get(PointsBook, b) for b in app.streams_of(PointsBook.Opened.TOPIC))
    return [b for b in books if b.scheme == str(scheme)]


def close_year(ledger: Ledger, scheme_id: UUID, actor: Actor) -> Closed:
    """Close the scheme's year (role organisation department): seal every book, then record
    the ranking of the books whose cadre is not erased and open one bottom case per newly
    bottom-ranked cadre, in one transaction (with a seal for any book opened meanwhile)."""
    app = ledger.app
    scheme = app.get(Scheme, scheme_id)
    scheme.require_closable(actor, ledger.clock())
    close = scheme.closes + 1
    with idempotency.deferred():  # a request's key goes with the close's commit, not a seal
        for book in scheme_books(ledger, scheme_id):
            app.update(PointsBook, book.id, lambda b: _seal(b, close, actor, ledger.clock()))

    def attempt() -> Closed:
        moment = ledger.clock()
        scheme = app.get(Scheme, scheme_id)
        streams = app.streams_of(PointsBook.Opened.TOPIC)
        books = [b for b in (app.get(PointsBook, s) for s in streams) if b.scheme == str(scheme_id)]
        late = [b for b in books if b.sealed != close]  # opened while the seals went in
        for book in late:
            book.seal(close, actor, moment)
        erased = erased_subjects(ledger)
        gone = set(erased)
        ranking = freeze(scheme, [b for b in books if b.cadre not in gone])
        newly = scheme.close_year(ranking=ranking, actor=actor, moment=moment)
        row_of = {row["cadre"]: row for row in ranking}
        percent = scheme.bottom_share_percent
        cases: dict[str, SupervisionCase] = {}
        for cadre in newly:
            row = row_of[cadre]
            cases[cadre] = SupervisionCase.open(
                id=ledger.new_id(),
                target_kind=TargetKind.CADRE,
                target=cadre,
                reason=Reason.BOTTOM_RANKING,
                detail=(
                    f"{scheme.year}年度积分处于同类别后{percent}%：{row['category']} 第"
                    f"{row['rank']}名，{format_points(row['total_tenths'])}分"
                ),
                county=scheme.county,
                trigger=YEAR_CLOSE_RULE,
                source=f"{scheme_id}/close-{close}",
                actor=actor,
                moment=moment,
            )
        with guards.expecting(
            guards.topic_count(PointsBook.Opened.TOPIC, len(streams)),
            guards.topic_count(Subject.Erased.TOPIC, len(erased)),
        ):
            app.save(scheme, *cases.values(), *late)  # no book opened, no cadre erased since
        return Closed(close, {c: case.id for c, case in cases.items()})

    return retry_on_conflict(attempt)


def _seal(book: PointsBook, close: int, actor: Actor, moment: datetime) -> None:
    if book.sealed != close:  # a close resumed after an interruption skips sealed books
        book.seal(close, actor, moment)


def reopen_year(ledger: Ledger, scheme_id: UUID, reason: str, actor: Actor) -> int:
    """Reopen the closed year with its reason (role organisation department), unsealing every
    book in the same transaction; returns the close that was reopened."""

    def attempt() -> int:
        app, moment = ledger.app, ledger.clock()
        scheme = app.get(Scheme, scheme_id)
        scheme.reopen_year(reason, actor, moment)
        books = scheme_books(ledger, scheme_id)
        for book in books:
            if book.sealed != scheme.closes:
                raise RuleViolation(
                    "points.year_closed", f"book {book.id} is not sealed by close {scheme.closes}"
                )
            book.unseal(scheme.closes, actor, moment)
        app.save(scheme, *books)
        return scheme.closes

    return retry_on_conflict(attempt)
