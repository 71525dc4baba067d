"""No record longer than an entry bundle can carry (docs/FORMAT.md rule 78
``record.entry_size``, §7): the ledger refuses to build one, with its size and the limit, and
the verifier reports one; a year close of a county of thousands of cadres stays within it,
its ranking in ``points.RankingPart`` records. Each test fails with its check removed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from ledger.actor import Actor, Role
from ledger.chained import build_record
from ledger.errors import RecordTooLarge, RuleViolation
from ledger.points.config import SchemeConfig
from ledger.points.scheme import Scheme
from tests.support.records import Log
from verify.invariants import Invariants
from verify.record import GENESIS_PREV, parse_record
from verify.schema import MAX_RECORD_BYTES

ORG = Actor("org-01", Role.ORGANISATION_DEPARTMENT)
STREAM = uuid.UUID(int=7)


def reopening(reason: str) -> bytes:
    return build_record(stream=STREAM, version=2, type_name="points.YearReopened",
                        at="2024-01-10T08:00:00.000000Z", actor=ORG, data={"reason": reason},
                        prev=GENESIS_PREV)  # fmt: skip


def test_a_record_longer_than_an_entry_bundle_carries_is_refused_with_its_size() -> None:
    fits = reopening("")
    at_limit = reopening("x" * (MAX_RECORD_BYTES - len(fits)))
    assert len(at_limit) == MAX_RECORD_BYTES == 65_535
    with pytest.raises(RecordTooLarge) as refused:
        reopening("x" * (MAX_RECORD_BYTES - len(fits) + 1))
    assert (refused.value.size, refused.value.limit) == (65_536, 65_535)
    assert isinstance(refused.value, RuleViolation)
    assert refused.value.rule == "record.entry_size"
    assert "65536 bytes" in str(refused.value) and "65535" in str(refused.value)


def test_a_close_of_five_thousand_cadres_is_in_parts_within_the_limit() -> None:
    """A province county: 5,000 books, one category; 25 parts of 200 rows, each record
    within the limit (one record of the whole ranking would be ~0.9 MB); the aggregate's
    ranking and bottom cases are the whole close's. A reopening too long is refused and
    changes nothing."""
    scheme = Scheme.open(SchemeConfig(), ORG, datetime(2023, 1, 2, tzinfo=UTC))
    ranking = [{"cadre": str(uuid.UUID(int=n)), "book": str(uuid.UUID(int=10**6 + n)),
                "category": "principal", "total_tenths": 10_000 - n, "rank": n + 1,
                "bottom": n >= 4_500, "top": n < 750} for n in range(5_000)]  # fmt: skip
    cases = scheme.close_year(ranking=ranking, actor=ORG, moment=datetime(2024, 1, 2, tzinfo=UTC))
    events = scheme.collect_events()
    assert [e.TOPIC for e in events[1:]] == ["points.RankingPart"] * 25 + ["points.YearClosed"]
    assert max(len(e.record) for e in events) <= MAX_RECORD_BYTES
    assert [parse_record(e.record).type for e in events[-2:]] == [  # §4 takes what it writes
        "points.RankingPart", "points.YearClosed"]  # fmt: skip
    assert [row for e in events[1:-1] for row in e.rows] == ranking  # type: ignore[attr-defined]
    assert cases == sorted(row["cadre"] for row in ranking[4_500:]) and len(cases) == 500
    assert len(scheme.ranking) == 5_000 and scheme.bottom_cased == set(cases)
    with pytest.raises(RecordTooLarge):
        scheme.reopen_year("x" * 70_000, ORG, datetime(2024, 1, 3, tzinfo=UTC))
    assert scheme.version == 27 and scheme.closed and scheme.collect_events() == []


def test_the_verifier_reports_a_record_longer_than_an_entry_bundle_carries() -> None:
    log = Log()
    log.add("case-u", "supervision.CaseOpened", target_kind="unit", target="某局",
            reason="overdue_project", detail="逾期", county="yuexi", trigger=None,
            source=None)  # fmt: skip
    log.add("case-u", "supervision.CaseListed", role="supervision", principal="jw-01",
            deadline="2099-01-01", note="x" * 70_000)  # fmt: skip
    rules = Invariants()
    found = [f for n, line in enumerate(log.lines, 1)
             for f in rules.add(parse_record(line), f"line {n}")]  # fmt: skip
    sized = [(f.where, f.rule, f.computed) for f in found if f.rule == "record.entry_size"]
    assert sized == [("line 2", "record.entry_size", f"{len(log.lines[1])} bytes")]
    assert len(log.lines[0]) <= MAX_RECORD_BYTES  # the short one is not reported
