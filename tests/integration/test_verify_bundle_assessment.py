"""gongshi-verify on an exported bundle holding a routine-assessment history (issue 14): a
cadre's four quarterly loops and annual grade, a lecture (rated, commented, tested, closed) as
a reference of the Q2 appraisal, a second lecture still open, a mentoring pair with its notes
and end, two training classes. Clean, it passes; with one record changed to break a rule of
verify/rules_assessment.py, rules_lectures.py, rules_mentoring.py or rules_training.py —
re-chained and re-signed by an operator holding the log's keys, so that only the rule across
records can catch it — it fails naming that rule alone (docs/FORMAT.md §4 rules 45-68)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ledger.actor import Actor, Role
from ledger.clock import SteppingClock
from ledger.db import Database
from ledger.ledger import Ledger
from ledger.principal import Scope
from ledger.settings import Settings
from tests.integration.assessment_helpers import (
    DEPUTY,
    ORG,
    QUARTER_DAYS,
    REGISTRAR,
    department,
    leader_linked_to,
    lecture_done,
    on,
    quarter_loop,
)
from tests.integration.bundles import (
    DROP,
    Keys,
    lines,
    make_bundle,
    no_pinned_policy,  # noqa: F401 (autouse)
    rechain,
    resign,
    rules,
    run_json,
    write_lines,
)
from tests.support.principals import COUNTY, enrol
from verify.canonical import canonical_bytes

Records = list[dict[str, Any]]
# a change of one record: dotted paths to new values, DROP, or a function of the record and
# the records before it
Forgery = Mapping[str, Any] | str | Callable[[dict[str, Any], Records], None]
QIANSHAN_ORG = Actor("org-qs", Role.ORGANISATION_DEPARTMENT)  # another county's department
NOBODY = "00000000-0000-4000-8000-000000000000"  # no subject: sorts before every id


def _history(ledger: Ledger) -> None:
    """Qianshan's department enrolled and leader-03 linked to cadre 0 (neither acts); cadres
    0-3 of a programme; a subject never enrolled. Two classes; cadre 0 mentors cadre 1;
    cadre 0's year and grade, its lecture of 3 April closed, cadre 3's of 10 April open; then
    cadre 1's first summary (the last record of its record) and the pair's end."""
    enrol(ledger, QIANSHAN_ORG, scope=Scope(county="潜山市"))
    unit = department(ledger, n=4)
    service, c = unit.service, unit.cadres
    leader_linked_to(ledger, unit, 0)
    ledger.register_subject({"name": "未入册干部"}, "department_cadre", REGISTRAR)
    on(ledger, date(2023, 2, 1))
    for sessions in (2, 2):
        training = service.open_training(COUNTY, 2023, "induction", "公务员初任培训班", sessions,
                                         ORG)  # fmt: skip
        service.enrol_trainees(training, [c[0], c[1]], ORG)
        service.record_attendance(training, 1, [c[0], c[1]], ORG)
        service.record_attendance(training, 2, [c[0]], ORG)
    service.record_completion(training, c[0], True, ORG)
    service.record_completion(training, c[1], False, ORG)
    pair = service.start_pair(unit.programme, c[0], c[1], date(2023, 2, 1), ORG)
    on(ledger, QUARTER_DAYS[1])
    service.record_pair_note(pair, 1, "mentor", "带教计划", unit.accounts[0])
    service.record_pair_note(pair, 1, "mentee", "学习体会", unit.accounts[1])
    quarter_loop(unit, 0, 1)
    on(ledger, date(2023, 4, 10))
    lecture_done(unit, speaker=0, raters=(1, 2))
    second = service.schedule_lecture(unit.programme, date(2023, 4, 10), "plans",
                                      "新兵讲打算", c[3], ORG)  # fmt: skip
    service.rate_lecture(second, {"preparation": 80, "grounding": 80, "expression": 80,
                                  "results": 80}, unit.accounts[1])  # fmt: skip
    for quarter in (2, 3, 4):
        on(ledger, QUARTER_DAYS[quarter])
        quarter_loop(unit, 0, quarter)
    service.record_annual_grade(unit.records[0], "excellent", "四个季度评鉴均为好", DEPUTY)
    service.submit_summary(unit.records[1], 1, "第一季度小结", unit.accounts[1])
    service.end_pair(pair, date(2023, 12, 20), "帮带期满", ORG)


_BUILT: dict[str, tuple[Keys, Path]] = {}  # per backend: the clean bundle, built once


@pytest.fixture
def made(
    database: Database, request: pytest.FixtureRequest, tmp_path: Path
) -> tuple[Keys, Path, Path]:
    """A copy of the clean bundle (history, then ``make_bundle``'s care-fund records, signed,
    cosigned, exported) and its pinned policy; built once per backend."""
    backend = request.node.callspec.params["database"]
    if backend not in _BUILT:
        ledger: Ledger = request.getfixturevalue("ledger")
        settings: Settings = request.getfixturevalue("settings")
        clock: SteppingClock = request.getfixturevalue("clock")
        start = clock()
        _history(ledger)
        clock.set(start)
        where = tmp_path / "built"
        keys, _ = make_bundle(ledger, settings, clock, where / "bundle")
        _BUILT[backend] = keys, where
    keys, where = _BUILT[backend]
    shutil.copytree(where / "bundle", tmp_path / "bundle")
    shutil.copy(where / "pinned-policy", tmp_path / "pinned-policy")
    return keys, tmp_path / "bundle", tmp_path / "pinned-policy"


def _check(capsys: pytest.CaptureFixture[str], bundle: Path, pinned: Path) -> tuple[int, set[str]]:
    code, report = run_json(capsys, "bundle", str(bundle), "--policy", str(pinned))
    return code, rules(report)


def forge(bundle: Path, keys: Keys, kind: str, nth: int, change: Forgery) -> None:
    """The ``nth`` record of type ``kind`` changed, the later records of its streams
    re-chained, one checkpoint signed and cosigned over the lines (the older ones dropped)."""
    records = lines(bundle)
    parsed = [json.loads(line) for line in records]
    index = [i for i, r in enumerate(parsed) if r["type"] == kind][nth]
    if change == DROP:
        del records[index]
    else:
        record = parsed[index]
        if callable(change):
            change(record, parsed[:index])
        else:
            assert isinstance(change, Mapping)
            for path, value in change.items():
                *parents, last = path.split(".")
                target = record
                for name in parents:
                    target = target[name]
                target[last] = value
        records[index] = canonical_bytes(record)
    write_lines(bundle, rechain(records, index))
    for old in (bundle / "checkpoints").iterdir():
        old.unlink()
    resign(bundle, keys)


def _into_the_graded_record(record: dict[str, Any], before: Records) -> None:
    """Cadre 1's summary moved into cadre 0's record, after its annual grade."""
    graded = next(r["stream"] for r in before if r["type"] == "assessment.AnnualGradeRecorded")
    record["stream"] = graded
    record["version"] = 1 + sum(r["stream"] == graded for r in before)
    record["actor"]["principal"] = "cadre-0"


def _never_enrolled(record: dict[str, Any], before: Records) -> None:
    """The speaker: the department cadre registered and never enrolled (not a leader's
    holder either)."""
    enrolled = {r["data"]["cadre"] for r in before if r["type"] == "assessment.CadreEnrolled"}
    enrolled |= {r["data"]["subject"] for r in before if r["type"] == "principal.SubjectLinked"}
    (record["data"]["speaker"],) = (
        r["stream"] for r in before
        if r["type"] == "subject.Registered" and r["data"]["kind"] == "department_cadre"
        and r["stream"] not in enrolled
    )  # fmt: skip


def _nobody_present(record: dict[str, Any], before: Records) -> None:
    record["data"]["present"] = [NOBODY, *record["data"]["present"]]


def test_clean_bundle_with_a_routine_assessment_passes(
    made: tuple[Keys, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, bundle, pinned = made
    assert _check(capsys, bundle, pinned) == (0, set())


def _case(name: str, kind: str, nth: int, change: Forgery, rule: str) -> Any:
    return pytest.param(kind, nth, change, rule, id=name)


TEST_AS_A_RATING = {  # the test's record rewritten as one more rating: no test
    "type": "lecture.Rated", "actor.principal": "cadre-3", "actor.role": "department_cadre",
    "data": {"scores": {"preparation": 70, "grounding": 70, "expression": 70, "results": 70}},
}  # fmt: skip
DUE = {"summary": 10, "appraisal": 10, "feedback": 25, "goal": 30}
SUMMARY, APPRAISED = "assessment.SummarySubmitted", "assessment.Appraised"
GRADE = "assessment.AnnualGradeRecorded"


@pytest.mark.parametrize(
    ("kind", "nth", "change", "rule"),
    [
        _case("due-days-not-increasing", "assessment.ProgrammeOpened", 0,
              {"data.due_days": DUE}, "assessment.programme"),
        _case("enrolled-for-another-year", "assessment.CadreEnrolled", 3, {"data.year": 2024},
              "assessment.enrol"),
        _case("enrolled-in-another-county-by-its-department", "assessment.CadreEnrolled", 3,
              {"data.county": "潜山市", "actor.principal": "org-qs"}, "principal.scope"),
        _case("q2-summary-in-march", SUMMARY, 1, {"at": "2023-03-31T08:00:00.000000Z"},
              "assessment.quarter"),
        _case("q4-feedback-as-a-second-q3-feedback", "assessment.FeedbackAcknowledged", 3,
              {"data.quarter": 3}, "assessment.order"),
        _case("q3-summary-answering-another-goal", SUMMARY, 2,
              {"data.answers_goal": "0" * 64}, "assessment.goal"),
        _case("feedback-by-another-cadre", "assessment.FeedbackAcknowledged", 0,
              {"actor.principal": "cadre-1"}, "assessment.hands"),
        _case("appraised-by-a-leader-linked-to-the-cadre", APPRAISED, 0,
              {"actor.principal": "leader-03"}, "assessment.self"),
        _case("graded-by-a-leader-linked-to-the-cadre", GRADE, 0,
              {"actor.principal": "leader-03"}, "assessment.self"),
        _case("q2-appraisal-without-its-lecture", APPRAISED, 1, {"data.references": []},
              "assessment.references"),
        _case("grade-without-the-appraisals-lectures", GRADE, 0, {"data.references": []},
              "assessment.references"),
        _case("incompetent-without-a-poor-quarter", GRADE, 0, {"data.grade": "incompetent"},
              "assessment.annual_grade"),
        _case("ratings-not-the-appraisals", GRADE, 0,
              {"data.ratings": ["good", "good", "good", "fairly_good"]},
              "assessment.annual_grade"),
        _case("a-step-after-the-grade", SUMMARY, 4, _into_the_graded_record,
              "assessment.closed"),
        _case("lecture-of-another-year", "lecture.Scheduled", 0, {"data.year": 2024},
              "lecture.week"),
        _case("speaker-not-enrolled", "lecture.Scheduled", 1, _never_enrolled,
              "lecture.speaker"),
        _case("speaker-rating-their-lecture", "lecture.Rated", 0,
              {"actor.principal": "cadre-0"}, "lecture.rater"),
        _case("a-second-form", "lecture.Rated", 1, {"actor.principal": "cadre-1"},
              "lecture.one_form"),
        _case("comment-by-a-leader-linked-to-the-speaker", "lecture.Commented", 1,
              {"actor.principal": "leader-03"}, "lecture.comment"),
        _case("rating-before-the-week", "lecture.Rated", 0,
              {"at": "2023-04-02T08:00:00.000000Z"}, "lecture.order"),
        _case("close-without-the-test", "lecture.TestRecorded", 0, TEST_AS_A_RATING,
              "lecture.order"),
        _case("overall-not-recomputed", "lecture.Closed", 0, {"data.overall_tenths": 999},
              "lecture.result"),
        _case("pair-started-tomorrow", "mentoring.PairStarted", 0,
              {"data.started_on": "2023-02-02"}, "mentoring.pair"),
        _case("mentor-note-by-the-mentee", "mentoring.NoteRecorded", 0,
              {"actor.principal": "cadre-1"}, "mentoring.note"),
        _case("ended-before-it-started", "mentoring.PairEnded", 0,
              {"data.ended_on": "2023-01-31"}, "mentoring.ended"),
        _case("present-but-not-enrolled", "training.AttendanceRecorded", 1, _nobody_present,
              "training.enrolled"),
        _case("session-beyond-the-class", "training.AttendanceRecorded", 3, {"data.session": 3},
              "training.session"),
        _case("attended-not-the-count", "training.CompletionRecorded", 0, {"data.attended": 1},
              "training.completion"),
        _case("leader-link-dropped", "principal.SubjectLinked", 0, DROP,
              "assessment.account"),
        _case("both-comments-by-one-leader", "lecture.Commented", 1,
              {"actor.principal": "leader-01"}, "lecture.comment"),
    ],
)  # fmt: skip
def test_a_rule_broken_by_one_resigned_record_is_named(
    made: tuple[Keys, Path, Path],
    capsys: pytest.CaptureFixture[str],
    kind: str,
    nth: int,
    change: Forgery,
    rule: str,
) -> None:
    keys, bundle, pinned = made
    forge(bundle, keys, kind, nth, change)
    assert _check(capsys, bundle, pinned) == (1, {rule})
