"""Append throughput: the Gongshi ledger against a plain eventsourcing Application.

Both sides append the same shapes of events (amount_fen int, note str with Chinese text) to
the same kind of store in one run. SQLite: each side gets its own temp file. PostgreSQL (when
GONGSHI_TEST_DATABASE_URL is set): both sides share one fresh schema, dropped at the end; the
ledger writes gongshi_events, the plain app plainbench_events. Figures are the median of
--repeat runs, plain and ledger alternating which goes first. Target: ledger >= 0.8x plain.

    python bench/append.py [--aggregates N] [--singles N] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
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
from ledger.settings import Database, parse_database_url
from verify.record import GENESIS_PREV, record_hash

EVENTS_PER_AGGREGATE = 10  # 1 created + 9 changed
NOTES = ["电话回访，情况稳定", "入户走访，已核实家庭收入", "拨付第二笔救助金，签收完毕"]
ACTOR = Actor("bench-01", Role.FINANCE)


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
    if TYPE_CHECKING:
        amount_fen: int
        note: str

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


def ledger_create(i: int) -> Aggregate:
    now = datetime.now(UTC)
    note = NOTES[i % 3]
    return BenchItem._start(
        BenchItem.Created, id=uuid4(), actor=ACTOR, moment=now, amount_fen=100 + i, note=note
    )


def ledger_change(agg: Any, i: int) -> None:
    now = datetime.now(UTC)
    agg._append(BenchItem.Changed, actor=ACTOR, moment=now, amount_fen=100 + i, note=NOTES[i % 3])


def plain_create(i: int) -> Aggregate:
    return PlainItem._create(PlainItem.Created, id=uuid4(), amount_fen=100 + i, note=NOTES[i % 3])


def plain_change(agg: Any, i: int) -> None:
    agg.trigger_event(PlainItem.Changed, amount_fen=100 + i, note=NOTES[i % 3])


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
    """Just the ledger's extra work per event: canonical record bytes and their hash."""
    stream, prev = uuid4(), GENESIS_PREV
    for i in range(n):
        raw = build_record(
            stream=stream,
            version=i + 1,
            type_name="bench.ItemChanged",
            at=format_at(datetime.now(UTC)),
            actor=ACTOR,
            data={"amount_fen": 100 + i, "note": NOTES[i % 3]},
            prev=prev,
        )
        prev = record_hash(raw)
    return n


def rate(work: Callable[[], int]) -> float:
    start = time.perf_counter()
    events = work()
    return events / (time.perf_counter() - start)


def compare(label: str, plain: Callable[[], int], ledger: Callable[[], int], repeat: int) -> None:
    plain(), ledger()  # warm-up (imports, table creation, statement caches)
    rates: dict[str, list[float]] = {"plain": [], "ledger": []}
    for r in range(repeat):
        order = [("plain", plain), ("ledger", ledger)]
        for name, work in order if r % 2 == 0 else order[::-1]:
            rates[name].append(rate(work))
    p, g = statistics.median(rates["plain"]), statistics.median(rates["ledger"])
    print(f"{label:<30} plain {p:>9,.0f} ev/s   ledger {g:>9,.0f} ev/s   ratio {g / p:.2f}")


def bench_store(kind: str, plain_db: Database, ledger_db: Database, args: Any) -> None:
    ledger_app = open_app(ledger_db)
    ensure_schema(plain_db)
    plain_app = PlainApp(env=plain_db.eventsourcing_env())
    try:
        p = Side(plain_create, plain_change, plain_app.save)
        g = Side(ledger_create, ledger_change, ledger_app.save)
        n, s = args.aggregates, args.singles if kind == "sqlite" else args.pg_singles
        for label, work, count in (
            ("batched(10/save)", batched, n),
            ("single(1/save)", singles, s),
        ):
            compare(
                f"{kind:<10} {label}",
                lambda w=work, c=count: w(p, c),
                lambda w=work, c=count: w(g, c),
                args.repeat,
            )
    finally:
        ledger_app.close()
        plain_app.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--aggregates", type=int, default=300, help="batched: aggregates")
    parser.add_argument("--singles", type=int, default=1000, help="single saves on SQLite")
    parser.add_argument("--pg-singles", type=int, default=500, help="single saves on PostgreSQL")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    args = parser.parse_args()
    print(f"median of {args.repeat} runs; {EVENTS_PER_AGGREGATE} events per aggregate")

    events = args.aggregates * EVENTS_PER_AGGREGATE
    no_save = Side(plain_create, plain_change, lambda agg: agg.collect_events())
    ledger_no_save = Side(ledger_create, ledger_change, lambda agg: agg.collect_events())
    compare(
        "memory     batched(no store)",
        lambda: batched(no_save, args.aggregates),
        lambda: batched(ledger_no_save, args.aggregates),
        args.repeat,
    )
    best = max(rate(lambda: records_only(events)) for _ in range(args.repeat))
    print(f"{'memory     record+hash only':<30} {best:>25,.0f} ev/s (best)")

    with tempfile.TemporaryDirectory(prefix="gongshi-bench-") as tmp:
        plain_db = parse_database_url(f"sqlite:///{tmp}/plain.db")
        ledger_db = parse_database_url(f"sqlite:///{tmp}/ledger.db")
        bench_store("sqlite", plain_db, ledger_db, args)

    url = os.environ.get("GONGSHI_TEST_DATABASE_URL")
    if url:
        schema = f"gongshi_bench_{uuid4().hex[:12]}"
        db = parse_database_url(f"{url.split('?')[0]}?schema={schema}")
        try:
            bench_store("postgresql", db, db, args)
        finally:
            with psycopg.connect(db.psycopg_conninfo(), autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


if __name__ == "__main__":
    main()
