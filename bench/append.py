"""Append throughput: the Gongshi ledger against a plain eventsourcing Application.

Both append the same event shapes (amount_fen int, note str in Chinese) to the same kind of
store. SQLite: one temp file per side. PostgreSQL (if GONGSHI_TEST_DATABASE_URL is set): one
fresh schema holding gongshi_events and plainbench_events, dropped at the end. Figures are
medians of --repeat runs, plain and ledger alternating. Target (issue 16): ledger >= 0.9x
plain on each figure. The ledger's actor is enrolled first (every record's actor must be an
enrolled principal: ledger/principal.py), so its saves include the registry check and guard.

    python bench/append.py [--aggregates N] [--singles N] [--repeat N]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from argparse import ArgumentParser, Namespace
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import uuid4

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate

from ledger.actor import Actor, Role
from ledger.app import open_app
from ledger.chained import LedgerAggregate, build_record
from ledger.clock import format_at
from ledger.db import ensure_schema
from ledger.principal import Scope, enrolment
from ledger.settings import Database, parse_database_url
from verify.record import GENESIS_PREV, record_hash

TARGET = 0.9  # ledger / plain, each stored figure (issue 16)
EVENTS_PER_AGGREGATE = 10  # 1 created + 9 changed
NOTES = ["电话回访，情况稳定", "入户走访，已核实家庭收入", "拨付第二笔救助金，签收完毕"]
ACTOR = Actor("bench-01", Role.FINANCE)
ADMIN = Actor("bench-admin", Role.ADMIN)  # bootstraps the empty registry, enrols ACTOR
now = partial(datetime.now, UTC)


class BenchItem(LedgerAggregate):
    if TYPE_CHECKING:
        amount_fen: int
        note: str

    class Created(LedgerAggregate.Created):
        TOPIC = "bench.ItemCreated"
        amount_fen: int
        note: str

        def assign(self, aggregate: Any) -> None:
            aggregate.amount_fen = self.amount_fen
            aggregate.note = self.note

    class Changed(LedgerAggregate.Event):
        TOPIC = "bench.ItemChanged"
        amount_fen: int
        note: str

        def assign(self, aggregate: Any) -> None:
            aggregate.amount_fen = self.amount_fen
            aggregate.note = self.note


class PlainItem(Aggregate):
    class Created(Aggregate.Created):
        amount_fen: int
        note: str

        def apply(self, aggregate: Any) -> None:
            aggregate.amount_fen = self.amount_fen
            aggregate.note = self.note

    class Changed(Aggregate.Event):
        amount_fen: int
        note: str

        def apply(self, aggregate: Any) -> None:
            aggregate.amount_fen = self.amount_fen
            aggregate.note = self.note


class PlainApp(Application[Any]):
    name = "plainbench"


def data(i: int) -> dict[str, Any]:
    return {"amount_fen": 100 + i, "note": NOTES[i % 3]}


def ledger_create(i: int) -> Aggregate:
    return BenchItem._start(BenchItem.Created, id=uuid4(), actor=ACTOR, moment=now(), **data(i))


def ledger_change(agg: Any, i: int) -> None:
    agg._append(BenchItem.Changed, actor=ACTOR, moment=now(), **data(i))


def plain_create(i: int) -> Aggregate:
    return PlainItem._create(PlainItem.Created, id=uuid4(), **data(i))


def plain_change(agg: Any, i: int) -> None:
    agg.trigger_event(PlainItem.Changed, **data(i))


@dataclass
class Side:
    create: Callable[[int], Aggregate]
    change: Callable[[Any, int], None]
    save: Callable[[Aggregate], object]


def batched(side: Side, n: int) -> int:
    """n aggregates of EVENTS_PER_AGGREGATE events, one save per aggregate; events appended."""
    for i in range(n):
        agg = side.create(i)
        for j in range(1, EVENTS_PER_AGGREGATE):
            side.change(agg, j)
        side.save(agg)
    return n * EVENTS_PER_AGGREGATE


def singles(side: Side, n: int) -> int:
    """n events, one save per event (a new aggregate every EVENTS_PER_AGGREGATE events)."""
    agg: Any = None
    for i in range(n):
        if i % EVENTS_PER_AGGREGATE == 0:
            agg = side.create(i)
        else:
            side.change(agg, i)
        side.save(agg)
    return n


def records_only(n: int) -> int:
    """Only the ledger's extra work per event: the canonical record bytes and their hash."""
    stream, prev = uuid4(), GENESIS_PREV
    for i in range(n):
        raw = build_record(
            stream=stream, version=i + 1, type_name="bench.ItemChanged", at=format_at(now()),
            actor=ACTOR, data=data(i), prev=prev,
        )  # fmt: skip
        prev = record_hash(raw)
    return n


