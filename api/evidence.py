"""What a write returns so the caller holds evidence: for each record the request saved, its
stream, version, record hash and leaf index in the log (integrated before answering).

Built from the write itself — the recordings its saves returned (``ledger.receipts``) — never
by re-reading "the stream's newest record", which under concurrency is another writer's.

Once the save has returned, the write is stored: nothing here may turn that into an error.
If integrating the log or finding a leaf fails (the database went away, a lock timed out),
the answer is still the receipt, with ``leaf_index`` null and ``leaf_pending`` true: the
record is stored and becomes a leaf when the log next integrates (its proof is then at
``/log/v1/records/{stream}/{version}/proof``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from api.models import Written
from ledger import receipts
from ledger.ledger import Ledger
from ledger.mapper import unpack_state
from ledger.subject import Subject

log = logging.getLogger(__name__)
Entry = dict[str, Any]


def _entry(stream: object, version: int, state: bytes) -> Entry:
    record_hash, _ = unpack_state(state)
    return {
        "stream": str(UUID(str(stream))), "version": version, "record_hash": record_hash,
        "leaf_index": None, "leaf_pending": True,
    }  # fmt: skip


def _place(ledger: Ledger, entries: Sequence[Entry], leaf: Callable[[int], int | None]) -> None:
    """Integrate the log and fill in each entry's leaf (``leaf(n)`` for entry ``n``); on any
    failure leave the rest pending: the records are stored whatever happens here."""
    try:
        ledger.log.integrate()
        for n, entry in enumerate(entries):
            entry["leaf_index"] = leaf(n)
            entry["leaf_pending"] = entry["leaf_index"] is None
    except Exception:
        log.warning("write stored, its leaf pending: the log could not be read", exc_info=True)


class ReceiptError(RuntimeError):
    """A route named a stream its request saved nothing on: a programming error (500)."""


def receipt(ledger: Ledger, primary: UUID | str) -> dict[str, Any]:
    """``{"evidence": ..., "records": [...]}`` for the saves captured in this request:
    ``records`` all of them in save order, ``evidence`` the last one of stream ``primary``.

    Requires a ``receipts.capture()`` around the request's saves and at least one saved
    record of ``primary``; ReceiptError otherwise (never "the stream's newest record", which
    may be another writer's). A request that completes an earlier write and saves nothing
    (an erasure finished again) answers with ``rebuilt`` or ``erasure_receipt`` instead.
    """
    saved = receipts.captured() or []
    notifications = [r.notification for r in saved]
    stream = str(UUID(str(primary)))
    if not any(str(UUID(str(n.originator_id))) == stream for n in notifications):
        raise ReceiptError(
            f"the request saved {len(notifications)} record(s), none on stream {stream}"
        )
    records = [_entry(n.originator_id, n.originator_version, n.state) for n in notifications]
    _place(ledger, records, lambda n: ledger.log.leaf_of_notification(notifications[n].id))
    mine = [entry for entry in records if entry["stream"] == stream]
    return {"evidence": mine[-1], "records": records}


def erasure_receipt(ledger: Ledger, subject: UUID) -> dict[str, Any]:
    """The receipt of ``subject``'s ``subject.Erased`` record (``records``: that one), for an
    erasure that completed an earlier one and saved nothing itself. LookupError if the
    subject has no erasure record."""
    topic = get_topic(Subject.Erased)
    found = [e for e in ledger.app.recorder.select_events(subject) if e.topic == topic]
    if not found:
        raise LookupError(f"subject {subject} has no erasure record")
    return rebuilt(ledger, [(str(subject), found[0].originator_version)])


def rebuilt(ledger: Ledger, saved: Sequence[tuple[str, int]]) -> dict[str, Any]:
    """The receipt of records already stored, named by (stream, version): for an answer that
    was never stored (its process died after the write). ``evidence`` is the last record.

    Requires a non-empty ``saved`` whose records exist.
    """
    records = []
    for stream, version in saved:
        (stored,) = ledger.app.recorder.select_events(UUID(stream), gt=version - 1, lte=version)
        records.append(_entry(stream, version, stored.state))
    _place(ledger, records, lambda n: ledger.log.leaf_of(*saved[n]))
    return {"evidence": records[-1], "records": records}


def written(
    ledger: Ledger, primary: UUID | str, location: str | None = None, **result: Any
) -> Written:
    """The answer of a write route: its receipt (see ``receipt``), the command's result
    and the ``location`` of the resource it made or changed (a path the API answers GET
    on; WriteRoute sends it as the ``Location`` header too)."""
    answer = {**receipt(ledger, primary), "result": result, "location": location}
    return Written.model_validate(answer)
