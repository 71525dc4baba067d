"""What a write returns so the caller holds evidence: the stream, the version and hash of its
newest record, and its leaf index in the log (integrated before answering)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from ledger.ledger import Ledger
from ledger.mapper import unpack_state


def evidence(ledger: Ledger, stream: UUID | str) -> dict[str, Any]:
    """Requires the stream to exist (it was just written)."""
    newest = ledger.app.recorder.select_events(UUID(str(stream)), desc=True, limit=1)[0]
    record_hash, _ = unpack_state(newest.state)
    ledger.log.integrate()
    version = newest.originator_version
    return {
        "stream": str(stream), "version": version, "record_hash": record_hash,
        "leaf_index": ledger.log.leaf_of(str(stream), version),
    }  # fmt: skip
