"""The rules of docs/FORMAT.md §8 for the lists of issue 14, from hand-built records, held on
both sides: the projections (in the database, leaf by leaf and in one batch) and
verify/lists.py build the same rows, and the rows are what the rule quoted says."""

from __future__ import annotations

from typing import Any

import pytest

from ledger.settings import Database
from tests.integration.test_list_rules import both_sides, by_key
from tests.support.records import Log, erase, sid
from verify.lists import ERASED, VAULT
from verify.lists_cadres import loop_key
from verify.quarters import quarter_end, step_due

DUE = {"summary": 10, "appraisal": 20, "feedback": 25, "goal": 30}
SCORES = {"preparation": 90, "grounding": 85, "expression": 80, "results": 88}
HEX = "0" * 64


def programme(log: Log, county: str = "qianshan", year: int = 2023) -> str:
    return log.add("prog", "assessment.ProgrammeOpened", county=county, year=year,
                   department="中共潜山市委组织部", due_days=DUE)  # fmt: skip


def enrol(log: Log, prog: str, name: str, section: str = "干部监督科") -> str:
    log.add(f"cadre-{name}", "subject.Registered", commitment=HEX, kind="department_cadre")
    return log.add(f"rec-{name}", "assessment.CadreEnrolled", programme=prog, county="qianshan",
                   year=2023, cadre=sid(f"cadre-{name}"), section=section)  # fmt: skip


STEPS: list[tuple[str, dict[str, Any]]] = [
    ("assessment.SummarySubmitted", {"commitment": HEX, "answers_goal": None}),
    ("assessment.Appraised", {"rating": "fairly_good", "commitment": HEX, "references": []}),
    ("assessment.FeedbackAcknowledged", {}),
    ("assessment.GoalSet", {"commitment": HEX}),
]


def test_a_step_on_its_due_date_is_in_time_the_day_after_late(database: Database) -> None:
    """§8 ``assessment-loops``: "a step is late when its record's date is after its due date
    (the quarter's last day + the programme's ``due_days``)"; the date is the record's
    ``at`` in the business timezone (Asia/Shanghai: 16:30 UTC is the next day)."""
    log = Log()
    prog = programme(log)
    enrol(log, prog, "a")
    enrol(log, prog, "b")
    log.add("rec-a", STEPS[0][0], at="2023-04-10T15:59:59.000000Z", quarter=1, **STEPS[0][1])
    log.add("rec-b", STEPS[0][0], at="2023-04-10T16:00:00.000000Z", quarter=1, **STEPS[0][1])
    for kind, data in STEPS[1:]:
        log.add("rec-a", kind, at="2023-05-01", quarter=1, **data)  # each one late
    rows = by_key(both_sides(database, log)["assessment-loops"])
    q1 = rows[loop_key(prog, "干部监督科", 1)]
    assert q1["summary"] == {"due": "2023-04-10", "done": 2, "late": 1}
    assert q1["appraisal"] == {"due": "2023-04-20", "done": 1, "late": 1}
    assert q1["goal"] == {"due": "2023-04-30", "done": 1, "late": 1}
    assert "ratings" not in q1  # a section's ratings are personal results (§8)
    assert q1["cadres"] == 2 and len(rows) == 4


def test_sections_are_separate_rows_with_ascii_keys(database: Database) -> None:
    """§8: "key: programme, ``/``, the section percent-encoded (UTF-8, every byte but
    A-Z a-z 0-9 - . _ ~ as %XX), ``/Q``, the quarter" — a section named with a slash or a
    space keeps one row per section."""
    log = Log()
    prog = programme(log)
    for name, section in [("a", "组织科"), ("b", "组织科/干部科"), ("c", "A B"), ("d", "组织科")]:
        enrol(log, prog, name, section)
    rows = by_key(both_sides(database, log)["assessment-loops"])
    assert sorted({(r["section"], r["cadres"]) for r in rows.values()}) == [
        ("A B", 1), ("组织科", 2), ("组织科/干部科", 1)
    ]  # fmt: skip
    assert f"{prog}/A%20B/Q3" in rows and all(key.isascii() for key in rows)
    assert (
        loop_key(prog, "组织科/干部科", 2)
        == f"{prog}/%E7%BB%84%E7%BB%87%E7%A7%91%2F%E5%B9%B2%E9%83%A8%E7%A7%91/Q2"
    )


@pytest.mark.parametrize(
    ("year", "quarter", "days", "due"),
    [(2023, 1, 10, "2023-04-10"), (2023, 2, 30, "2023-07-30"), (2023, 3, 1, "2023-10-01"),
     (2023, 4, 10, "2024-01-10"), (2024, 1, 1, "2024-04-01"), (2023, 4, 90, "2024-03-30")],
)  # fmt: skip
def test_step_due(year: int, quarter: int, days: int, due: str) -> None:
    assert step_due(year, quarter, days).isoformat() == due


@pytest.mark.parametrize(
    ("year", "quarter", "last"),
    [(2023, 1, "2023-03-31"), (2023, 2, "2023-06-30"), (2023, 3, "2023-09-30"),
     (2023, 4, "2023-12-31"), (2024, 1, "2024-03-31"), (2100, 4, "2100-12-31")],
)  # fmt: skip
def test_quarter_end_q4_is_the_years_last_day(year: int, quarter: int, last: str) -> None:
    assert quarter_end(year, quarter).isoformat() == last


