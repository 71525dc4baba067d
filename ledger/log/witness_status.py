"""What each witness of the log's policy last did, kept in the database so that every
process (the server's /metrics and page, ``gongshi log status``) sees the same.

    cosigning    its last answer was a cosignature that verified and was stored
    refused      it answered add-checkpoint with 400/403/404/422 (fork evidence: the detail
                 keeps its answer), or returned a cosignature that does not verify
    unreachable  no answer: connection refused, timeout, 5xx
    unknown      nothing heard yet (a witness with no URL cosigns by posting, pull mode)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ledger.clock import format_at
from ledger.db import Cursor
from ledger.log.store import LogStore
from verify.policy import Policy

STATES = ("cosigning", "refused", "unreachable", "unknown")
MAX_DETAIL = 500


@dataclass(frozen=True)
class WitnessStatus:
    name: str  # the witness's name in the policy
    state: str  # one of STATES
    detail: str  # the last answer, or why there was none
    cosigned_size: int | None  # the largest checkpoint size whose cosignature is stored
    updated_at: str | None  # when (format_at), None if never heard from


def record_status(
    cur: Cursor | LogStore,
    name: str,
    state: str,
    detail: str,
    at: datetime,
    cosigned_size: int | None = None,
) -> None:
    """Keep witness ``name``'s latest state (one statement); the cosigned size only grows."""
    if state not in STATES:
        raise ValueError(f"state {state!r} is not one of {STATES}")
    execute = cur.db.execute if isinstance(cur, LogStore) else cur.execute
    execute(
        "INSERT INTO gongshi_log_witness_status (name, state, detail, cosigned_size, updated_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET state = excluded.state,"
        " detail = excluded.detail, updated_at = excluded.updated_at, cosigned_size = CASE"
        " WHEN excluded.cosigned_size IS NULL THEN gongshi_log_witness_status.cosigned_size"
        " WHEN gongshi_log_witness_status.cosigned_size IS NULL"
        "  OR excluded.cosigned_size > gongshi_log_witness_status.cosigned_size"
        " THEN excluded.cosigned_size ELSE gongshi_log_witness_status.cosigned_size END",
        (name, state, detail[:MAX_DETAIL], cosigned_size, format_at(at)),
    )


def witness_status(store: LogStore, policy: Policy | None = None) -> list[WitnessStatus]:
    """Every witness heard from, by name; with ``policy``, exactly the policy's witnesses
    in its order, ``unknown`` for those never heard from."""
    rows = store.db.execute(
        "SELECT name, state, detail, cosigned_size, updated_at FROM gongshi_log_witness_status"
        " ORDER BY name"
    )
    found = {
        str(n): WitnessStatus(str(n), str(s), str(d), None if c is None else int(c), str(u))
        for n, s, d, c, u in rows
    }
    if policy is None:
        return list(found.values())
    return [
        found.get(name, WitnessStatus(name, "unknown", "nothing heard yet", None, None))
        for name in policy.witnesses
    ]
