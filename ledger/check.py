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

from ledger.mapper import StoredFormatError, unpack_state
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
        return [ChainBreak(stream, version, f"malformed stored record: {e}", "a record", "-")]
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


def check_store(recorder: ApplicationRecorder, progress: Progress | None = None) -> CheckReport:
    """Check every stored record; the report lists every break found, in notification order."""
    chains = ChainChecker()
    report = CheckReport()
    for n in iter_notifications(recorder):
        report.breaks.extend(_check_one(n, chains))
        report.records += 1
        if progress is not None and report.records % BATCH == 0:
            progress(report.records)
    report.streams = chains.streams
    return report
