"""The log's tables and its integrator: stored records become leaves, exactly once.

    gongshi_log_state       (id = 1, size, position): leaves so far, last notification id
    gongshi_log_leaves      (idx, notification_id, stream, version): leaf index -> record
    gongshi_log_nodes       (id = level << 48 | index, hash): every complete perfect subtree
    gongshi_log_checkpoints (size, root, note, signed_at): every signed checkpoint

One integration step runs in one transaction: take the integration lock (PostgreSQL: an
advisory transaction lock; SQLite: BEGIN IMMEDIATE, the file's write lock), read the state,
read the records after ``position`` in notification order, write their leaves and nodes and
the new state, commit. A crash anywhere rolls the step back; two integrators serialise on
the lock, and the second sees the first's state. Leaf data are the records' canonical
bytes; a stored record whose bytes no longer match its stored hash stops integration.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from eventsourcing.persistence import ApplicationRecorder

from ledger.db import SqlDatabase, schema_lock
from ledger.log.tree import NodeId
from ledger.mapper import unpack_state
from verify.merkle import CompactRange, leaf_hash

LEVEL_SHIFT = 48
LOCK_KEY = 0x676F6E6C  # "gonl": the integration lock on PostgreSQL
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS gongshi_log_state ("
    " id INTEGER PRIMARY KEY, size BIGINT NOT NULL, position BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS gongshi_log_leaves ("
    " idx BIGINT PRIMARY KEY, notification_id BIGINT NOT NULL UNIQUE,"
    " stream TEXT NOT NULL, version BIGINT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS gongshi_log_leaves_record ON gongshi_log_leaves (stream, version)",
    "CREATE TABLE IF NOT EXISTS gongshi_log_nodes (id BIGINT PRIMARY KEY, hash BYTEA NOT NULL)",
    "CREATE TABLE IF NOT EXISTS gongshi_log_checkpoints ("
    " size BIGINT PRIMARY KEY, root BYTEA NOT NULL, note TEXT NOT NULL, signed_at TEXT NOT NULL)",
)


class LogIntegrityError(RuntimeError):
    """A stored record can't become a leaf (its bytes don't match its hash): evidence named."""


def node_key(node: NodeId) -> int:
    level, index = node
    return level << LEVEL_SHIFT | index


@dataclass(frozen=True)
class LogState:
    size: int
    position: int


class LogStore:
    """Reads and integrates the log in ``db`` (the ledger's database) from ``recorder``."""

    def __init__(self, db: SqlDatabase, recorder: ApplicationRecorder) -> None:
        self.db = db
        self.recorder = recorder
        with schema_lock(db.database), db.transaction() as cur:
            for statement in SCHEMA:
                cur.execute(statement if db.is_postgres else statement.replace("BYTEA", "BLOB"))
            cur.execute(
                "INSERT INTO gongshi_log_state (id, size, position) VALUES (1, 0, 0)"
                " ON CONFLICT (id) DO NOTHING"
            )

    # --- reading -------------------------------------------------------------------------

    def state(self) -> LogState:
        row = self.db.execute("SELECT size, position FROM gongshi_log_state WHERE id = 1")[0]
        return LogState(int(row[0]), int(row[1]))

    def fetch(self, nodes: Iterable[NodeId]) -> dict[NodeId, bytes]:
        """Stored perfect subtrees by (level, index), in one query."""
        wanted = {node_key(n): n for n in nodes}
        if not wanted:
            return {}
        marks = ",".join("?" * len(wanted))
        rows = self.db.execute(
            f"SELECT id, hash FROM gongshi_log_nodes WHERE id IN ({marks})", list(wanted)
        )
        return {wanted[int(k)]: bytes(h) for k, h in rows}

    def leaf_of(self, stream: str, version: int) -> int | None:
        rows = self.db.execute(
            "SELECT idx FROM gongshi_log_leaves WHERE stream = ? AND version = ?",
            (stream, version),
        )
        return int(rows[0][0]) if rows else None

    def notification_of(self, index: int) -> int | None:
        rows = self.db.execute(
            "SELECT notification_id FROM gongshi_log_leaves WHERE idx = ?", (index,)
        )
        return int(rows[0][0]) if rows else None

    # --- integrating ---------------------------------------------------------------------

    def integrate(self, batch: int = 2000) -> int:
        """Integrate every record stored so far; returns the number of new leaves."""
        total = 0
        while added := self.integrate_step(batch):
            total += added
        return total

    def integrate_step(self, batch: int = 2000) -> int:
        """One transaction: up to ``batch`` records after the log's position become leaves."""
        with self.db.transaction() as cur:
            if self.db.is_postgres:
                cur.execute("SELECT pg_advisory_xact_lock(?)", (LOCK_KEY,))
            size, position = cur.execute(
                "SELECT size, position FROM gongshi_log_state WHERE id = 1"
            )[0]
            size, position = int(size), int(position)
            records = self.recorder.select_notifications(start=position + 1, limit=batch)
            if not records:
                return 0
            edge_ids = CompactRange.node_ids(size)
            edge = {}
            if edge_ids:
                keys = [node_key(n) for n in edge_ids]
                marks = ",".join("?" * len(keys))
                rows = cur.execute(
                    f"SELECT id, hash FROM gongshi_log_nodes WHERE id IN ({marks})", keys
                )
                edge = {int(k): bytes(h) for k, h in rows}
            tree = CompactRange(size, [edge[node_key(n)] for n in edge_ids])
            nodes: list[tuple[int, bytes]] = []
            leaves: list[tuple[int, int, str, int]] = []

            def keep(level: int, index: int, value: bytes) -> None:
                nodes.append((level << LEVEL_SHIFT | index, value))

            for n in records:
                expected, record = unpack_state(n.state)
                computed = hashlib.sha256(record).hexdigest()
                if computed != expected:
                    raise LogIntegrityError(
                        f"record {n.originator_id} v{n.originator_version} (notification "
                        f"{n.id}): stored hash {expected}, bytes hash to {computed}"
                    )
                leaves.append((tree.size, n.id, str(n.originator_id), n.originator_version))
                tree.append(leaf_hash(record), keep)
            cur.executemany(
                "INSERT INTO gongshi_log_leaves (idx, notification_id, stream, version)"
                " VALUES (?, ?, ?, ?)",
                leaves,
            )
            cur.executemany("INSERT INTO gongshi_log_nodes (id, hash) VALUES (?, ?)", nodes)
            cur.execute(
                "UPDATE gongshi_log_state SET size = ?, position = ? WHERE id = 1",
                (tree.size, records[-1].id),
            )
            return len(records)