def rate(work: Callable[[], int]) -> float:
    start = time.perf_counter()
    events = work()
    return events / (time.perf_counter() - start)


def compare(label: str, plain: Callable[[], int], ledger: Callable[[], int], repeat: int) -> None:
    """Warm up both, then time them alternately (plain first on even runs); print medians."""
    plain(), ledger()
    rates: dict[str, list[float]] = {"plain": [], "ledger": []}
    for r in range(repeat):
        order = [("plain", plain), ("ledger", ledger)]
        for name, work in order if r % 2 == 0 else order[::-1]:
            rates[name].append(rate(work))
    p, g = statistics.median(rates["plain"]), statistics.median(rates["ledger"])
    verdict = f"target >= {TARGET}: {'met' if g / p >= TARGET else 'NOT met'}"
    print(
        f"{label:<30} plain {p:>9,.0f} ev/s   ledger {g:>9,.0f} ev/s   ratio {g / p:.2f}"
        + ("" if label.startswith("memory") else f" ({verdict})")
    )


def bench_store(kind: str, plain_db: Database, ledger_db: Database, args: Namespace) -> None:
    ledger_app = open_app(ledger_db)
    for account, role in ((ADMIN.principal, Role.ADMIN), (ACTOR.principal, Role.FINANCE)):
        ledger_app.save(enrolment(account, role, Scope(), ADMIN, now()))  # every actor enrolled
    ensure_schema(plain_db)
    plain_app = PlainApp(env=plain_db.eventsourcing_env())
    try:
        p = Side(plain_create, plain_change, plain_app.save)
        g = Side(ledger_create, ledger_change, ledger_app.save)
        singles_n = args.singles if kind == "sqlite" else args.pg_singles
        for label, work, n in (
            ("batched(10/save)", batched, args.aggregates),
            ("single(1/save)", singles, singles_n),
        ):
            compare(f"{kind:<10} {label}", partial(work, p, n), partial(work, g, n), args.repeat)
    finally:
        ledger_app.close()
        plain_app.close()


def main() -> None:
    parser = ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--aggregates", type=int, default=300, help="batched: aggregates of 10")
    parser.add_argument("--singles", type=int, default=1000, help="single saves on SQLite")
    parser.add_argument("--pg-singles", type=int, default=500, help="single saves on PostgreSQL")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per figure (median)")
    args = parser.parse_args()
    print(f"median of {args.repeat} runs, after one warm-up; events/s, higher is better")

    mem_plain = Side(plain_create, plain_change, lambda agg: agg.collect_events())
    mem_ledger = Side(ledger_create, ledger_change, lambda agg: agg.collect_events())
    n = args.aggregates
    compare("memory     batched(no store)", partial(batched, mem_plain, n),
            partial(batched, mem_ledger, n), args.repeat)  # fmt: skip
    events = n * EVENTS_PER_AGGREGATE
    hashing = statistics.median(rate(partial(records_only, events)) for _ in range(args.repeat))
    print(f"{'memory     record+hash only':<30} {'':>23}ledger {hashing:>9,.0f} ev/s")

    with tempfile.TemporaryDirectory(prefix="gongshi-bench-") as tmp:  # one file per side
        plain_db = parse_database_url(f"sqlite:///{tmp}/plain.db")
        ledger_db = parse_database_url(f"sqlite:///{tmp}/ledger.db")
        bench_store("sqlite", plain_db, ledger_db, args)

    url = os.environ.get("GONGSHI_TEST_DATABASE_URL")
    if url:  # one fresh schema: gongshi_events and plainbench_events side by side
        schema = f"gongshi_bench_{uuid4().hex[:12]}"
        db = parse_database_url(f"{url.split('?')[0]}?schema={schema}")
        try:
            bench_store("postgresql", db, db, args)
        finally:
            with psycopg.connect(db.psycopg_conninfo(), autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


if __name__ == "__main__":
    main()
