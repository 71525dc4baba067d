"""The lists of an organisation department's own cadres (docs/FORMAT.md §8, issue 14):
``lectures`` (讲组工), ``assessment-loops`` (平时考核: 小结, 评鉴, 反馈, 改进目标 per section and
quarter), ``mentoring-pairs`` (以老带新) and ``training-classes``, recomputed from the
records alone.

``CadreLists`` is the part of verify/lists.py ``Lists`` that folds them; names come from
the vault, so the rows that show one take ``name`` (Lists' VAULT or ERASED).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import quote

from verify.quarters import step_due
from verify.record import Record
from verify.schema import COMMENTERS

Row = dict[str, Any]
LOOP_STEP = {  # 小结, 评鉴, 反馈, 改进目标: the record type of each step of the quarter's loop
    "assessment.SummarySubmitted": "summary",
    "assessment.Appraised": "appraisal",
    "assessment.FeedbackAcknowledged": "feedback",
    "assessment.GoalSet": "goal",
}
QUARTERS = ("Q1", "Q2", "Q3", "Q4")


def _pick(data: Mapping[str, Any], *names: str) -> Row:
    return {name: data[name] for name in names}


def loop_key(programme: str, section: str, quarter: int) -> str:
    """An ``assessment-loops`` row's key: programme, the section percent-encoded (UTF-8, every
    byte but A-Z a-z 0-9 - . _ ~ as %XX: keys are ASCII), ``Q`` and the quarter."""
    return f"{programme}/{quote(section, safe='')}/Q{quarter}"


def new_loop(programme: str, opened: Mapping[str, Any], section: str, quarter: int) -> Row:
    """A section's loop for ``quarter`` before any cadre is counted: ``opened`` is the
    programme's ``ProgrammeOpened`` data (county, year, due_days)."""
    row: Row = {"programme": programme, "county": opened["county"], "year": opened["year"],
                "section": section, "quarter": quarter, "cadres": 0}  # fmt: skip
    for step in LOOP_STEP.values():
        due = step_due(opened["year"], quarter, opened["due_days"][step]).isoformat()
        row[step] = {"due": due, "done": 0, "late": 0}
    return row


def new_notes() -> Row:
    """A mentoring pair's notes before any: each quarter, neither side."""
    return {q: {"mentee": False, "mentor": False} for q in QUARTERS}


class CadreLists:
    """The cadre lists' state, fed their records in leaf order."""

    def __init__(self) -> None:
        self.programmes: dict[str, Row] = {}  # ProgrammeOpened: county, year, due_days
        self.enrolled: dict[str, tuple[str, str]] = {}  # record -> (programme, section)
        self.loops: dict[str, Row] = {}  # by loop_key
        self.lectures: dict[str, Row] = {}
        self.pairs: dict[str, Row] = {}
        self.trainings: dict[str, Row] = {}

    def fold(self, r: Record, s: str, d: Row, day: str) -> None:
        """Fold one ``assessment.*``, ``lecture.*``, ``mentoring.*`` or ``training.*`` record
        of stream ``s`` dated ``day``."""
        match r.type:
            case "assessment.ProgrammeOpened":
                self.programmes[s] = _pick(d, "county", "year") | {"due_days": d["due_days"]}
            case "assessment.CadreEnrolled":
                programme = self.programmes[d["programme"]]
                self.enrolled[s] = (d["programme"], d["section"])
                for quarter in range(1, 5):
                    key = loop_key(d["programme"], d["section"], quarter)
                    loop = self.loops.setdefault(
                        key, new_loop(d["programme"], programme, d["section"], quarter)
                    )
                    loop["cadres"] += 1
            case kind if kind in LOOP_STEP:
                loop = self.loops.get(loop_key(*self.enrolled[s], d["quarter"])) or {}
                if loop:  # a quarter outside 1..4 breaks the schema
                    step = loop[LOOP_STEP[kind]]
                    step["done"] += 1
                    step["late"] += int(day > step["due"])
            case "lecture.Scheduled":
                self.lectures[s] = _pick(d, "programme", "county", "week", "board", "topic")
                self.lectures[s] |= {"key": s, "lecture": s, "speaker": d["speaker"],
                                     "forms": 0, "means": None, "overall_tenths": None,
                                     "test_mean_tenths": None, "closed": False,
                                     "comments": dict.fromkeys(COMMENTERS, False)}  # fmt: skip
            case "lecture.Rated":
                self.lectures[s]["forms"] += 1
            case "lecture.Commented":
                self.lectures[s]["comments"][d["capacity"]] = True
            case "lecture.TestRecorded":
                self.lectures[s]["test_mean_tenths"] = d["mean_tenths"]
            case "lecture.Closed":
                self.lectures[s] |= _pick(d, "means", "overall_tenths", "test_mean_tenths")
                self.lectures[s]["closed"] = True
            case "mentoring.PairStarted":
                self.pairs[s] = _pick(d, "programme", "county", "mentor", "mentee", "started_on")
                self.pairs[s] |= {"key": s, "pair": s, "ended_on": None, "notes": new_notes()}
            case "mentoring.NoteRecorded":
                self.pairs[s]["notes"][f"Q{d['quarter']}"][d["side"]] = True
            case "mentoring.PairEnded":
                self.pairs[s]["ended_on"] = d["ended_on"]
            case "training.ClassOpened":
                self.trainings[s] = _pick(d, "county", "year", "kind", "name", "sessions")
                self.trainings[s] |= {"key": s, "training": s, "participants": 0, "completed": 0}
                self.trainings[s]["attendance"] = [None] * d["sessions"]
            case "training.ParticipantEnrolled":
                self.trainings[s]["participants"] += 1
            case "training.AttendanceRecorded":
                attendance = self.trainings[s]["attendance"]
                if 1 <= d["session"] <= len(attendance):  # else training.session is broken
                    attendance[d["session"] - 1] = len(d["present"])
            case "training.CompletionRecorded":
                self.trainings[s]["completed"] += d["completed"] is True

    def lecture_rows(self, name: Callable[[Any], str]) -> Iterable[Row]:
        return (row | {"name": name(row["speaker"])} for row in self.lectures.values())

    def loop_rows(self) -> Iterable[Row]:
        return (row | {"key": key} for key, row in self.loops.items())

    def pair_rows(self, name: Callable[[Any], str]) -> Iterable[Row]:
        for pair in self.pairs.values():
            names = {"mentor_name": name(pair["mentor"])}
            yield pair | names | {"mentee_name": name(pair["mentee"])}

    def training_rows(self) -> Iterable[Row]:
        return self.trainings.values()
