"""Reading the log's leaves in order: leaf i is the i-th stored record in notification order.

Read with plain SQL on the caller's cursor (inside its transaction), from eventsourcing's
table: ``stored_events`` (SQLite, notification id = rowid) or ``gongshi_events`` (PostgreSQL).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from datetime import tzinfo

from ledger.db import Cursor
from ledger.mapper import HASH_LENGTH, SEPARATOR, unpack_state
from projections.base import DEFAULT_ZONE, Leaf

_raw_decode = json.JSONDecoder().raw_decode
_LF, _BODY = HASH_LENGTH, HASH_LENGTH + len(SEPARATOR)  # state = HASH LF RECORD


class LeafReadError(RuntimeError):
    """The store did not give the leaves the log says it has: evidence named."""


def log_size(cur: Cursor) -> int:
    """The number of leaves the log has integrated (0 before the first integration)."""
    found = cur.execute("SELECT size FROM gongshi_log_state WHERE id = 1")
    return int(found[0][0]) if found else 0


def read_leaves(
    cur: Cursor,
    postgres: bool,
    start: int,
    stop: int,
    zone: tzinfo = DEFAULT_ZONE,
    types: Collection[str] | None = None,
) -> Iterator[Leaf]:
    """Leaves ``start`` .. ``stop - 1``, dated in ``zone`` (the business timezone); only those
    whose record's type is in ``types`` unless it is None (every record is parsed: its type
    is the record's own, not the stored topic column).
    Requires 0 <= start <= stop <= the log's size."""
    if start >= stop:
        return
    jump = cur.execute(
        "SELECT idx, notification_id FROM gongshi_log_offsets WHERE idx <= ?"
        " ORDER BY idx DESC LIMIT 1",
        (start,),
    )
    if not jump:
        raise LeafReadError(f"leaf {start} is not in the log")
    first = int(jump[0][1]) + start - int(jump[0][0])
    if postgres:
        sql = (
            "SELECT notification_id, state FROM gongshi_events WHERE notification_id >= ?"
            " ORDER BY notification_id LIMIT ?"
        )
    else:
        sql = "SELECT rowid, state FROM stored_events WHERE rowid >= ? ORDER BY rowid LIMIT ?"
    found = cur.execute(sql, (first, stop - start))
    if len(found) != stop - start:
        raise LeafReadError(
            f"leaves {start}..{stop - 1}: expected {stop - start} records from notification"
            f" {first}, read {len(found)}"
        )
    index = start
    for _, state in found:
        state = bytes(state)
        # unpack_state's checks, inlined (it raises, naming the fault, if one fails)
        if len(state) <= _BODY or state[_LF] != 10 or not state[:_LF].isascii():
            unpack_state(state)
        text = state[_BODY:].decode("utf-8")
        record, end = _raw_decode(text)  # records are canonical: no whitespace around them
        if end != len(text):
            record = json.loads(text)  # raises, naming the position
        if types is None or record["type"] in types:
            yield Leaf(index, record, zone)
        index += 1
