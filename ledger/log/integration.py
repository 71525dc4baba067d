"""One integration step's pure parts: read the records after the log's position, grow the
tiles by their leaves, and the offsets rows at gaps (ledger/log/store.py runs them in its
transaction). Each costs O(batch + log n): the tiles read are the right edge's."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple
from uuid import UUID

from ledger.db import Cursor
from ledger.log.tilecache import TILE_HEIGHT, TILE_WIDTH, tile_key
from ledger.mapper import unpack_state
from verify.merkle import HASH_SIZE, CompactRange, leaf_hash


class LogIntegrityError(RuntimeError):
    """A stored record can't become a leaf (its bytes don't match its hash): evidence named."""


class StoredRecord(NamedTuple):
    """What integration needs of a stored record: its notification id, stream, version and
    stored state (the hash and the canonical bytes, ``ledger.mapper.unpack_state``)."""

    id: int
    originator_id: str
    originator_version: int
    state: bytes


def read_records(cur: Cursor, is_postgres: bool, position: int, limit: int) -> list[StoredRecord]:
    """Up to ``limit`` stored records after notification ``position``, in notification
    order, read on ``cur`` (in its transaction).

    Plain SQL on the caller's connection, never the recorder: on SQLite the caller holds
    the file's write lock (BEGIN IMMEDIATE) and eventsourcing's pool may be held by a
    writer waiting for that very lock (a lock-order inversion, issue 12 item 3)."""
    if is_postgres:
        sql = (
            "SELECT notification_id, originator_id, originator_version, state"
            " FROM gongshi_events WHERE notification_id > ?"
            " ORDER BY notification_id LIMIT ?"
        )
    else:
        sql = (
            "SELECT rowid, originator_id, originator_version, state FROM stored_events"
            " WHERE rowid > ? ORDER BY rowid LIMIT ?"
        )
    return [
        StoredRecord(int(i), str(UUID(str(stream))), int(version), bytes(state))
        for i, stream, version, state in cur.execute(sql, (position, limit))
    ]


def grow(
    tree: CompactRange,
    records: Sequence[StoredRecord],
    stored_tiles: Callable[[Iterable[int]], dict[int, bytes]],
) -> dict[int, bytes]:
    """Append the records' leaves to ``tree``; return the tiles they changed, whole (the
    first one of each level read through ``stored_tiles``)."""
    additions: dict[int, list[tuple[int, bytes]]] = {}

    def keep(level: int, index: int, value: bytes) -> None:
        if level % TILE_HEIGHT == 0:
            additions.setdefault(level // TILE_HEIGHT, []).append((index, value))

    for n in records:
        expected, record = unpack_state(n.state)
        computed = hashlib.sha256(record).hexdigest()
        if computed != expected:
            raise LogIntegrityError(
                f"record {n.originator_id} v{n.originator_version} (notification "
                f"{n.id}): stored hash {expected}, bytes hash to {computed}"
            )
        tree.append(leaf_hash(record), keep)
    first_tiles = {
        tile_key(level, nodes[0][0] // TILE_WIDTH): level for level, nodes in additions.items()
    }
    existing = stored_tiles(first_tiles)
    grown: dict[int, bytes] = {}
    for level, nodes in additions.items():
        for index, value in nodes:
            key = tile_key(level, index // TILE_WIDTH)
            if key not in grown:
                grown[key] = existing.get(key, b"")
            if len(grown[key]) != (index % TILE_WIDTH) * HASH_SIZE:
                raise LogIntegrityError(f"tile {key:#x} is not contiguous at node {index}")
            grown[key] += value
    return grown


def jumps(size: int, position: int, records: Sequence[StoredRecord]) -> list[tuple[int, int]]:
    """Offset rows: the first leaf, and each leaf after a gap in the notification ids."""
    rows = []
    previous = position if size else None
    for index, n in enumerate(records, start=size):
        if previous is None or n.id != previous + 1:
            rows.append((index, n.id))
        previous = n.id
    return rows
