"""Rows already in the ledger (review finding 1): an import's idempotency by the file's hash
stops the same bytes, not the same rows in a re-saved file (Excel or WPS changes line ends,
dates, a sheet's metadata). So each row is also checked against what the ledger holds:

- a score entry: the cadre's book already has an entry of the same quarter, component,
  points, reason and task that was not corrected (a correction reverses it; entering it
  again is then legitimate) — by the book's own stored records;
- a care-fund application: the same applicant (the same ID number; where either has none,
  the same name and phone) already applied in that fund year — found by opening, in the vault, the
  subject of each earlier application of the fund year (the records hold only pseudonyms
  and per-subject commitments, which can't be searched: nothing personal is added to any
  record or table for this). An erased applicant can't be compared and doesn't count.

The earlier record is named by its import batch and the row's place in it when it came from
a file (``imports.BatchImported.records`` lists them in file order, the first 500; its
``imports.BatchPart`` records the rest).
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from ledger.erasure_hold import stored_records
from ledger.errors import NotFound
from ledger.ledger import Ledger
from ledger.mapper import unpack_state
from verify.schema import IMPORT_PART_ROWS

SUBMITTED, SCORED, BATCH, PART = (
    "carefund.ApplicationSubmitted", "points.ScoreEntered", "imports.BatchImported",
    "imports.BatchPart",
)  # fmt: skip
EntryKey = tuple[int, str, int, str, str | None]  # quarter, component, tenths, reason, task


def book_entries(ledger: Ledger, book: UUID) -> dict[EntryKey, int]:
    """The book's entries still standing (not corrected, not corrections), by what they
    say, with the version of the record that made each (the first, if several)."""
    found: dict[EntryKey, int] = {}
    corrected: set[int] = set()
    standing: list[tuple[EntryKey, int, int]] = []
    for stored in ledger.app.recorder.select_events(book):
        if stored.topic != SCORED:
            continue
        data = json.loads(unpack_state(stored.state)[1])["data"]
        if data.get("corrects") is not None:
            corrected.add(int(data["corrects"]))
            continue
        key = (int(data["quarter"]), str(data["component"]), int(data["points_tenths"]),
               str(data["reason"]), data.get("task"))  # fmt: skip
        standing.append((key, int(data["entry"]), stored.originator_version))
    for key, entry, version in standing:
        if entry not in corrected:
            found.setdefault(key, version)
    return found


class Applicants:
    """A fund year's applicants (from the vault), found again by ID number, or by name and
    phone where either side has no ID number (an applicant typed once with and once without
    it is the same person when name and phone agree)."""

    def __init__(self) -> None:
        self.by_id: dict[str, UUID] = {}
        self.by_name: dict[tuple[str, str], tuple[UUID, bool]] = {}  # -> (application, has id)

    def add(self, personal: dict[str, Any], application: UUID) -> None:
        number = str(personal.get("id_number") or "").upper()
        if number:
            self.by_id.setdefault(number, application)
        name = (str(personal.get("name") or ""), str(personal.get("phone") or ""))
        self.by_name.setdefault(name, (application, bool(number)))

    def find(self, values: dict[str, Any]) -> UUID | None:
        """The earlier application of the applicant of ``values`` (a row's), or None."""
        number = str(values.get("id_number") or "").upper()
        if number and number in self.by_id:
            return self.by_id[number]
        named = self.by_name.get((str(values.get("name") or ""), str(values.get("phone") or "")))
        if named is None or (number and named[1]):
            return None  # both have ID numbers, and they differ: two people
        return named[0]


def fund_applicants(ledger: Ledger, fund_year: UUID) -> Applicants:
    """The applicants of ``fund_year``, each with the first application it made."""
    found = Applicants()
    for record in stored_records(ledger.app.recorder, [SUBMITTED]):
        data = record["data"]
        if data.get("fund_year") != str(fund_year):
            continue
        try:
            personal = ledger.vault.read_subject(str(data["subject"]))
        except NotFound:  # erased: nothing to compare
            continue
        found.add(personal, UUID(record["stream"]))
    return found


class Batches:
    """Which import batch wrote a record, and its place there (1 = the file's first row);
    read once, when first asked."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        self._rows: dict[tuple[str, int], tuple[str, int]] | None = None

    def of(self, stream: UUID, version: int) -> tuple[str, int] | None:
        if self._rows is None:
            self._rows = {}
            for record in stored_records(self._ledger.app.recorder, [BATCH, PART]):
                first = record["data"].get("part", 0) * IMPORT_PART_ROWS + 1  # a part's: later
                for i, row in enumerate(record["data"]["records"], start=first):
                    self._rows[(row["stream"], int(row["version"]))] = (record["stream"], i)
        return self._rows.get((str(stream), version))

    def say(self, stream: UUID, version: int, what: str) -> str:
        """Where ``what`` (the earlier record) came from, in Chinese."""
        where = self.of(stream, version)
        if where is None:
            return f"{what}已在账本中（非文件导入）"
        return f"{what}已由导入批次 {where[0]} 的第 {where[1]} 条写入"
