"""The log's read and integration costs as the log grows (issue 16: proofs p99 <= 5 ms
in-process at 10M leaves; integration rate independent of the log's size).

A log of N synthetic leaves (leaf data ``leaf {i}``) is written straight into the log's
tables: its hash tiles (built tile by tile from the leaf hashes, hashlib only, so 10M leaves
take a minute or so, not the hours real records would) and its state (size N). The tree
layer never looks at what the leaves are. Then, with a fresh LogStore (empty caches):

- inclusion: ``tree.inclusion_proof(i, N)`` at random i, with the state read and the root,
  as ``proofs.inclusion`` does (minus the leaf's record, which a synthetic leaf does not
  have: one primary-key read);
- consistency: ``proofs.consistency(old, new)`` between random sizes (state, two roots,
  proof);
- tile: ``hash_tile`` of a random full level-0 tile;
- hot: the same inclusion proof again and again (the cached path);

p50/p99/max ms each, and the tile cache's hit ratio. Some proofs are verified against the
root (verify.merkle, which recomputes it from the leaf's own hash).

Integration at size N: the log is made to start at N synthetic leaves (an offsets row maps
leaf N to the first stored record), --records real BenchItem records are stored, and
``LogStore.integrate()`` alone is timed: leaves/s, to compare with the same run at N = 0.

    python bench/log.py --sizes 1000000,10000000 [--postgres-only]
"""

from __future__ import annotations

import hashlib
import random
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import Any

from append import (
    ACTOR,
    ADMIN,
    EVENTS_PER_AGGREGATE,
    Side,
    batched,
    ledger_change,
    ledger_create,
    now,
)

from ledger.actor import Role
from ledger.app import LedgerApp, open_app
from ledger.db import SqlDatabase
from ledger.log import proofs, tree
from ledger.log.store import TILE_WIDTH, LogStore, tile_key
from ledger.log.tiles import TileId, hash_tile
from ledger.principal import Scope, enrolment
from ledger.settings import Database
from verify.merkle import leaf_hash, verify_inclusion

INSERT_TILE = "INSERT INTO gongshi_log_tiles (id, hashes) VALUES (?, ?)"
ROWS_PER_TRANSACTION = 500


def enrol(app: LedgerApp) -> int:
    """Enrol bench/append.py's actors (the ledger checks every actor); returns the records."""
    for account, role in ((ADMIN.principal, Role.ADMIN), (ACTOR.principal, Role.FINANCE)):
        app.save(enrolment(account, role, Scope(), ADMIN, now()))
    return 2


def percentiles(seconds: list[float]) -> str:
    values = sorted(seconds)

    def at(q: float) -> float:
        return values[min(len(values) - 1, round(q * (len(values) - 1)))] * 1e3

    return f"p50 {at(0.5):6.2f}  p99 {at(0.99):6.2f}  max {values[-1] * 1e3:6.2f} ms"


def _tile_root(hashes: list[bytes]) -> bytes:
    sha = hashlib.sha256
    while len(hashes) > 1:
        hashes = [
            sha(b"\x01" + hashes[i] + hashes[i + 1]).digest() for i in range(0, len(hashes), 2)
        ]
    return hashes[0]


