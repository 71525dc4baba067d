"""Spreadsheet imports, the rule across records (docs/FORMAT.md §4, rule 76 ``imports.rows``):
an ``imports.BatchImported`` names, in the file's order, the record of each of its rows; the
ledger saves the batch and those records in one transaction, the batch first. So each record
it names comes after it in the log, is of its kind's type (``points.ScoreEntered``,
``carefund.ApplicationSubmitted``), was recorded by the batch's principal in the batch's role
at the batch's ``at``, and is named by no other batch; ``rows`` is the number of records.

A batch names at most IMPORT_PART_ROWS records itself; ``parts`` ``imports.BatchPart``
records right after it in its stream name the rest (rule 79 ``imports.parts``: numbered 1,
2, ..., every one but the last full, the batch's own list full when parts follow, none
missing at the end of the log); ``rows`` counts them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from verify.failure import Failure, Handler
from verify.record import Record
from verify.schema import IMPORT_PART_ROWS

ROWS, PARTS = "imports.rows", "imports.parts"
ROW_TYPE = {"points-entries": "points.ScoreEntered",
            "carefund-applications": "carefund.ApplicationSubmitted"}  # fmt: skip


@dataclass(frozen=True)
class _Announced:
    batch: str  # the batch's stream id
    where: str  # the batch record's position
    type: str
    principal: str
    role: str
    at: str


@dataclass
class _Parts:
    announced: _Announced
    rows: int  # the batch's
    parts: int  # the batch's
    seen: int = 0  # parts so far
    named: int = 0  # records so far, the batch's and its parts'
    last: int = 0  # records in the latest of them


@dataclass
class ImportRules:
    waiting: dict[tuple[str, int], _Announced] = field(default_factory=dict)  # not yet seen
    named: dict[tuple[str, int], str] = field(default_factory=dict)  # record -> its batch
    parted: dict[str, _Parts] = field(default_factory=dict)  # batch -> its parts still due

    def handlers(self) -> dict[str, Handler]:
        return {"imports.BatchImported": self._batch, "imports.BatchPart": self._part,
                **dict.fromkeys(ROW_TYPE.values(), self._row)}  # fmt: skip

    def _batch(self, r: Record, where: str) -> list[Failure]:
        d = r.data
        announced = _Announced(r.stream, where, ROW_TYPE[d["kind"]], r.principal, r.role, r.at)
        state = _Parts(announced, d["rows"], d["parts"])
        if d["parts"]:
            self.parted[r.stream] = state
        return self._named(state, d["records"], where)

    def _part(self, r: Record, where: str) -> list[Failure]:
        """Part k of the batch's records: right after part k − 1 (or the batch), while due."""
        state, d = self.parted.get(r.stream), r.data
        if state is None:
            message = f"batch {r.stream}: a part its batch does not count"
            return [Failure(where, PARTS, message, "no more parts", f"part {d['part']}")]
        found = []
        state.seen += 1
        if d["part"] != state.seen:
            message = f"batch {r.stream}: parts number 1, 2, ..."
            found.append(Failure(where, PARTS, message, f"part {state.seen}",
                                 f"part {d['part']}"))  # fmt: skip
        return found + self._named(state, d["records"], where)

    def _named(self, state: _Parts, records: list[Any], where: str) -> list[Failure]:
        """The records a batch or one of its parts names (each then waits for its row); once
        the batch's last part is in, ``rows`` counts them all."""
        found, announced = [], state.announced
        message = f"batch {announced.batch}"
        if state.named and state.last != IMPORT_PART_ROWS:  # the list before is not full
            found.append(Failure(where, PARTS, f"{message}: a list before the last not full",
                                 f"{IMPORT_PART_ROWS} records",
                                 f"{state.last} records"))  # fmt: skip
        if not 1 <= len(records) <= IMPORT_PART_ROWS:
            found.append(Failure(where, PARTS, f"{message}: records of one list",
                                 f"1..{IMPORT_PART_ROWS}", str(len(records))))  # fmt: skip
        start, state.named, state.last = state.named, state.named + len(records), len(records)
        if state.seen == state.parts:  # the batch's last list
            self.parted.pop(announced.batch, None)
            if state.rows != state.named:
                found.append(Failure(where, ROWS, f"{message}: rows", str(state.named),
                                     str(state.rows)))  # fmt: skip
        by = f"{message} ({where})"  # one string for the list's records, not one each
        for i, item in enumerate(records, start):
            key = (item["stream"], item["version"])
            if (other := self.named.get(key)) is not None:
                found.append(Failure(where, ROWS, f"{message}: records[{i}]",
                                     "a record no other row names",
                                     f"{key[0]}/{key[1]}, named by {other}"))  # fmt: skip
                continue
            self.named[key] = by
            self.waiting[key] = announced
        return found

    def _row(self, r: Record, where: str) -> list[Failure]:
        announced = self.waiting.pop((r.stream, r.version), None)
        if announced is None:
            return []
        message = f"{r.stream}/{r.version}, a row of batch {announced.batch} ({announced.where})"
        expected = (announced.type, announced.principal, announced.role, announced.at)
        computed = (r.type, r.principal, r.role, r.at)
        if expected == computed:
            return []
        return [Failure(where, ROWS, message, "type, principal, role and at: " + " ".join(expected),
                        " ".join(computed))]  # fmt: skip

    def end(self) -> list[Failure]:
        """The records a batch named that never came after it; the parts a batch counts
        that never came."""
        return [
            Failure(a.where, ROWS, f"batch {a.batch}: records[{stream}/{version}]",
                    f"a {a.type} after the batch", "none")
            for (stream, version), a in self.waiting.items()
        ] + [
            Failure(p.announced.where, PARTS, f"batch {batch}: parts missing",
                    f"{p.parts} parts", f"{p.seen} parts")
            for batch, p in self.parted.items()
        ]  # fmt: skip
