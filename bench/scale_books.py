"""Books to write to, for bench/scale.py's timed saves and its many-nodes writer."""

from __future__ import annotations

import random
from uuid import UUID

from ledger.ledger import Ledger


def random_books(ledger: Ledger, count: int, seed: int) -> list[UUID]:
    """Up to ``count`` books (with repeats), the streams of score entries at random
    notification ids: index lookups, not a scan of the events table."""
    top = int(ledger.db.execute("SELECT MAX(notification_id) FROM gongshi_events")[0][0] or 0)
    rng = random.Random(seed)
    found: list[UUID] = []
    for _ in range(20):
        ids = [rng.randint(1, top) for _ in range(count * 4)]
        rows = ledger.db.execute(
            "SELECT originator_id FROM gongshi_events WHERE notification_id = ANY(?) AND topic = ?",
            (ids, "points.ScoreEntered"),
        )
        found += [UUID(str(stream)) for (stream,) in rows]
        if len(found) >= count:
            return found[:count]
    return found
