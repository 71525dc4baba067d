"""Rule 76 ``imports.rows`` (docs/FORMAT.md §4, verify/rules_imports.py): a batch's named
records come after it, of its kind's type, by its principal and role at its ``at``, named by
no other batch, as many as ``rows``. One tamper test per way to break it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.support.records import Log
from verify import rules_imports
from verify.failure import Failure
from verify.record import parse_record
from verify.rules_imports import PARTS, ROWS, ImportRules
from verify.schema import IMPORT_PART_ROWS

SHA = "ab" * 32
AT = "2023-04-01T08:00:00.000000Z"


def _entry(log: Log, book: str, n: int, **actor: Any) -> tuple[str, int]:
    stream = log.add(book, "points.ScoreEntered", at=actor.pop("at", AT),
                     principal=actor.pop("principal", "tpc-01"),
                     role=actor.pop("role", "township_party_committee"), entry=n, quarter=1,
                     component="bonus", points_tenths=5, reason="表彰", task=None,
                     corrects=None)  # fmt: skip
    return stream, n + 1


def _batch(log: Log, records: list[tuple[str, int]], rows: int | None = None,
           kind: str = "points-entries", sha: str = SHA, per: int = IMPORT_PART_ROWS,
           mangle: Callable[[list[Any]], list[Any]] = list,
           parts: int | None = None) -> None:  # fmt: skip
    """The batch as the ledger writes it: its first ``per`` records, then BatchPart records
    of ``per`` each (``mangle``d: the parts as written; ``parts``: the count it names)."""
    named = [{"stream": s, "version": v} for s, v in records]
    lists = [named[i : i + per] for i in range(0, len(named), per)]
    written = mangle([{"part": k, "records": r} for k, r in enumerate(lists[1:], 1)])
    name = f"batch-{sha}-{kind}"
    log.add(name, "imports.BatchImported", at=AT, principal="tpc-01",
            role="township_party_committee", kind=kind, sha256=sha,
            rows=len(records) if rows is None else rows, records=lists[0],
            parts=len(written) if parts is None else parts)  # fmt: skip
    for part in written:
        log.add(name, "imports.BatchPart", at=AT, principal="tpc-01",
                role="township_party_committee", **part)  # fmt: skip


def failures(log: Log) -> list[Failure]:
    rules, found = ImportRules(), []
    handlers = rules.handlers()
    for i, line in enumerate(log.lines):
        record = parse_record(line)
        if record.type in handlers:
            found += handlers[record.type](record, f"line {i + 1}")
    return found + rules.end()


def _honest_then(change: str) -> list[Failure]:
    """A batch naming book-a's entries 1 and 2 (versions 2 and 3), with one change."""
    log = Log()
    a = log.add("book-a", "points.BookOpened", scheme=log.sid("scheme"), cadre=log.sid("c"),
                county="taihu", township="th01", village="晋熙镇01村", category="principal",
                year=2023, bonus_cap_tenths=50)  # fmt: skip
    named = [(a, 2), (a, 3)]
    if change == "row-before-batch":
        _entry(log, "book-a", 1)
    if change == "record-named-by-two-batches":
        _batch(log, named[:1], sha="cd" * 32)
    if change == "row-of-another-type":
        _batch(log, named, kind="carefund-applications")
    else:
        _batch(log, named, rows=3 if change == "rows-count-mismatch" else None)
    if change != "row-before-batch":
        _entry(log, "book-a", 1)
    if change == "row-missing":
        return failures(log)
    other = {
        "row-by-another-principal": {"principal": "tpc-02"},
        "row-at-another-moment": {"at": "2023-04-01T08:00:01.000000Z"},
        "row-in-another-role": {"role": "village_committee", "principal": "tpc-01"},
    }
    _entry(log, "book-a", 2, **other.get(change, {}))
    return failures(log)


def test_an_honest_batch_breaks_nothing() -> None:
    assert _honest_then("nothing") == []


def test_each_tampering_breaks_rule_80() -> None:
    for change in ("row-missing", "row-before-batch", "row-by-another-principal",
                   "row-at-another-moment", "row-in-another-role", "row-of-another-type",
                   "rows-count-mismatch", "record-named-by-two-batches"):  # fmt: skip
        found = _honest_then(change)
        assert found and {f.rule for f in found} == {ROWS}, change


def test_a_missing_row_is_named_with_the_batch_where_it_was_announced() -> None:
    (failure,) = _honest_then("row-missing")
    assert failure.where == "line 2" and failure.computed == "none"  # the batch
    assert failure.expected == "a points.ScoreEntered after the batch"


