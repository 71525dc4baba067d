"""Spreadsheet imports, the rule across records (docs/FORMAT.md §4, rule 76 ``imports.rows``):
an ``imports.BatchImported`` names, in the file's order, the record of each of its rows; the
ledger saves the batch and those records in one transaction, the batch first. So each record
it names comes after it in the log, is of its kind's type (``points.ScoreEntered``,
``carefund.ApplicationSubmitted``), was recorded by the batch's principal in the batch's role
at the batch's ``at``, and is named by no other batch; ``rows`` is the number of records.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from verify.failure import Failure, Handler
from verify.record import Record

ROWS = "imports.rows"
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
class ImportRules:
    waiting: dict[tuple[str, int], _Announced] = field(default_factory=dict)  # not yet seen
    named: dict[tuple[str, int], str] = field(default_factory=dict)  # record -> its batch

    def handlers(self) -> dict[str, Handler]:
        return {"imports.BatchImported": self._batch,
                **dict.fromkeys(ROW_TYPE.values(), self._row)}  # fmt: skip

    def _batch(self, r: Record, where: str) -> list[Failure]:
        d, found = r.data, []
        message = f"batch {r.stream}"
        if d["rows"] != len(d["records"]):
            found.append(Failure(where, ROWS, f"{message}: rows", str(len(d["records"])),
                                 str(d["rows"])))  # fmt: skip
        announced = _Announced(r.stream, where, ROW_TYPE[d["kind"]], r.principal, r.role, r.at)
        for i, item in enumerate(d["records"]):
            key = (item["stream"], item["version"])
            if (other := self.named.get(key)) is not None:
                found.append(Failure(where, ROWS, f"{message}: records[{i}]",
                                     "a record no other row names",
                                     f"{key[0]}/{key[1]}, named by {other}"))  # fmt: skip
                continue
            self.named[key] = f"batch {r.stream} ({where})"
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
        """The records a batch named that never came after it."""
        return [
            Failure(a.where, ROWS, f"batch {a.batch}: records[{stream}/{version}]",
                    f"a {a.type} after the batch", "none")
            for (stream, version), a in self.waiting.items()
        ]  # fmt: skip