def test_lecture_before_and_after_its_close(database: Database) -> None:
    """§8 ``lectures``: ``means`` and ``overall_tenths`` null until ``lecture.Closed``, then
    its figures; ``forms`` counts them; ``test_mean_tenths`` of the test."""
    log = Log()
    prog = programme(log, county="huaining")
    enrol(log, prog, "s")
    lecture = log.add("lec", "lecture.Scheduled", programme=prog, county="huaining", year=2023,
                      week="2023-04-03", board="policy", topic="科长讲政策",
                      speaker=sid("cadre-s"))  # fmt: skip
    for n in range(2):
        log.add("lec", "lecture.Rated", at="2023-04-03", principal=f"r-{n}", scores=SCORES)
    log.add("lec", "lecture.Commented", at="2023-04-03", capacity="section_head", commitment=HEX)
    before = by_key(both_sides(database, log)["lectures"])[lecture]
    assert before == {
        "key": lecture, "lecture": lecture, "programme": prog, "county": "huaining",
        "week": "2023-04-03", "board": "policy", "topic": "科长讲政策",
        "speaker": sid("cadre-s"), "name": VAULT, "forms": 2, "means": None,
        "overall_tenths": None, "test_mean_tenths": None,
        "comments": {"section_head": True, "deputy_head": False}, "closed": False,
    }  # fmt: skip
    log.add("lec", "lecture.Commented", at="2023-04-03", capacity="deputy_head", commitment=HEX)
    log.add("lec", "lecture.TestRecorded", at="2023-04-03", takers=10, mean_tenths=800)
    tested = by_key(both_sides(database, log)["lectures"])[lecture]
    assert (tested["test_mean_tenths"], tested["means"], tested["closed"]) == (800, None, False)
    means = {"preparation": 900, "grounding": 850, "expression": 800, "results": 880}
    log.add("lec", "lecture.Closed", at="2023-04-04", speaker=sid("cadre-s"), forms=2,
            means=means, overall_tenths=858, test_mean_tenths=800)  # fmt: skip
    after = by_key(both_sides(database, log)["lectures"])[lecture]
    assert after == before | {
        "means": means, "overall_tenths": 858, "test_mean_tenths": 800, "closed": True,
        "comments": {"section_head": True, "deputy_head": True},
    }  # fmt: skip


def test_names_after_erasure(database: Database) -> None:
    """§8: "A subject whose ``subject.Erased`` is among the leaves ... shows ``已删除``": the
    speaker's ``name``, the mentor's and the mentee's names."""
    log = Log()
    prog = programme(log)
    for name in "abc":
        enrol(log, prog, name)
    lecture = log.add("lec", "lecture.Scheduled", programme=prog, county="qianshan",
                      year=2023, week="2023-04-03", board="plans", topic="t",
                      speaker=sid("cadre-a"))  # fmt: skip
    pair = log.add("pair", "mentoring.PairStarted", programme=prog, county="qianshan",
                   year=2023, mentor=sid("cadre-b"), mentee=sid("cadre-a"),
                   started_on="2023-04-01")  # fmt: skip
    other = log.add("pair2", "mentoring.PairStarted", programme=prog, county="qianshan",
                    year=2023, mentor=sid("cadre-b"), mentee=sid("cadre-c"),
                    started_on="2023-04-01")  # fmt: skip
    log.add("pair", "mentoring.NoteRecorded", quarter=2, side="mentee", commitment=HEX)
    lists = both_sides(database, log)
    assert by_key(lists["lectures"])[lecture]["name"] == VAULT
    erase(log, "cadre-a", at="2023-06-01")
    lists = both_sides(database, log)
    assert by_key(lists["lectures"])[lecture]["name"] == ERASED
    row = by_key(lists["mentoring-pairs"])[pair]
    assert (row["mentor_name"], row["mentee_name"]) == (VAULT, ERASED)
    assert by_key(lists["mentoring-pairs"])[other]["mentee_name"] == VAULT
    assert row["notes"] == {"Q1": {"mentee": False, "mentor": False},
                            "Q2": {"mentee": True, "mentor": False},
                            "Q3": {"mentee": False, "mentor": False},
                            "Q4": {"mentee": False, "mentor": False}}  # fmt: skip
    erase(log, "cadre-b", at="2023-06-02")  # the mentor of both pairs
    lists = both_sides(database, log)
    assert [r["mentor_name"] for r in lists["mentoring-pairs"]] == [ERASED, ERASED]


def test_training_attendance_by_session_and_completions(database: Database) -> None:
    """§8 ``training-classes``: ``attendance`` has one entry per session, the number present
    once its ``AttendanceRecorded`` is among the leaves (``null`` before); ``completed``
    counts the ``CompletionRecorded`` with ``completed`` true."""
    log = Log()
    cadres = [sid(f"cadre-{n}") for n in range(3)]
    training = log.add("t", "training.ClassOpened", county="qianshan", year=2023,
                       kind="young_and_middle_aged", name="中青年干部培训班",
                       sessions=3)  # fmt: skip
    for cadre in cadres:
        log.add("t", "training.ParticipantEnrolled", cadre=cadre)
    log.add("t", "training.AttendanceRecorded", session=2, present=[])
    log.add("t", "training.AttendanceRecorded", session=1, present=sorted(cadres[:2]))
    row = by_key(both_sides(database, log)["training-classes"])[training]
    assert (row["participants"], row["attendance"], row["completed"]) == (3, [2, 0, None], 0)
    log.add("t", "training.AttendanceRecorded", session=3, present=[cadres[0]])
    log.add("t", "training.CompletionRecorded", cadre=cadres[0], completed=True, attended=2)
    log.add("t", "training.CompletionRecorded", cadre=cadres[1], completed=False, attended=1)
    row = by_key(both_sides(database, log)["training-classes"])[training]
    assert row == {
        "key": training, "training": training, "county": "qianshan", "year": 2023,
        "kind": "young_and_middle_aged", "name": "中青年干部培训班", "sessions": 3,
        "participants": 3, "attendance": [2, 0, 1], "completed": 1,
    }  # fmt: skip
