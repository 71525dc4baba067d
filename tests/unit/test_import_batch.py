"""ledger/imports/batch.py: the batch record's own refusals (its kind, the file's hash, the
number of rows, the role that records that kind's rows), nothing recorded."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from ledger.actor import Actor, Role
from ledger.errors import RuleViolation
from ledger.imports.batch import ImportBatch, batch_id
from verify.record import parse_record
from verify.schema import MAX_IMPORT_ROWS, MAX_RECORD_BYTES

TPC = Actor("tpc-01", Role.TOWNSHIP_PARTY_COMMITTEE)
MOMENT = datetime(2023, 4, 1, 8, 0, tzinfo=UTC)
SHA = "ab" * 32


@pytest.mark.parametrize(("change", "rule"), [
    ({"kind": "scores"}, "imports.kind"),
    ({"sha256": "AB" * 32}, "imports.sha256"),
    ({"records": []}, "imports.rows"),
    ({"records": [(uuid4(), 2)] * (MAX_IMPORT_ROWS + 1)}, "imports.rows"),
    ({"actor": Actor("intake-01", Role.INTAKE)}, "role"),
    ({"kind": "carefund-applications"}, "role"),
])  # fmt: skip
def test_a_batch_the_rules_refuse(change: dict[str, object], rule: str) -> None:
    given: dict[str, object] = {
        "kind": "points-entries", "sha256": SHA, "records": [(uuid4(), 2)], "actor": TPC,
        "moment": MOMENT,
    }  # fmt: skip
    with pytest.raises(RuleViolation) as refused:
        ImportBatch.record(**{**given, **change})  # type: ignore[arg-type]
    assert refused.value.rule == rule


def test_a_batch_is_derived_from_its_kind_and_the_files_hash() -> None:
    stream = uuid4()
    batch = ImportBatch.record(kind="points-entries", sha256=SHA, records=[(stream, 2)],
                               actor=TPC, moment=MOMENT)  # fmt: skip
    assert batch.id == batch_id("points-entries", SHA) != batch_id("carefund-applications", SHA)
    assert (batch.rows, batch.records) == (1, [{"stream": str(stream), "version": 2}])


def test_a_batch_of_the_most_rows_is_in_parts_within_an_entry_bundles_limit() -> None:
    """2,000 rows: the batch names 500, three ``imports.BatchPart`` records 500 each (one
    record of all 2,000 would be ~120 KB, over the 65,535 bytes an entry bundle carries);
    the aggregate names every row in the file's order."""
    records = [(uuid4(), n % 7 + 1) for n in range(MAX_IMPORT_ROWS)]
    batch = ImportBatch.record(kind="points-entries", sha256=SHA, records=records, actor=TPC,
                               moment=MOMENT)  # fmt: skip
    events = batch.collect_events()
    assert [e.TOPIC for e in events] == ["imports.BatchImported"] + ["imports.BatchPart"] * 3
    assert [e.part for e in events[1:]] == [1, 2, 3]  # type: ignore[attr-defined]
    assert max(len(e.record) for e in events) <= MAX_RECORD_BYTES
    parsed = [parse_record(e.record) for e in events]  # §4's schema takes what the ledger writes
    assert [r.type for r in parsed[1:]] == ["imports.BatchPart"] * 3
    assert batch.rows == 2_000
    assert batch.records == [{"stream": str(s), "version": v} for s, v in records]
