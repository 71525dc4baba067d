"""Transparency log costs: integration, commit-to-inclusion latency, append path, proofs.

1. integrate: --records BenchItem events are stored first (aggregates of 10, one save each),
   then ``LogStore.integrate()`` alone is timed: leaves/s.
2. latency: a LogFollower runs (interval 0.2 s, the server's default, and 0.05 s) while
   --saves single saves are made ~20 ms apart; for each, the time from ``app.save()``
   returning until ``leaf_of(stream, version)`` finds its leaf (polled every 2 ms in the main
   thread): median, p95 and max in ms.
3. append+log: bench/append.py's batched workload (aggregates of 10 events, one save each)
   on the ledger with a LogFollower (interval 0.05 s) running, the clock stopped only when
   the log's size covers every stored record, against plain eventsourcing (no log); also
   the ledger without the log for reference. Medians of --repeat runs after a warm-up,
   alternating order. Target: ledger+log >= 0.8x plain.
4. proofs: hash tiles built directly from synthetic leaves (leaf data ``leaf {i}``) of
   100k and 1M leaves (1M skipped with --quick); 200 inclusion proofs at random indexes,
   200 consistency proofs between random sizes and 200 roots at random sizes: median and
   p95 ms each. Some proofs are verified against roots computed independently while the
   table was built. Target: inclusion proof <= 10 ms at 1M leaves.

SQLite always (files in a temp dir); PostgreSQL too if GONGSHI_TEST_DATABASE_URL is set
(fresh schemas gongshi_bench_<hex>, dropped at the end).

5. with --sizes N,M,...: only this, bench/log_sizes.py: proofs, consistency proofs and tiles
   (p50/p99) read from a fresh LogStore over a synthetic log of each size, and the
   integration rate of --records real records appended at that size (size 0: the
   baseline). Target: inclusion and consistency p99 <= 5 ms at 10M leaves; integration
   leaves/s the same at every size. --backend sqlite|postgresql limits the databases.

    python bench/log.py [--records N] [--repeat N] [--quick]
    python bench/log.py --sizes 0,1000000,10000000 [--backend postgresql] [--records 5000]
"""

from __future__ import annotations

import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from argparse import ArgumentParser, Namespace
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from uuid import uuid4

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg
from append import (
    EVENTS_PER_AGGREGATE,
    PlainApp,
    Side,
    batched,
    compare,
    ledger_change,
    ledger_create,
    plain_change,
    plain_create,
)
from log_sizes import enrol

from ledger.app import LedgerApp, open_app
from ledger.db import SqlDatabase, ensure_schema
from ledger.log import tree
from ledger.log.follower import LogFollower
from ledger.log.store import TILE_HEIGHT, TILE_WIDTH, LogStore, tile_key
from ledger.settings import Database, parse_database_url
from verify.merkle import CompactRange, leaf_hash, verify_consistency, verify_inclusion

POLL = 0.002  # seconds between checks of the log from the main thread
SPACING = 0.02  # seconds between single saves in the latency runs
PROOFS = 200  # timed proofs (and roots) per kind and tree size


def ms(seconds: Iterable[float]) -> str:
    """Median, p95 and max of ``seconds``, in ms."""
    values = sorted(seconds)
    p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
    median, top = statistics.median(values), values[-1]
    return f"median {median * 1e3:6.2f}  p95 {p95 * 1e3:6.2f}  max {top * 1e3:6.2f} ms"


def wait_until(done: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.perf_counter() + timeout
    while not done():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"the log did not catch up within {timeout} s")
        time.sleep(POLL)


@contextmanager
def following(store: LogStore, interval: float) -> Iterator[LogFollower]:
    """A running LogFollower; stopped at the end, and its error (if any) raised."""
    follower = LogFollower(store, interval).start()
    try:
        yield follower
    finally:
        follower.stop()
    if follower.error is not None:
        raise follower.error


# --- 1. integration throughput -------------------------------------------------------------


