"""The log's tables and its integrator: stored records become leaves, exactly once.

    gongshi_log_state       (id = 1, size, position): leaves so far, last notification id
    gongshi_log_tiles       (id = level << 48 | index, hashes): C2SP tlog-tiles hash tiles
    gongshi_log_offsets     (idx, notification_id): where leaf index -> notification id jumps
    gongshi_log_checkpoints (size, root, note, signed_at): every signed checkpoint, its note
                            as the log signed it (text, blank line, the log's signature)
    gongshi_log_cosignatures (size, name, key_id, timestamp, line): verified witness
                            cosignature lines, one per (size, key name, key ID)
    gongshi_log_witnessed   (size, witnessed_at): checkpoints whose stored cosignatures
                            satisfied the log's policy (rows are never removed)
    gongshi_log_witness_status (name, state, detail, cosigned_size, updated_at): what each
                            policy witness last answered (ledger/log/witness_status.py)
    gongshi_log_submission_leases (url, owner, until): which process submits to a witness

Tiles hold the tree as c2sp.org/tlog-tiles lays it out: the tile at tile level L and index N
holds up to 256 consecutive hashes of tree level 8·L, nodes N·256 onwards; a partial
(rightmost) tile grows until it is full and then never changes. Any perfect subtree
(level 8·L + r, index i) is the hash over 2^r hashes of one tile, so roots and proofs need
O(log n) tiles, read in one query; tiles read outside a transaction are kept in an
in-process cache (ledger/log/tilecache.py), so hot proofs and tiles read no tile at all,
and a random proof reads at most its leaf's tile. Leaf i's record is notification
``offset + i`` where the offset changes only at gaps in the notification ids (PostgreSQL),
so a row is written per gap, not per leaf.

One integration step runs in one transaction: take the integration lock (PostgreSQL: an
advisory transaction lock of the ledger's schema, ledger.db.lock_key; SQLite: BEGIN
IMMEDIATE, the file's write lock), read the state, read the records after ``position`` in
notification order (plain SQL on the same connection: never eventsourcing's pool while
holding the lock), write the grown tiles, the new offsets and the new state, commit. A
crash anywhere rolls the step back; two integrators serialise on the lock, and the second
sees the first's state. Leaf data are the records' canonical bytes; a stored record whose
bytes no longer match its stored hash stops integration.

Reading "every record after ``position``" and never looking back is safe only because a
record with a higher notification id never becomes visible before one with a lower id: on
PostgreSQL eventsourcing takes LOCK TABLE ... IN EXCLUSIVE MODE for every insert (which is
why POSTGRES_ENABLE_DB_FUNCTIONS, which drops that lock, can't be set: LedgerApp ignores
the process environment), and SQLite has a single writer. ``gongshi check`` re-derives the
log from the records and would name a skipped record.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from eventsourcing.persistence import ApplicationRecorder

from ledger.db import Cursor, SqlDatabase, schema_lock, xact_lock
from ledger.log.integration import LogIntegrityError as LogIntegrityError
from ledger.log.integration import grow, jumps, read_records
from ledger.log.tilecache import DEFAULT_BYTES, TileCache
from ledger.log.tilecache import LEVEL_SHIFT as LEVEL_SHIFT
from ledger.log.tilecache import TILE_HEIGHT as TILE_HEIGHT
from ledger.log.tilecache import TILE_WIDTH as TILE_WIDTH
from ledger.log.tilecache import tile_key as tile_key
from ledger.log.tree import Fetch, NodeId
from ledger.log.tree import root as tree_root
from ledger.mapper import unpack_state
from verify.merkle import HASH_SIZE, CompactRange, node_hash

K = TypeVar("K")
LOOKUPS = 1 << 16  # cached leaf <-> notification answers (each dict cleared when full)
LOCK = "log"  # the integration (and signing) lock on PostgreSQL, ledger.db.lock_key
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS gongshi_log_state ("
    " id INTEGER PRIMARY KEY, size BIGINT NOT NULL, position BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS gongshi_log_tiles (id BIGINT PRIMARY KEY, hashes BYTEA NOT NULL)",
    "CREATE TABLE IF NOT EXISTS gongshi_log_offsets ("
    " idx BIGINT PRIMARY KEY, notification_id BIGINT NOT NULL UNIQUE)",
    "CREATE TABLE IF NOT EXISTS gongshi_log_checkpoints ("
    " size BIGINT PRIMARY KEY, root BYTEA NOT NULL, note TEXT NOT NULL, signed_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS gongshi_log_cosignatures ("
    " size BIGINT NOT NULL, name TEXT NOT NULL, key_id BIGINT NOT NULL,"
    " timestamp BIGINT NOT NULL, line TEXT NOT NULL, PRIMARY KEY (size, name, key_id))",
    "CREATE TABLE IF NOT EXISTS gongshi_log_witnessed ("
    " size BIGINT PRIMARY KEY, witnessed_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS gongshi_log_witness_status ("
    " name TEXT PRIMARY KEY, state TEXT NOT NULL, detail TEXT NOT NULL,"
    " cosigned_size BIGINT, updated_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS gongshi_log_submission_leases ("
    " url TEXT PRIMARY KEY, owner TEXT NOT NULL, until TEXT NOT NULL)",
)


def tiles_for(nodes: Iterable[NodeId]) -> dict[NodeId, tuple[int, int, int]]:
    """For each node: (tile key, first hash position in the tile, number of hashes)."""
    placed = {}
    for level, index in nodes:
        tile_level, rise = divmod(level, TILE_HEIGHT)
        first = index << rise  # the node's first hash at tree level 8·tile_level
        tile_index, position = divmod(first, TILE_WIDTH)
        placed[(level, index)] = (tile_key(tile_level, tile_index), position, 1 << rise)
    return placed


def _subtree(hashes: bytes, position: int, count: int) -> bytes:
    """Hash ``count`` (a power of two) consecutive hashes of a tile into their subtree."""
    layer = [
        hashes[(position + i) * HASH_SIZE : (position + i + 1) * HASH_SIZE] for i in range(count)
    ]
    while len(layer) > 1:
        layer = [node_hash(layer[i], layer[i + 1]) for i in range(0, len(layer), 2)]
    return layer[0]


def _remember(cache: dict[K, int], key: K, value: int) -> None:
    """Keep an immutable answer; the dict is emptied when it holds LOOKUPS (bounded)."""
    if len(cache) >= LOOKUPS:
        cache.clear()
    cache[key] = value


@dataclass(frozen=True)
class LogState:
    size: int
    position: int


class LogStore:
    """Reads and integrates the log in ``db`` (the ledger's database) from ``recorder``.

    Cached in process, all of it immutable: roots by size, committed tile prefixes
    (``cache_bytes``, 0 for none), leaf index <-> notification id of leaves, and the leaf
    index of records found in the log (a leaf stays a leaf)."""

    def __init__(
        self,
        db: SqlDatabase,
        recorder: ApplicationRecorder,
        create: bool = True,
        cache_bytes: int = DEFAULT_BYTES,
    ) -> None:
        """``create=False``: the tables exist and are not touched here (a read replica's
        store, api/read_side.py: a hot standby refuses CREATE TABLE)."""
        self.db = db
        self.recorder = recorder
        self._roots: dict[int, bytes] = {}  # size -> root: a tree of a size never changes
        self.tile_cache = TileCache(cache_bytes)
        self._local = threading.local()  # .cur: this thread's reading() cursor
        self._notifications: dict[int, int] = {}  # leaf index -> notification id
        self._leaves: dict[tuple[str, int], int] = {}  # (stream, version) -> leaf index
        if not create:
            return
        with schema_lock(db.database), db.transaction() as cur:
            for statement in SCHEMA:
                cur.execute(statement if db.is_postgres else statement.replace("BYTEA", "BLOB"))
            cur.execute(
                "INSERT INTO gongshi_log_state (id, size, position) VALUES (1, 0, 0)"
                " ON CONFLICT (id) DO NOTHING"
            )

    # --- reading -------------------------------------------------------------------------

    @contextmanager
    def reading(self) -> Iterator[None]:
        """This thread's reads of the log (and its checkpoints) in the block share one
        pooled connection on PostgreSQL, without BEGIN/COMMIT: a proof is one checkout and
        a round trip per statement. SQLite: each read as before (no nested transaction)."""
        if not self.db.is_postgres or getattr(self._local, "cur", None) is not None:
            yield
            return
        with self.db.reading() as cur:
            self._local.cur = cur
            try:
                yield
            finally:
                self._local.cur = None

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """One reading statement: on the block's connection inside ``reading()``, else on
        its own (autocommit on PostgreSQL)."""
        cur: Cursor | None = getattr(self._local, "cur", None)
        if cur is not None:
            return cur.execute(sql, params)
        if self.db.is_postgres:
            with self.db.reading() as cur:
                return cur.execute(sql, params)
        return self.db.execute(sql, params)

    def root(self, size: int, fetch: Fetch | None = None) -> bytes:
        """The RFC 9162 root of the first ``size`` leaves (cached: it never changes), its
        nodes read through ``fetch`` (default ``self.fetch``). Requires 0 < size <= the
        log's size."""
        found = self._roots.get(size)
        if found is None:
            found = tree_root(size, fetch or self.fetch)
            if len(self._roots) >= 4096:
                self._roots.clear()
            self._roots[size] = found
        return found

    def knows_root(self, size: int) -> bool:
        """Whether root(size) is cached."""
        return size in self._roots

    def leaf_data(self, index: int, size: int | None = None) -> bytes | None:
        """Leaf ``index``'s data (the record's canonical bytes); None if not a leaf.
        ``size``: the log's size as the caller just read it (saves reading it again).
        One query: the record found through the offsets in the same statement."""
        notification = self._notifications.get(index)
        if notification is None and size is None:
            size = self.state().size
        if notification is None and not 0 <= index < (size or 0):
            return None
        events, key = ("gongshi_events", "notification_id") if self.db.is_postgres else (
            "stored_events", "rowid")  # fmt: skip
        params: tuple[int, ...] = (notification,) if notification is not None else (index, index)
        if notification is not None:
            sql = f"SELECT {key}, state FROM {events} WHERE {key} = ?"
        else:
            sql = (
                f"SELECT {key}, state FROM {events} WHERE {key} = ("
                "SELECT notification_id + (? - idx) FROM gongshi_log_offsets WHERE idx <= ?"
                " ORDER BY idx DESC LIMIT 1)"
            )
        rows = self.query(sql, params)
        if not rows:
            return None
        _remember(self._notifications, index, int(rows[0][0]))
        return unpack_state(bytes(rows[0][1]))[1]

    def prefetch(self, nodes: Iterable[NodeId]) -> Fetch:
        """A fetch answering from ``nodes`` read at once (a proof and its roots in one read);
        asking it for any other node reads those too."""
        got = self.fetch(nodes)

        def fetch(wanted: Iterable[NodeId]) -> dict[NodeId, bytes]:
            wanted = list(wanted)
            missing = [n for n in wanted if n not in got]
            if missing:
                got.update(self.fetch(missing))
            return {n: got[n] for n in wanted if n in got}

        return fetch

    def leaves_data(self, start: int, stop: int) -> list[bytes]:
        """The data of leaves ``start .. stop - 1``, read in one query.
        Requires 0 <= start <= stop <= the log's size."""
        if start >= stop:
            return []
        first = self.notification_of(start)
        if first is None:
            raise ValueError(f"leaf {start} is not in the log")
        rows = self._records_from(first, stop - start)
        return [unpack_state(state)[1] for _, state in rows]

    def _records_from(self, first: int, limit: int) -> list[tuple[int, bytes]]:
        """(notification id, stored state) of up to ``limit`` records from notification
        ``first`` on, in order (ids skipped at gaps are not records)."""
        if self.db.is_postgres:
            sql = (
                "SELECT notification_id, state FROM gongshi_events WHERE notification_id >= ?"
                " ORDER BY notification_id LIMIT ?"
            )
        else:
            sql = "SELECT rowid, state FROM stored_events WHERE rowid >= ? ORDER BY rowid LIMIT ?"
        return [(int(i), bytes(state)) for i, state in self.query(sql, (first, limit))]

    def records_between(self, first: int, last: int, batch: int = 5000) -> Iterator[bytes]:
        """The stored state of every record with notification id in [first, last], in order,
        read ``batch`` at a time (keyset: each batch costs the same wherever it starts)."""
        while first <= last:
            rows = self._records_from(first, batch)
            for notification, state in rows:
                if notification > last:
                    return
                yield state
            if len(rows) < batch:
                return
            first = rows[-1][0] + 1

    def state(self) -> LogState:
        """The log's size and the last notification id integrated."""
        row = self.query("SELECT size, position FROM gongshi_log_state WHERE id = 1")[0]
        return LogState(int(row[0]), int(row[1]))

    def tiles(self, keys: Iterable[int], cur: Cursor | None = None) -> dict[int, bytes]:
        """Stored tiles by key, in one query (inside ``cur``'s transaction if given)."""
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        marks = ",".join("?" * len(wanted))
        sql = f"SELECT id, hashes FROM gongshi_log_tiles WHERE id IN ({marks})"
        rows = cur.execute(sql, wanted) if cur is not None else self.query(sql, wanted)
        return {int(k): bytes(h) for k, h in rows}

    def tile(self, level: int, index: int) -> bytes | None:
        """The stored hashes of one tile (full, or partial as the log now stands), read from
        the database (never the cache)."""
        return self.tiles([tile_key(level, index)]).get(tile_key(level, index))

    def tile_prefix(self, level: int, index: int, width: int) -> bytes | None:
        """The first ``width`` hashes of a tile (cached), or None if the log holds fewer."""
        key = tile_key(level, index)
        entry = self.tile_cache.get(key, width)
        if entry is None:
            stored = self.tiles([key]).get(key)
            if stored is None or len(stored) < width * HASH_SIZE:
                return None
            entry = self.tile_cache.put(key, stored)
        return entry.hashes[: width * HASH_SIZE]

    def fetch(
        self, nodes: Iterable[NodeId], cur: Cursor | None = None, cached: bool = True
    ) -> dict[NodeId, bytes]:
        """Complete perfect subtrees by (level, index), computed from tiles read at once:
        from the tile cache and one query for the tiles it lacks (``cached``, outside a
        transaction), or all from the database (inside ``cur``'s transaction, or not
        ``cached``: writers and ``gongshi check`` see the stored tiles themselves)."""
        placed = tiles_for(nodes)
        if cur is not None or not cached:
            tiles = self.tiles((key for key, _, _ in placed.values()), cur)
            found = {}
            for node, (key, position, count) in placed.items():
                hashes = tiles.get(key, b"")
                if len(hashes) >= (position + count) * HASH_SIZE:
                    found[node] = _subtree(hashes, position, count)
            return found
        need: dict[int, int] = {}  # tile key -> hashes needed
        for key, position, count in placed.values():
            need[key] = max(need.get(key, 0), position + count)
        entries = {key: self.tile_cache.get(key, width) for key, width in need.items()}
        missing = [key for key, entry in entries.items() if entry is None]
        for key, hashes in self.tiles(missing).items():
            entries[key] = self.tile_cache.put(key, hashes)
        found = {}
        for node, (key, position, count) in placed.items():
            entry = entries.get(key)
            value = entry.subtree(position, count) if entry is not None else None
            if value is not None:
                found[node] = value
        return found

    def leaf_notifications(self) -> Iterator[tuple[int, int]]:
        """(leaf index, notification id) of every leaf, in order."""
        size = self.state().size
        jumps = self.query("SELECT idx, notification_id FROM gongshi_log_offsets ORDER BY idx")
        for n, (start, notification) in enumerate(jumps):
            end = int(jumps[n + 1][0]) if n + 1 < len(jumps) else size
            for index in range(int(start), end):
                yield index, int(notification) + index - int(start)

    def notification_of(self, index: int) -> int | None:
        """The notification id of leaf ``index``; None if it is not (yet) a leaf (cached:
        a leaf's notification never changes)."""
        found = self._notifications.get(index)
        if found is not None:
            return found
        if not 0 <= index < self.state().size:
            return None
        rows = self.query(
            "SELECT idx, notification_id FROM gongshi_log_offsets WHERE idx <= ?"
            " ORDER BY idx DESC LIMIT 1",
            (index,),
        )
        found = int(rows[0][1]) + index - int(rows[0][0])
        _remember(self._notifications, index, found)
        return found

    def leaf_of_notification(self, notification: int) -> int | None:
        """The leaf index of a notification id, or None if it is not (yet) a leaf."""
        rows = self.query(
            "SELECT idx, notification_id FROM gongshi_log_offsets WHERE notification_id <= ?"
            " ORDER BY notification_id DESC LIMIT 1",
            (notification,),
        )
        if not rows:
            return None
        index = int(rows[0][0]) + notification - int(rows[0][1])
        return index if self.notification_of(index) == notification else None

    def leaf_of(self, stream: str, version: int) -> int | None:
        """The leaf index of a record, or None if it is not (yet) in the log (a leaf found
        is cached: it stays that record's leaf)."""
        found = self._leaves.get((stream, version))
        if found is not None:
            return found
        if self.db.is_postgres:
            sql = (
                "SELECT notification_id FROM gongshi_events"
                " WHERE originator_id = ? AND originator_version = ?"
            )
            key: object = stream
        else:
            sql = (
                "SELECT rowid FROM stored_events WHERE originator_id = ? AND originator_version = ?"
            )
            key = stream.replace("-", "")
        rows = self.query(sql, (key, version))
        found = self.leaf_of_notification(int(rows[0][0])) if rows else None
        if found is not None:
            _remember(self._leaves, (stream, version), found)
        return found

    # --- integrating ---------------------------------------------------------------------

    def integrate(self, batch: int = 5000) -> int:
        """Integrate every record stored so far; returns the number of new leaves."""
        total = 0
        while added := self.integrate_step(batch):
            total += added
        return total

    def integrate_step(self, batch: int = 5000) -> int:
        """One transaction: up to ``batch`` records after the log's position become leaves."""
        with self.db.transaction() as cur:
            xact_lock(cur, LOCK)
            size, position = cur.execute(
                "SELECT size, position FROM gongshi_log_state WHERE id = 1"
            )[0]
            size, position = int(size), int(position)
            records = read_records(cur, self.db.is_postgres, position, batch)
            if not records:
                return 0
            edge_ids = CompactRange.node_ids(size)
            edge = self.fetch(edge_ids, cur)
            tree = CompactRange(size, [edge[n] for n in edge_ids])
            grown = grow(tree, records, lambda keys: self.tiles(keys, cur))
            cur.executemany(
                "INSERT INTO gongshi_log_tiles (id, hashes) VALUES (?, ?)"
                " ON CONFLICT (id) DO UPDATE SET hashes = excluded.hashes",
                sorted(grown.items()),
            )
            cur.executemany(
                "INSERT INTO gongshi_log_offsets (idx, notification_id) VALUES (?, ?)",
                jumps(size, position, records),
            )
            cur.execute(
                "UPDATE gongshi_log_state SET size = ?, position = ? WHERE id = 1",
                (tree.size, records[-1].id),
            )
            return len(records)