def test_the_verifier_applies_rule_80_to_every_record_and_at_the_end() -> None:
    """Wired in verify/invariants.py: a row of another principal, and a row never recorded."""
    from verify.invariants import Invariants

    for change, where in (("row-by-another-principal", "line 4"), ("row-missing", "line 2")):
        log = Log()
        a = log.add("book-a", "points.BookOpened", scheme=log.sid("scheme"), cadre=log.sid("c"),
                    county="taihu", township="th01", village="晋熙镇01村", category="principal",
                    year=2023, bonus_cap_tenths=50)  # fmt: skip
        _batch(log, [(a, 2), (a, 3)])
        _entry(log, "book-a", 1)
        if change != "row-missing":
            _entry(log, "book-a", 2, principal="tpc-02")
        rules, found = Invariants(), []
        for i, line in enumerate(log.lines):
            found += rules.add(parse_record(line), f"line {i + 1}")
        found += rules.end()
        assert [f.where for f in found if f.rule == ROWS] == [where], change


# Rule 79 ``imports.parts``: a batch of more than IMPORT_PART_ROWS records names the rest in
# BatchPart records; here parts of one record (three rows: the batch's list and two parts),
# each tampered with as a forger re-chaining the log could.


def _parted(mangle: Callable[[list[Any]], list[Any]] = list, parts: int | None = None,
            rows: int | None = None) -> list[tuple[str, str]]:  # fmt: skip
    """Book a's entries 1-3 named by a batch (line 2) and its parts (lines 3, 4 unless
    ``mangle``d), then the entries; the (where, rule) failures."""
    log = Log()
    a = log.add("book-a", "points.BookOpened", scheme=log.sid("scheme"), cadre=log.sid("c"),
                county="taihu", township="th01", village="晋熙镇01村", category="principal",
                year=2023, bonus_cap_tenths=50)  # fmt: skip
    _batch(log, [(a, 2), (a, 3), (a, 4)], per=1, mangle=mangle, parts=parts, rows=rows)
    for n in (1, 2, 3):
        _entry(log, "book-a", n)
    return [(f.where, f.rule) for f in failures(log)]


@pytest.fixture
def parts_of_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules_imports, "IMPORT_PART_ROWS", 1)


@pytest.mark.usefixtures("parts_of_one")
def test_a_batch_in_parts_breaks_nothing() -> None:
    assert _parted() == []


@pytest.mark.usefixtures("parts_of_one")
def test_a_missing_batch_part_is_caught() -> None:
    found = _parted(lambda p: p[:1])  # counts 1 part: 2 records for 3 rows, entry 3 unnamed
    assert found == [("line 3", ROWS)]
    assert _parted(lambda p: p[:1], parts=2) == [("line 2", PARTS)]  # at the end of the log


@pytest.mark.usefixtures("parts_of_one")
def test_a_duplicated_batch_part_is_caught() -> None:
    found = _parted(lambda p: [p[0], p[0], p[1]], parts=2)
    assert ("line 4", PARTS) in found  # a second part 1, and the records named twice
    assert ("line 4", ROWS) in found


@pytest.mark.usefixtures("parts_of_one")
def test_reordered_batch_parts_are_caught() -> None:
    assert _parted(lambda p: [p[1], p[0]]) == [("line 3", PARTS), ("line 4", PARTS)]


@pytest.mark.usefixtures("parts_of_one")
def test_an_altered_batch_part_is_caught() -> None:
    def other(parts: list[Any]) -> list[Any]:
        record = parts[1]["records"][0]
        return [parts[0], {"part": 2, "records": [record | {"version": 9}]}]

    found = _parted(other)
    assert ("line 2", ROWS) in found  # version 9 never comes (at the end of the log)


@pytest.mark.usefixtures("parts_of_one")
def test_a_batch_part_over_its_records_is_caught() -> None:
    both = _parted(lambda p: [{"part": 1, "records": p[0]["records"] + p[1]["records"]}])
    assert both == [("line 3", PARTS)]


def test_a_batch_list_not_full_before_its_last_part_is_caught(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rules_imports, "IMPORT_PART_ROWS", 2)  # the lists of one: not full
    assert _parted() == [("line 3", PARTS), ("line 4", PARTS)]


@pytest.mark.usefixtures("parts_of_one")
def test_a_batch_part_the_batch_does_not_count_is_caught() -> None:
    assert _parted(parts=1) == [("line 3", ROWS), ("line 4", PARTS)]  # 2 of 3 rows named


@pytest.mark.usefixtures("parts_of_one")
def test_a_batch_in_parts_whose_rows_miscount_is_caught() -> None:
    assert _parted(rows=4) == [("line 4", ROWS)]
