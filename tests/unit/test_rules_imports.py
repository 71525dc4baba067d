"""Rule 76 ``imports.rows`` (docs/FORMAT.md §4, verify/rules_imports.py): a batch's named
records come after it, of its kind's type, by its principal and role at its ``at``, named by
no other batch, as many as ``rows``. One tamper test per way to break it."""

from __future__ import annotations

from typing import Any

from tests.support.records import Log
from verify.failure import Failure
from verify.record import parse_record
from verify.rules_imports import ROWS, ImportRules

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
           kind: str = "points-entries", sha: str = SHA) -> None:  # fmt: skip
    log.add(f"batch-{sha}-{kind}", "imports.BatchImported", at=AT, principal="tpc-01",
            role="township_party_committee", kind=kind, sha256=sha,
            rows=len(records) if rows is None else rows,
            records=[{"stream": s, "version": v} for s, v in records])  # fmt: skip


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