def synthetic_tiles(size: int) -> Iterator[tuple[int, bytes]]:
    """(tile key, hashes) of every tile of the tree of leaves ``leaf {i}``, i < size."""
    sha = hashlib.sha256
    level, count = 0, size
    above: list[bytes] = []  # hashes of tree level 8·level (level > 0)
    while count > 0:
        nxt: list[bytes] = []
        for n in range(0, count, TILE_WIDTH):
            if level == 0:
                hashes = [
                    sha(b"\x00leaf %d" % i).digest() for i in range(n, min(n + TILE_WIDTH, count))
                ]
            else:
                hashes = above[n : n + TILE_WIDTH]
            if len(hashes) == TILE_WIDTH:
                nxt.append(_tile_root(hashes))
            yield tile_key(level, n // TILE_WIDTH), b"".join(hashes)
        level, count, above = level + 1, len(nxt), nxt


def load_synthetic(store: LogStore, size: int) -> int:
    """Write the tiles and the state of a ``size``-leaf synthetic log; returns the tiles.
    Leaf ``size`` will be notification 1, the first stored record (offset 1 - size)."""
    rows: list[tuple[int, bytes]] = []
    written = 0

    def flush() -> None:
        with store.db.transaction() as cur:
            cur.executemany(INSERT_TILE, rows)
        rows.clear()

    for row in synthetic_tiles(size):
        rows.append(row)
        written += 1
        if len(rows) >= ROWS_PER_TRANSACTION:
            flush()
    flush()
    with store.db.transaction() as cur:
        cur.execute("UPDATE gongshi_log_state SET size = ?, position = 0 WHERE id = 1", (size,))
        cur.execute("INSERT INTO gongshi_log_offsets (idx, notification_id) VALUES (0, ?)",
                    (1 - size,))  # fmt: skip
    return written


def _timed(op: Callable[[], object]) -> float:
    start = time.perf_counter()
    op()
    return time.perf_counter() - start


def _inclusion(store: LogStore, index: int, size: int) -> list[bytes]:
    """What proofs.inclusion reads and computes, but for the leaf's record (one more
    statement on the same connection: a primary-key read)."""
    with store.reading():
        have = store.state().size
        assert 0 <= index < size <= have
        nodes = tree.nodes_for_inclusion(index, size)
        if not store.knows_root(size):
            nodes |= tree.nodes_for_root(size)
        fetch = store.prefetch(nodes)
        store.root(size, fetch)
        return tree.inclusion_proof(index, size, fetch)


class Counted:
    """Counts the statements a LogStore sends (``store.query`` wrapped)."""

    def __init__(self, store: LogStore) -> None:
        self.statements = 0
        inner = store.query

        def query(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
            self.statements += 1
            return inner(sql, params)

        store.query = query  # type: ignore[method-assign]


def _both(op: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and this process's CPU seconds of ``op`` (CPU: what contention on a
    shared machine inflates least)."""
    wall, cpu = time.perf_counter(), time.process_time()
    op()
    return time.perf_counter() - wall, time.process_time() - cpu


def measure_reads(kind: str, store: LogStore, size: int, count: int) -> None:
    rng = random.Random(size)
    label = f"{kind:<10} {size:>10,} leaves"
    root = tree.root(size, store.fetch)
    for i in [0, size - 1, *(rng.randrange(size) for _ in range(8))]:
        proof = tree.inclusion_proof(i, size, store.fetch)
        verify_inclusion(i, size, leaf_hash(b"leaf %d" % i), proof, root)
    store.tile_cache.clear()
    store._roots.clear()
    counted = Counted(store)
    indexes = [rng.randrange(size) for _ in range(count)]
    both = [_both(partial(_inclusion, store, i, size)) for i in indexes]
    inclusion = [wall for wall, _ in both]
    per_proof = counted.statements / count
    cpu = statistics.median(used for _, used in both)
    cache = store.tile_cache
    hit = cache.hits / max(1, cache.hits + cache.misses)
    pairs = [sorted(rng.sample(range(1, size + 1), 2)) for _ in range(count)]
    consistency = [_timed(partial(proofs.consistency, store, a, b)) for a, b in pairs]
    full_tiles = size // TILE_WIDTH
    tiles = [
        _timed(partial(hash_tile, store, TileId(0, rng.randrange(full_tiles), TILE_WIDTH)))
        for _ in range(count)
    ]
    hot = [_timed(partial(_inclusion, store, indexes[0], size)) for _ in range(count)]
    print(f"{label}  inclusion    {percentiles(inclusion)}  (cold start; tile hits {hit:.0%})")
    print(
        f"{label}  inclusion    {per_proof:.2f} statements/proof (PostgreSQL: on one connection),"
        f" CPU {cpu * 1e3:.2f} ms/proof (median, this process)"
    )
    print(f"{label}  consistency  {percentiles(consistency)}  (random old < new)")
    print(f"{label}  tile 0/N     {percentiles(tiles)}  (random full level-0 tile)")
    print(f"{label}  hot proof    {percentiles(hot)}  (the same proof again)")
    print(f"{label}  tile cache   {len(cache):,} tiles, {cache.held_bytes() / 2**20:.1f} MiB")


def measure_integration(
    kind: str, store: LogStore, save: Callable[..., object], records: int, size: int, more: int
) -> float:
    """Store ``records`` and time their integration (``more`` records were stored before)."""
    side = Side(ledger_create, ledger_change, save)
    stored = batched(side, records // EVENTS_PER_AGGREGATE) + more
    start = time.perf_counter()
    added = store.integrate()
    elapsed = time.perf_counter() - start
    if added != stored or store.state().size != size + stored:
        raise AssertionError(f"integrated {added} of {stored} records onto {size}")
    rate = added / elapsed
    print(f"{kind:<10} {size:>10,} leaves  integrate {added:,} records  {rate:>9,.0f} leaves/s")
    return rate


def bench_size(kind: str, database: Database, size: int, count: int, records: int) -> None:
    app = open_app(database)
    sql = SqlDatabase(database)
    try:
        store = LogStore(sql, app.recorder)
        enrolled = enrol(app)  # not integrated yet: leaves size and size + 1
        if size:
            start = time.perf_counter()
            written = load_synthetic(store, size)
            took = time.perf_counter() - start
            print(f"{kind:<10} {size:>10,} leaves  loaded {written:,} tiles in {took:.0f} s")
            measure_reads(kind, store, size, count)
        measure_integration(kind, store, app.save, records, size, enrolled)
    finally:
        sql.close()
        app.close()
