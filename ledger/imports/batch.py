"""An imported spreadsheet: ``imports.BatchImported``, one record per file, saved in the same
transaction as the rows' records and before them.

Township clerks keep the quarterly scores of their cadres in spreadsheets ("一人一档、一村一册"
kept by the township), and intake desks collect care-fund applications on forms; a file is
imported whole or not at all. The batch names the file's SHA-256, the kind, the number of
rows and, in the file's order, each row's record (stream and version): a
``points.ScoreEntered`` per score entry, a ``carefund.ApplicationSubmitted`` per application.
The batch record names the first IMPORT_PART_ROWS (500) of them and ``parts``
``imports.BatchPart`` records right after it in its stream name the rest, 500 each (the last
1..500), so no record outgrows an entry bundle's 65,535 bytes (docs/FORMAT.md rule 79).
Its stream id is UUID v5 of ``KIND/SHA256`` in IMPORTS_NAMESPACE (docs/FORMAT.md §4), so a
file is imported once: the same bytes again find the batch and write nothing. The file's
name is not recorded (a clerk may name a file after a person).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid5

from eventsourcing.persistence import Recording

from ledger.actor import Actor, Role
from ledger.app import LedgerApp
from ledger.chained import LedgerAggregate
from ledger.errors import RuleViolation
from verify.rules_imports import ROW_TYPE, ROWS
from verify.schema import (
    HEX64_PATTERN,
    IMPORT_KINDS,
    IMPORT_PART_ROWS,
    IMPORTS_NAMESPACE,
    MAX_IMPORT_ROWS,
)

__all__ = ["IMPORTERS", "ROWS", "ROW_TYPE", "ImportBatch", "batch_id", "save_batch"]

IMPORTERS = {
    "points-entries": (Role.TOWNSHIP_PARTY_COMMITTEE, Role.VILLAGE_COMMITTEE),
    "carefund-applications": (Role.INTAKE,),
}


def batch_id(kind: str, sha256: str) -> UUID:
    """The batch's stream id: UUID v5 of ``KIND/SHA256`` in IMPORTS_NAMESPACE."""
    return uuid5(IMPORTS_NAMESPACE, f"{kind}/{sha256}")


class ImportBatch(LedgerAggregate):
    if TYPE_CHECKING:
        kind: str
        sha256: str
        rows: int
        records: list[dict[str, Any]]  # every row's, the parts' included

    class Imported(LedgerAggregate.Created):
        TOPIC = "imports.BatchImported"
        kind: str
        sha256: str
        rows: int
        records: list[dict[str, Any]]  # the first IMPORT_PART_ROWS rows'
        parts: int  # the BatchPart records after it, naming the rest

        def assign(self, aggregate: Any) -> None:
            aggregate.kind = self.kind
            aggregate.sha256 = self.sha256
            aggregate.rows = self.rows
            aggregate.records = list(self.records)

    class Part(LedgerAggregate.Event):
        TOPIC = "imports.BatchPart"
        part: int  # 1, 2, ...: rows part·IMPORT_PART_ROWS + 1 ..
        records: list[dict[str, Any]]

        def assign(self, aggregate: Any) -> None:
            aggregate.records = aggregate.records + list(self.records)

    @classmethod
    def record(
        cls, *, kind: str, sha256: str, records: list[tuple[UUID, int]], actor: Actor,
        moment: datetime,
    ) -> ImportBatch:  # fmt: skip
        """The batch of a file of ``kind`` (rows' records in file order), by a role that
        records those rows (``imports.kind``); requires 1..MAX_IMPORT_ROWS records."""
        if kind not in IMPORT_KINDS:
            raise RuleViolation("imports.kind", f"kind {kind!r} not in {IMPORT_KINDS}")
        actor.require(*IMPORTERS[kind])
        if not HEX64_PATTERN.fullmatch(sha256):
            raise RuleViolation("imports.sha256", f"{sha256!r} is not 64 lower-case hex digits")
        if not 1 <= len(records) <= MAX_IMPORT_ROWS:
            raise RuleViolation(ROWS, f"1..{MAX_IMPORT_ROWS} rows, not {len(records)}")
        named = [{"stream": str(s), "version": v} for s, v in records]
        chunks = [named[i : i + IMPORT_PART_ROWS] for i in range(0, len(named), IMPORT_PART_ROWS)]
        batch = cls._start(
            cls.Imported, id=batch_id(kind, sha256), actor=actor, moment=moment, kind=kind,
            sha256=sha256, rows=len(records), records=chunks[0], parts=len(chunks) - 1,
        )  # fmt: skip
        for number, chunk in enumerate(chunks[1:], 1):
            batch._append(cls.Part, actor=actor, moment=moment, part=number, records=chunk)
        return batch


def save_batch(
    app: LedgerApp, *, kind: str, sha256: str, records: list[tuple[UUID, int]],
    save: list[Any], actor: Actor, moment: datetime,
) -> list[Recording[UUID]]:  # fmt: skip
    """Save the batch of ``records`` first, then ``save`` (the rows' aggregates, or events in
    the log's order), in one transaction: all or nothing (RecordConflictError if another
    writer took a version first, or the same file's batch exists)."""
    batch = ImportBatch.record(kind=kind, sha256=sha256, records=records, actor=actor,
                               moment=moment)  # fmt: skip
    return app.save(batch, *save)
