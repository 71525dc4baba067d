"""Commands of the routine assessment that read other streams than the one they write, racing
a writer in another process (ledger/guards.py). Each command scans, then another process
commits between the scan and the save (deterministic: a check is wrapped so the rival runs
right after it), then the save: it expects the counts it scanned, so it runs again on fresh
state instead of storing what the verifier would reject. SQLite and PostgreSQL; each test
fails without its guard.

- start_pair: two mentors for one mentee ("由11名老组工与22名年轻干部结成帮带对子": a mentee has
  one pair at a time, ``mentoring.pair``) — saved under the counts of ``mentoring.PairStarted``
  and ``PairEnded``; the second pair is refused.
- appraise, record_annual_grade: a lecture of the cadre closes meanwhile — saved under the
  count of ``lecture.Closed``; the lecture is among the references (``assessment.references``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

import pytest

from ledger.assessment.service import Assessment
from ledger.check import iter_notifications
from ledger.clock import SteppingClock
from ledger.errors import RuleViolation
from ledger.ledger import Ledger, open_ledger
from ledger.mapper import unpack_state
from ledger.settings import Settings
from tests.integration.assessment_helpers import (
    DEPUTY,
    LEADER,
    MONDAY,
    ORG,
    QUARTER_DAYS,
    SCORES,
    Department,
    department,
    on,
    quarter_loop,
)
from verify.invariants import Invariants
from verify.record import parse_record


def rival(ledger: Ledger, settings: Settings, act: Callable[[Assessment], Any]) -> None:
    """``act`` in another process (its own ledger on the same database, its clock at
    ``ledger``'s now), committed."""
    own = open_ledger(settings, clock=SteppingClock(ledger.clock()))
    try:
        act(Assessment(own))
    finally:
        own.close()


def assessment_failures(ledger: Ledger) -> list[str]:
    """The rules of the routine assessment the verifier finds broken in the ledger's log."""
    rules, found = Invariants(), []
    for index, notification in enumerate(iter_notifications(ledger.app.recorder)):
        found += rules.add(parse_record(unpack_state(notification.state)[1]), f"leaf {index}")
    return [f.rule for f in found if f.rule.startswith(("assessment.", "lecture.", "mentoring."))]


def test_a_second_mentor_for_a_mentee_started_meanwhile_is_refused(
    ledger: Ledger, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The department pairs cadre 2 with cadre 0; between its scan for cadre 2's unended pair
    and its save, another process pairs cadre 2 with cadre 1. The save's guard finds a pair
    more than it scanned: run again, the mentee is paired, ``mentoring.pair``."""
    unit = department(ledger, 3)
    on(ledger, date(2023, 3, 1))
    original, started = Assessment._open_pair_of, []
    first = date(2023, 3, 1)

    def rival_pair(a: Assessment) -> None:
        started.append(a.start_pair(unit.programme, unit.cadres[1], unit.cadres[2], first, ORG))

    def scan_then_rival(self: Assessment, *args: Any) -> UUID | None:
        found = original(self, *args)
        if not started:
            started.append(True)
            rival(ledger, settings, rival_pair)
        return found

    monkeypatch.setattr(Assessment, "_open_pair_of", scan_then_rival)
    with pytest.raises(RuleViolation) as refused:
        unit.service.start_pair(unit.programme, unit.cadres[0], unit.cadres[2], first, ORG)
    assert refused.value.rule == "mentoring.pair" and len(started) == 2
    pairs = ledger.app.streams_of("mentoring.PairStarted")
    assert pairs == [started[1]]  # the rival's only
    assert assessment_failures(ledger) == []


def open_lecture(unit: Department) -> UUID:
    """Cadre 0's lecture of MONDAY, rated, commented and tested: ready to close."""
    service = unit.service
    lecture = service.schedule_lecture(
        unit.programme, MONDAY, "business", "干部档案专项审核实务", unit.cadres[0], ORG
    )
    service.rate_lecture(lecture, SCORES, unit.accounts[1])
    service.comment_lecture(lecture, "section_head", "准备充分", LEADER)
    service.comment_lecture(lecture, "deputy_head", "结合政策原文", DEPUTY)
    service.record_lecture_test(lecture, 12, 873, ORG)
    return lecture


def close_meanwhile(
    ledger: Ledger, settings: Settings, monkeypatch: pytest.MonkeyPatch, lecture: UUID
) -> list[bool]:
    """Wrap the reference scan: right after it, another process closes ``lecture``."""
    original, closed = Assessment.lecture_references, []

    def scan_then_close(self: Assessment, *args: Any, **kwargs: Any) -> list[str]:
        found = original(self, *args, **kwargs)
        if not closed:
            closed.append(True)
            rival(ledger, settings, lambda a: a.close_lecture(lecture, ORG))
        return found

    monkeypatch.setattr(Assessment, "lecture_references", scan_then_close)
    return closed


def test_a_lecture_closed_while_its_speakers_appraisal_saves_is_referenced(
    ledger: Ledger, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cadre 0's Q2 appraisal scans the closed lectures (none of cadre 0's); its Q2 lecture
    closes in another process before the save: the guard makes it scan again, and the
    lecture is the appraisal's reference, as the verifier expects."""
    unit = department(ledger, 2)
    on(ledger, QUARTER_DAYS[1])
    quarter_loop(unit, 0, 1)
    on(ledger, QUARTER_DAYS[2])
    lecture = open_lecture(unit)
    unit.service.submit_summary(unit.records[0], 2, "小结", unit.accounts[0])
    closed = close_meanwhile(ledger, settings, monkeypatch, lecture)
    unit.service.appraise(unit.records[0], 2, "good", "评鉴", LEADER)
    assert closed == [True]
    assert unit.service.record(unit.records[0]).references[2] == [str(lecture)]
    assert assessment_failures(ledger) == []


def test_a_lecture_closed_while_its_speakers_grade_saves_is_referenced(
    ledger: Ledger, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lecture stays open through the four appraisals; it closes in another process
    while the annual grade saves: the grade's references name it."""
    unit = department(ledger, 2)
    on(ledger, QUARTER_DAYS[1])
    quarter_loop(unit, 0, 1)
    on(ledger, QUARTER_DAYS[2])
    lecture = open_lecture(unit)
    for quarter in (2, 3, 4):
        on(ledger, QUARTER_DAYS[quarter])
        quarter_loop(unit, 0, quarter)
    closed = close_meanwhile(ledger, settings, monkeypatch, lecture)
    unit.service.record_annual_grade(unit.records[0], "competent", "理由", LEADER)
    assert closed == [True]
    grade = unit.service.record(unit.records[0]).grade
    assert grade is not None and grade["references"] == [str(lecture)]
    assert assessment_failures(ledger) == []
