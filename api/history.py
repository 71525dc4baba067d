"""One stream's history for the console and the GET endpoints: every record of the stream
with its hash, its leaf index in the log and its proof's address.

Records carry no personal data (vault and pseudonyms), so the history is what the log
publishes: type, moment, principal and role, and the record's data.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.mapper import unpack_state

if TYPE_CHECKING:
    from api.services import Services


def proof_url(stream: UUID | str, version: int) -> str:
    """The record's offline proof (c2sp.org/tlog-proof@v1), served by api/routes/log.py."""
    return f"/log/v1/records/{stream}/{version}/proof"


def stream_history(s: Services, stream: UUID) -> list[dict[str, Any]]:
    """Every record of ``stream`` in version order: ``version``, ``type``, ``recorded_at``,
    ``actor``, ``role``, ``data``, ``record_hash``, ``leaf_index`` (None until the log
    integrates it) and ``proof``. An empty list for a stream with no records."""
    found = []
    for stored in s.ledger.app.recorder.select_events(stream):
        record_hash, body = unpack_state(stored.state)
        record = json.loads(body)
        version = stored.originator_version
        found.append({
            "version": version, "type": record["type"], "recorded_at": record["at"],
            "actor": record["actor"]["principal"], "role": record["actor"]["role"],
            "data": record.get("data", {}), "record_hash": record_hash,
            "leaf_index": s.ledger.log.leaf_of(str(stream), version),
            "proof": proof_url(stream, version),
        })  # fmt: skip
    return found
