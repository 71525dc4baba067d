"""``gongshi check``: recompute every stored record's hash and every stream's chain.

Reads the stored events in notification order straight from the recorder (not through the
domain), so a changed byte anywhere in a stored event is found: in the record (its hash no
longer matches the stored hash), in the stored hash, in the separator, or in the stored
stream id, version or topic (they no longer match the record).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from eventsourcing.persistence import ApplicationRecorder, Notification

from ledger.db import SqlDatabase
from ledger.mapper import StoredFormatError, unpack_state
from ledger.settings import Database
from verify.canonical import CanonicalError
from verify.chain import ChainBreak, ChainChecker
from verify.record import RecordError, parse_record

BATCH = 1000
Progress = Callable[[int], None]


@dataclass
class CheckReport:
    records: int = 0
    streams: int = 0
    breaks: list[ChainBreak] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaks


def iter_notifications(recorder: ApplicationRecorder, batch: int = BATCH) -> Iterator[Notification]:
    """Every stored event in notification order, read ``batch`` at a time."""
    start = 1
    while True:
        rows = recorder.select_notifications(start=start, limit=batch)
        if not rows:
            return
        yield from rows
        start = rows[-1].id + 1


def _check_one(n: Notification, chains: ChainChecker) -> list[ChainBreak]:
    stream, version = str(n.originator_id), n.originator_version
    try:
        expected, raw = unpack_state(n.state)
        record = parse_record(raw)
    except (StoredFormatError, CanonicalError, RecordError) as e:
        head = n.state[:64].decode("ascii", "replace")
        return [
            ChainBreak(stream, version, f"malformed stored record: {e}", "HASH LF RECORD", head)
        ]
    found: list[ChainBreak] = []
    if record.hash != expected:
        found.append(ChainBreak(stream, version, "record hash mismatch", expected, record.hash))
    for name, stored, written in (
        ("stream", stream, record.stream),
        ("version", str(version), str(record.version)),
        ("type", n.topic, record.type),
    ):
        if stored != written:
            found.append(
                ChainBreak(stream, version, f"stored {name} differs from record", written, stored)
            )
    return found + chains.add(record)


def check_store(
    recorder: ApplicationRecorder,
    progress: Progress | None = None,
    database: Database | None = None,
) -> CheckReport:
    """Check every stored record; the report lists every break found, in notification order.

    With ``database`` on SQLite, also what the recorder normalises away: the stored stream id
    must be exactly 32 lower-case hex digits, and notification ids must have no gaps (SQLite
    never skips one, so a gap is a deleted record). PostgreSQL's uuid column has one spelling,
    and its ids may have gaps; what a per-stream chain can't show (a deleted or rewritten last
    record of a stream) is for the Merkle log and its signed checkpoints to anchor.
    """
    sqlite = database is not None and database.kind == "sqlite"
    chains = ChainChecker()
    report = CheckReport()
    last_id = 0
    for n in iter_notifications(recorder):
        if sqlite and n.id != last_id + 1:
            report.breaks.append(
                ChainBreak(
                    str(n.originator_id),
                    n.originator_version,
                    "notification id gap: stored records were deleted before this one",
                    str(last_id + 1),
                    str(n.id),
                )
            )
        last_id = n.id
        report.breaks.extend(_check_one(n, chains))
        report.records += 1
        if progress is not None and report.records % BATCH == 0:
            progress(report.records)
    if sqlite and database is not None:
        report.breaks.extend(_sqlite_stream_spellings(database))
    report.streams = chains.streams
    return report


def _sqlite_stream_spellings(database: Database) -> list[ChainBreak]:
    db = SqlDatabase(database)
    try:
        rows = db.execute(
            "SELECT originator_id, originator_version FROM stored_events"
            " WHERE length(originator_id) != 32 OR originator_id GLOB '*[^0-9a-f]*'"
        )
    finally:
        db.close()
    return [
        ChainBreak(
            str(stream),
            int(version),
            "stored stream id is not 32 lower-case hex digits",
            "uuid.hex",
            str(stream),
        )
        for stream, version in rows
    ]