def bench_integrate(kind: str, app: LedgerApp, store: LogStore, records: int) -> None:
    ledger = Side(ledger_create, ledger_change, app.save)
    start = time.perf_counter()
    stored = batched(ledger, records // EVENTS_PER_AGGREGATE)
    saving = time.perf_counter() - start
    start = time.perf_counter()
    added = store.integrate()
    elapsed = time.perf_counter() - start
    if added != stored or store.state().size != stored:
        raise AssertionError(f"integrated {added} of {stored} records")
    print(
        f"{kind:<10} integrate {added:,} records  {added / elapsed:>9,.0f} leaves/s"
        f"   ({elapsed:.2f} s; storing them took {saving:.2f} s, {stored / saving:,.0f} ev/s)"
    )


# --- 2. latency from commit to inclusion ---------------------------------------------------


def latencies(app: LedgerApp, store: LogStore, interval: float, saves: int) -> list[float]:
    """Seconds from each save returning until its leaf is in the log; saves SPACING apart."""
    found: list[float] = []
    pending: deque[tuple[str, int, float]] = deque()  # stream, version, acknowledged at
    made, next_save = 0, time.perf_counter()
    with following(store, interval):
        while made < saves or pending:
            if made < saves and time.perf_counter() >= next_save:
                item = ledger_create(made)
                app.save(item)
                pending.append((str(item.id), item.version, time.perf_counter()))
                made += 1
                next_save += SPACING
            # One thread saves, so leaves come in save order: only the oldest needs a look.
            while pending and store.leaf_of(pending[0][0], pending[0][1]) is not None:
                found.append(time.perf_counter() - pending.popleft()[2])
            if pending and time.perf_counter() - pending[0][2] > 30:
                raise TimeoutError(f"record {pending[0][0]} not in the log after 30 s")
            time.sleep(POLL)
    return found


# --- 3. append path including integration --------------------------------------------------


@contextmanager
def following_process(database: Database, interval: float) -> Iterator[None]:
    """Run ``gongshi log follow`` (the integrator as its own process) for the duration."""
    env = {**os.environ, "GONGSHI_DATABASE_URL": database.url, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "log", "follow", "--interval", str(interval)],
        env=env, cwd=ROOT, stdout=subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    process.stdout.readline()  # started
    try:
        yield
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def batched_logged(side: Side, store: LogStore, n: int, phases: list[tuple[float, float]]) -> int:
    """``batched``, then wait until the log holds every stored record. Appends to ``phases``
    (seconds saving, seconds from the last save until the log had every record)."""
    stored = store.state().size  # caught up: the previous run waited for its records
    start = time.perf_counter()
    events = batched(side, n)
    saved = time.perf_counter()
    wait_until(lambda: store.state().size >= stored + events)
    phases.append((saved - start, time.perf_counter() - saved))
    return events


def bench_append(
    kind: str, app: LedgerApp, store: LogStore, plain: PlainApp, args: Namespace
) -> None:
    p = Side(plain_create, plain_change, plain.save)
    g = Side(ledger_create, ledger_change, app.save)
    n, repeat = args.aggregates, args.repeat
    compare(f"{kind:<10} batched, no log", partial(batched, p, n), partial(batched, g, n), repeat)
    store.integrate()  # the records above, so the follower starts caught up
    phases: list[tuple[float, float]] = []
    with following(store, 0.05):
        compare(
            f"{kind:<10} batched+log(0.05)",
            partial(batched, p, n),
            partial(batched_logged, g, store, n, phases),
            repeat,
        )
    _print_split(kind, "in-process follower", n, phases)
    store.integrate()
    phases = []
    with following_process(store.db.database, 0.05):
        compare(
            f"{kind:<10} batched+log(process)",
            partial(batched, p, n),
            partial(batched_logged, g, store, n, phases),
            repeat,
        )
    _print_split(kind, "`gongshi log follow` process", n, phases)


def _print_split(kind: str, how: str, n: int, phases: list[tuple[float, float]]) -> None:
    saving = statistics.median(s for s, _ in phases[1:])  # without the warm-up
    tail = statistics.median(t for _, t in phases[1:])
    print(
        f"{kind:<10} {how}, split (median): saving {saving * 1e3:.0f} ms"
        f" ({n * EVENTS_PER_AGGREGATE / saving:,.0f} ev/s), then {tail * 1e3:.0f} ms"
        " until the log had every record"
    )


def bench_ledger(kind: str, ledger_db: Database, plain_db: Database, args: Namespace) -> None:
    app = open_app(ledger_db)
    ensure_schema(plain_db)
    plain = PlainApp(env=plain_db.eventsourcing_env())
    sql = SqlDatabase(ledger_db)
    try:
        store = LogStore(sql, app.recorder)
        enrol(app)
        store.integrate()
        bench_integrate(kind, app, store, args.records)
        for interval in (0.2, 0.05):
            found = latencies(app, store, interval, args.saves)
            print(
                f"{kind:<10} commit->leaf, follower {interval:.2f} s  {ms(found)}  n={len(found)}"
            )
        bench_append(kind, app, store, plain, args)
    finally:
        sql.close()
        app.close()
        plain.close()


# --- 4. proof generation -------------------------------------------------------------------

INSERT_TILE = "INSERT INTO gongshi_log_tiles (id, hashes) VALUES (?, ?)"


def build_tiles(size: int, marks: set[int]) -> tuple[dict[int, bytes], dict[int, bytes]]:
    """Leaves ``leaf {i}`` for i < size as C2SP hash tiles {tile key: hashes}; also the roots
    (computed by CompactRange, not from the tiles) at the sizes ``marks`` and ``size``."""
    compact = CompactRange()
    roots: dict[int, bytes] = {}
    tiles: dict[int, bytearray] = {}
    wanted = marks | {size}

    def on_node(level: int, index: int, value: bytes) -> None:
        if level % TILE_HEIGHT == 0:
            key = tile_key(level // TILE_HEIGHT, index // TILE_WIDTH)
            tiles.setdefault(key, bytearray()).extend(value)

    for i in range(size):
        compact.append(leaf_hash(f"leaf {i}".encode()), on_node)
        if compact.size in wanted:
            roots[compact.size] = compact.root()
    return {k: bytes(v) for k, v in tiles.items()}, roots


def load_tiles(store: LogStore, size: int, marks: set[int]) -> tuple[int, dict[int, bytes]]:
    tiles, roots = build_tiles(size, marks)
    with store.db.transaction() as cur:
        cur.executemany(INSERT_TILE, sorted(tiles.items()))
    return len(tiles), roots


def timed(op: Callable[[], object]) -> float:
    start = time.perf_counter()
    op()
    return time.perf_counter() - start


def bench_proofs(kind: str, database: Database, size: int) -> None:
    app = open_app(database)  # LogStore wants a recorder; integration is not used here
    sql = SqlDatabase(database)
    try:
        store = LogStore(sql, app.recorder)
        rng = random.Random(size)
        marks = {rng.randrange(1, size) for _ in range(3)} | {1, size // 2}
        start = time.perf_counter()
        nodes, roots = load_tiles(store, size, marks)
        built = time.perf_counter() - start
        fetch = store.fetch

        # The table is right: its roots and proofs check against the independent roots.
        if tree.root(size, fetch) != roots[size]:
            raise AssertionError(f"root({size}) from the table differs from CompactRange's")
        for i in [0, size - 1, *(rng.randrange(size) for _ in range(5))]:
            proof = tree.inclusion_proof(i, size, fetch)
            verify_inclusion(i, size, leaf_hash(f"leaf {i}".encode()), proof, roots[size])
        for old in sorted(marks):
            if tree.root(old, fetch) != roots[old]:
                raise AssertionError(f"root({old}) from the table differs from CompactRange's")
            for new in (m for m in sorted(marks | {size}) if m >= old):
                proof = tree.consistency_proof(old, new, fetch)
                verify_consistency(old, new, proof, roots[old], roots[new])

        indexes = [rng.randrange(size) for _ in range(PROOFS)]
        pairs = [tuple(sorted(rng.sample(range(1, size + 1), 2))) for _ in range(PROOFS)]
        sizes = [rng.randrange(1, size + 1) for _ in range(PROOFS)]
        inclusion = [timed(partial(tree.inclusion_proof, i, size, fetch)) for i in indexes]
        consistency = [timed(partial(tree.consistency_proof, a, b, fetch)) for a, b in pairs]
        rooting = [timed(partial(tree.root, s, fetch)) for s in sizes]
        for a, b in pairs[:5]:  # timed proofs are right too (roots read from the table)
            proof = tree.consistency_proof(a, b, fetch)
            verify_consistency(a, b, proof, tree.root(a, fetch), tree.root(b, fetch))

        label = f"{kind:<10} {size:>9,} leaves"
        print(f"{label}  built {nodes:,} tiles in {built:.1f} s; proofs verified")
        print(f"{label}  inclusion    {ms(inclusion)}")
        print(f"{label}  consistency  {ms(consistency)}")
        print(f"{label}  root(size)   {ms(rooting)}")
    finally:
        sql.close()
        app.close()


# --- 5. costs as the log grows (bench/log_sizes.py) ----------------------------------------


def by_size(args: Namespace) -> None:
    from log_sizes import bench_size

    sizes = [int(float(s)) for s in args.sizes.split(",")]
    records = args.records or 5000
    url = os.environ.get("GONGSHI_TEST_DATABASE_URL")
    print(f"5: reads from a fresh LogStore ({args.proofs} each) and integration of {records:,}"
          " records at each size; target p99 <= 5 ms at 10M, leaves/s flat")  # fmt: skip
    began = time.perf_counter()
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="gongshi-bench-") as tmp:
            for size in sizes:
                db = parse_database_url(f"sqlite:///{tmp}/log-{size}.db")
                bench_size("sqlite", db, size, args.proofs, records)
    if url and args.backend in ("postgresql", "both"):
        for size in sizes:
            schema, db = fresh_schema(url)
            try:
                bench_size("postgresql", db, size, args.proofs, records)
            finally:
                drop_schema(db, schema)
    print(f"total {time.perf_counter() - began:.0f} s")


# --- main ----------------------------------------------------------------------------------


def fresh_schema(url: str) -> tuple[str, Database]:
    schema = f"gongshi_bench_{uuid4().hex[:12]}"
    return schema, parse_database_url(f"{url.split('?')[0]}?schema={schema}")


def drop_schema(database: Database, schema: str) -> None:
    with psycopg.connect(database.psycopg_conninfo(), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def main() -> None:
    parser = ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, help="records to integrate (default 20000)")
    parser.add_argument("--saves", type=int, help="single saves per latency run (default 100)")
    parser.add_argument("--aggregates", type=int, default=300, help="append: aggregates of 10")
    parser.add_argument("--repeat", type=int, default=5, help="timed append runs (median)")
    parser.add_argument("--quick", action="store_true", help="fewer records, no 1M-leaf tree")
    parser.add_argument("--sizes", help="only the log-size run (5.): comma-separated sizes")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--proofs", type=int, default=1000, help="timed reads per kind (5.)")
    args = parser.parse_args()
    if args.sizes:
        by_size(args)
        return
    args.records = args.records or (5000 if args.quick else 20_000)
    args.saves = args.saves or (50 if args.quick else 100)
    sizes = [100_000] if args.quick else [100_000, 1_000_000]
    url = os.environ.get("GONGSHI_TEST_DATABASE_URL")
    began = time.perf_counter()

    print("1-3: integration (leaves/s), commit-to-leaf latency, append path with the log")
    print(f"     append: ev/s, median of {args.repeat} runs after a warm-up; target ratio >= 0.8")
    with tempfile.TemporaryDirectory(prefix="gongshi-bench-") as tmp:
        ledger_db = parse_database_url(f"sqlite:///{tmp}/ledger.db")
        plain_db = parse_database_url(f"sqlite:///{tmp}/plain.db")
        bench_ledger("sqlite", ledger_db, plain_db, args)
    if url:  # one fresh schema: gongshi_events (with the log) and plainbench_events
        schema, db = fresh_schema(url)
        try:
            bench_ledger("postgresql", db, db, args)
        finally:
            drop_schema(db, schema)

    print(f"4: proofs from a node table, {PROOFS} each per size; target inclusion <= 10 ms at 1M")
    with tempfile.TemporaryDirectory(prefix="gongshi-bench-") as tmp:
        for size in sizes:
            bench_proofs("sqlite", parse_database_url(f"sqlite:///{tmp}/nodes-{size}.db"), size)
    if url:
        for size in sizes:
            schema, db = fresh_schema(url)
            try:
                bench_proofs("postgresql", db, size)
            finally:
                drop_schema(db, schema)
    print(f"total {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
