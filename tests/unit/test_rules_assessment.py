"""The routine-assessment rules across records (docs/FORMAT.md §4, verify/rules_assessment.py
and rules_lectures.py, rules_mentoring.py, rules_training.py): the shared annual-grade rule
and lecture result, then each rule on hand-built logs. Each rejection test fails if its check
is removed."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.support.records import Log, sid
from verify.invariants import Invariants
from verify.record import parse_record
from verify.rules_assessment import grade_allowed
from verify.rules_lectures import lecture_result


@pytest.mark.parametrize(
    ("grade", "ratings", "allowed"),
    [
        ("excellent", ["good", "good", "good", "fairly_good"], True),
        ("excellent", ["good", "good", "good", "good"], True),
        ("excellent", ["good", "good", "fairly_good", "fairly_good"], False),  # 2 good
        ("excellent", ["good", "good", "good", "average"], False),
        ("excellent", ["good", "good", "good", "poor"], False),
        ("competent", ["poor", "good", "good", "good"], True),
        ("competent", ["poor", "poor", "good", "good"], False),
        ("basically_competent", ["poor", "poor", "poor", "poor"], True),
        ("basically_competent", ["good", "good", "good", "good"], True),
        ("incompetent", ["poor", "average", "average", "average"], True),
        ("incompetent", ["average", "average", "average", "average"], False),
        ("competent", ["good", "good", "good"], False),  # three quarters
        ("competent", ["good", "good", "good", "great"], False),
        ("outstanding", ["good", "good", "good", "good"], False),
    ],
)
def test_grade_allowed_follows_the_annual_grade_rule(
    grade: str, ratings: list[str], allowed: bool
) -> None:
    problem = grade_allowed(grade, ratings)
    assert (problem is None) is allowed, problem


def test_lecture_result_is_rounded_half_up_from_exact_sums() -> None:
    scores = [
        {"preparation": 90, "grounding": 85, "expression": 80, "results": 75},
        {"preparation": 91, "grounding": 80, "expression": 80, "results": 70},
    ]
    means, overall = lecture_result(scores)
    assert means == {"preparation": 905, "grounding": 825, "expression": 800, "results": 725}
    assert overall == 814  # 651 / 8 = 81.375 -> 81.4


def test_lecture_overall_is_not_the_mean_of_rounded_means() -> None:
    scores = [
        {"preparation": 1, "grounding": 1, "expression": 1, "results": 0},
        {"preparation": 0, "grounding": 0, "expression": 0, "results": 0},
        {"preparation": 0, "grounding": 0, "expression": 0, "results": 0},
    ]
    means, overall = lecture_result(scores)
    assert means == {"preparation": 3, "grounding": 3, "expression": 3, "results": 0}
    assert overall == 3  # 30 / 12 = 2.5 -> 3; the rounded means' mean, 9 / 4 = 2.25, gives 2


def test_lecture_result_needs_a_rating() -> None:
    with pytest.raises(ValueError):
        lecture_result([])


# --- the rules across records, on hand-built logs ------------------------------------------

ORG, LEADER, CADRE = "organisation_department", "assessment_leader", "department_cadre"
DUE = {"summary": 10, "appraisal": 20, "feedback": 25, "goal": 30}
QUARTER_AT = {1: "2023-04-05", 2: "2023-07-05", 3: "2023-10-09", 4: "2024-01-05"}
SCORES = [
    {"preparation": 90, "grounding": 85, "expression": 80, "results": 75},
    {"preparation": 91, "grounding": 80, "expression": 80, "results": 70},
]


def h(text: str) -> str:
    """A commitment standing for a vault document."""
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Step:
    name: str  # the stream's name (tests.support.records.Log)
    type: str
    at: str
    principal: str
    role: str
    data: dict[str, Any]


def build(steps: list[Step]) -> Log:
    log = Log()
    for s in steps:
        data = {k: (log.sid(v[1:]) if isinstance(v, str) and v.startswith("@") else v)
                for k, v in s.data.items()}  # fmt: skip
        data = {k: ([log.sid(x[1:]) for x in v] if k in ("references", "present") else v)
                for k, v in data.items()}  # fmt: skip
        log.add(s.name, s.type, at=s.at, principal=s.principal, role=s.role, **data)
    return log


SHANGHAI = ZoneInfo("Asia/Shanghai")


def rules(steps: list[Step], zone: tzinfo = SHANGHAI) -> set[str]:
    """Every rule the log of ``steps`` breaks (the principal rules included)."""
    invariants, found = Invariants(zone=zone), []
    for number, line in enumerate(build(steps).lines, start=1):
        found += invariants.add(parse_record(line), f"records.jsonl line {number}")
    found += invariants.end()
    return {f.rule for f in found}


def registry() -> list[Step]:
    """root, the department (org-01), two leaders (each linked to its holder, the
    department cadres l1 and l2), lead-03 (a leader linked to no one, acting nowhere in
    valid()), the cadres a..d with their accounts."""
    scope = {"township": None, "village": None, "industry": None}
    steps = [Step("p-root", "principal.Enrolled", "2023-01-02", "root", "admin",
                  {"account": "root", "acts_as": "admin", "county": None, **scope})]  # fmt: skip
    accounts = [("org-01", ORG), ("lead-01", LEADER), ("lead-02", LEADER),
                ("lead-03", LEADER), ("reg-01", "supervision")]  # fmt: skip
    accounts += [(f"c-{c}", CADRE) for c in "abcd"]
    for account, role in accounts:
        steps.append(Step(f"p-{account}", "principal.Enrolled", "2023-01-02", "root", "admin",
                          {"account": account, "acts_as": role, "county": "qianshan",
                           **scope}))  # fmt: skip
    for c in "abcd":
        steps.append(Step(c, "subject.Registered", "2023-01-02", "reg-01", "supervision",
                          {"commitment": h(c), "kind": CADRE}))  # fmt: skip
        steps.append(Step(f"p-c-{c}", "principal.SubjectLinked", "2023-01-02", "root", "admin",
                          {"subject": f"@{c}"}))  # fmt: skip
    for n in "12":
        steps += [registered(f"l{n}"), link(f"lead-0{n}", f"l{n}")]
    return steps


def org(name: str, kind: str, at: str, /, **data: Any) -> Step:
    return Step(name, kind, at, "org-01", ORG, data)


def loop(cadre: str, quarter: int, rating: str = "good", refs: list[str] | None = None,
         leader: str = "lead-01") -> list[Step]:  # fmt: skip
    """The four steps of ``cadre``'s loop for ``quarter``."""
    at, rec, me = QUARTER_AT[quarter], f"rec-{cadre}", f"c-{cadre}"
    answers = None if quarter == 1 else h(f"{cadre}/Q{quarter - 1}/goal")
    return [
        Step(rec, "assessment.SummarySubmitted", at, me, CADRE,
             {"quarter": quarter, "commitment": h(f"{cadre}/Q{quarter}/summary"),
              "answers_goal": answers}),
        Step(rec, "assessment.Appraised", at, leader, LEADER,
             {"quarter": quarter, "rating": rating,
              "commitment": h(f"{cadre}/Q{quarter}/appraisal"), "references": refs or []}),
        Step(rec, "assessment.FeedbackAcknowledged", at, me, CADRE, {"quarter": quarter}),
        Step(rec, "assessment.GoalSet", at, me, CADRE,
             {"quarter": quarter, "commitment": h(f"{cadre}/Q{quarter}/goal")}),
    ]  # fmt: skip


def lecture(name: str = "lec", week: str = "2023-04-03", speaker: str = "a") -> list[Step]:
    """A lecture given by ``speaker``, rated by cadre b and leader 2, commented, tested, closed."""
    means, overall = lecture_result(SCORES)
    return [
        org(name, "lecture.Scheduled", "2023-03-27", programme="@prog", county="qianshan",
            year=2023, week=week, board="policy", topic="干部选拔任用", speaker=f"@{speaker}"),
        Step(name, "lecture.Rated", week, "c-b", CADRE, {"scores": SCORES[0]}),
        Step(name, "lecture.Rated", week, "lead-02", LEADER, {"scores": SCORES[1]}),
        Step(name, "lecture.Commented", week, "lead-01", LEADER,
             {"capacity": "section_head", "commitment": h("section_head")}),
        Step(name, "lecture.Commented", week, "lead-02", LEADER,
             {"capacity": "deputy_head", "commitment": h("deputy_head")}),
        org(name, "lecture.TestRecorded", week, takers=20, mean_tenths=876),
        org(name, "lecture.Closed", week, speaker=f"@{speaker}", forms=2, means=means,
            overall_tenths=overall, test_mean_tenths=876),
    ]  # fmt: skip


def valid() -> list[Step]:
    """A year of one programme: a's full loop and grade (its Q2 lecture a reference), b's
    first quarter, a mentoring pair (a mentors b), a training class of a and b."""
    steps = registry()
    steps.append(org("prog", "assessment.ProgrammeOpened", "2023-01-03", county="qianshan",
                     year=2023, department="中共潜山市委组织部", due_days=DUE))  # fmt: skip
    for c in "abcd":
        steps.append(org(f"rec-{c}", "assessment.CadreEnrolled", "2023-01-03",
                         programme="@prog", county="qianshan", year=2023, cadre=f"@{c}",
                         section="干部监督科"))  # fmt: skip
    steps.append(org("pair", "mentoring.PairStarted", "2023-01-10", programme="@prog",
                     county="qianshan", year=2023, mentor="@a", mentee="@b",
                     started_on="2023-01-10"))  # fmt: skip
    steps += [
        Step("pair", "mentoring.NoteRecorded", "2023-03-30", "c-a", CADRE,
             {"quarter": 1, "side": "mentor", "commitment": h("mentor")}),
        Step("pair", "mentoring.NoteRecorded", "2023-03-30", "c-b", CADRE,
             {"quarter": 1, "side": "mentee", "commitment": h("mentee")}),
        org("class", "training.ClassOpened", "2023-02-01", county="qianshan", year=2023,
            kind="induction", name="公务员初任培训班", sessions=2),
        org("class", "training.ParticipantEnrolled", "2023-02-01", cadre="@a"),
        org("class", "training.ParticipantEnrolled", "2023-02-01", cadre="@b"),
        org("class", "training.AttendanceRecorded", "2023-02-02", session=1,
            present=sorted(["@a", "@b"], key=lambda n: sid(n[1:]))),
        org("class", "training.AttendanceRecorded", "2023-02-03", session=2, present=["@a"]),
        org("class", "training.CompletionRecorded", "2023-02-04", cadre="@a", completed=True,
            attended=2),
        org("class", "training.CompletionRecorded", "2023-02-04", cadre="@b", completed=False,
            attended=1),
    ]  # fmt: skip
    steps += lecture()
    steps += loop("a", 1) + loop("a", 2, refs=["@lec"]) + loop("a", 3) + loop("a", 4)
    steps += loop("b", 1, rating="average")
    steps.append(Step("rec-a", "assessment.AnnualGradeRecorded", "2024-01-10", "lead-01",
                      LEADER, {"grade": "excellent", "ratings": ["good"] * 4,
                               "references": ["@lec"], "commitment": h("a/annual")}))  # fmt: skip
    steps.append(org("pair", "mentoring.PairEnded", "2023-12-31", ended_on="2023-12-31",
                     reason="帮带期满"))  # fmt: skip
    return steps


def at(steps: list[Step], kind: str, nth: int = 0, **match: Any) -> int:
    """The index of the ``nth`` step of ``kind`` whose data has ``match``."""
    found = [i for i, s in enumerate(steps)
             if s.type == kind and all(s.data.get(k) == v for k, v in match.items())]  # fmt: skip
    return found[nth]


def changed(kind: str, nth: int = 0, match: dict[str, Any] | None = None,
            principal: str | None = None, role: str | None = None, when: str | None = None,
            steps: list[Step] | None = None, **data: Any) -> list[Step]:  # fmt: skip
    """The valid history (or ``steps``) with one step changed (its data members, actor or
    date)."""
    steps = valid() if steps is None else steps
    i = at(steps, kind, nth, **(match or {}))
    s = steps[i]
    steps[i] = Step(s.name, s.type, when or s.at, principal or s.principal, role or s.role,
                    s.data | data)  # fmt: skip
    return steps


def without(kind: str, nth: int = 0, **match: Any) -> list[Step]:
    """The valid history without one step."""
    steps = valid()
    del steps[at(steps, kind, nth, **match)]
    return steps


def inserted(kind: str, nth: int, *new: Step, after: bool = False,
             steps: list[Step] | None = None, **match: Any) -> list[Step]:  # fmt: skip
    """The valid history (or ``steps``) with ``new`` steps before (or after) the ``nth``
    step of ``kind``."""
    steps = valid() if steps is None else steps
    i = at(steps, kind, nth, **match) + after
    return steps[:i] + list(new) + steps[i:]


def link(account: str, cadre: str) -> Step:
    """``account`` linked to the subject ``cadre`` (principal.SubjectLinked)."""
    return Step(f"p-{account}", "principal.SubjectLinked", "2023-01-02", "root", "admin",
                {"subject": f"@{cadre}"})  # fmt: skip


def registered(cadre: str, kind: str = CADRE) -> Step:
    return Step(cadre, "subject.Registered", "2023-01-02", "reg-01", "supervision",
                {"commitment": h(cadre), "kind": kind})  # fmt: skip


def test_a_valid_year_breaks_no_rule() -> None:
    assert rules(valid()) == set()


UTC = ZoneInfo("UTC")
Q = "assessment.SummarySubmitted"
A, F, G = "assessment.Appraised", "assessment.FeedbackAcknowledged", "assessment.GoalSet"
GRADE = "assessment.AnnualGradeRecorded"
RATED, COMMENTED = "lecture.Rated", "lecture.Commented"
CLOSED_LECTURE, TEST = "lecture.Closed", "lecture.TestRecorded"
NOTE, ENDED, STARTED = "mentoring.NoteRecorded", "mentoring.PairEnded", "mentoring.PairStarted"
ATTENDED, COMPLETED = "training.AttendanceRecorded", "training.CompletionRecorded"
ENROLLED = "training.ParticipantEnrolled"
GRADE_A = {"grade": "excellent", "ratings": ["good"] * 4, "references": ["@lec"],
           "commitment": h("again")}  # fmt: skip


HUAINING_ORG = Step("p-org-02", "principal.Enrolled", "2023-01-02", "root", "admin",
                    {"account": "org-02", "acts_as": ORG, "county": "huaining",
                     "township": None, "village": None, "industry": None})  # fmt: skip


def b_quarter_2() -> Step:
    return loop("b", 2)[0]


CASES = {
    # assessment.programme: due_days strictly increasing in step order (each 1..90: schema)
    "programme due days not increasing": (
        changed("assessment.ProgrammeOpened",
                due_days={"summary": 10, "appraisal": 10, "feedback": 25, "goal": 30}),
        "assessment.programme"),
    # assessment.enrol: the programme's year
    "enrolled for another year": (
        changed("assessment.CadreEnrolled", 3, year=2024), "assessment.enrol"),
    # principal.scope, the stream half: a programme's streams are in its county
    # (by Huaining's department, which the registry's half of the rule lets through)
    "enrolled in another county": (
        changed("assessment.CadreEnrolled", 3, county="huaining", principal="org-02",
                steps=inserted("assessment.ProgrammeOpened", 0, HUAINING_ORG)),
        "principal.scope"),
    # assessment.quarter: not before the quarter's first day (business date)
    "a Q2 summary in March": (changed(Q, 1, when="2023-03-31T08:00:00.000000Z"),
                              "assessment.quarter"),
    # assessment.order
    "a skipped appraisal": (without(A, 0, rating="average"), "assessment.order"),
    "a feedback twice": (inserted(F, 0, loop("a", 1)[2], after=True), "assessment.order"),
    "a Q2 summary before Q1's goal": (
        inserted(G, 4, b_quarter_2() , after=False), "assessment.order"),
    # assessment.goal
    "a Q3 summary answering another goal": (changed(Q, 2, answers_goal=h("x")),
                                            "assessment.goal"),
    "a Q1 summary answering a goal": (changed(Q, 4, answers_goal=h("a/Q4/goal")),
                                      "assessment.goal"),
    # assessment.hands
    "a summary by another cadre's account": (changed(Q, 0, principal="c-b"),
                                             "assessment.hands"),
    "a feedback by a leader's account linked to no one": (
        changed(F, 1, principal="c-c"), "assessment.hands"),
    # assessment.self (lead-03's holder: the cadre)
    "an appraisal by the cadre's own leader account": (
        changed(A, 4, principal="lead-03",
                steps=inserted("assessment.ProgrammeOpened", 0, link("lead-03", "b"))),
        "assessment.self"),
    "an annual grade by a leader linked to the cadre": (
        changed(GRADE, principal="lead-03", steps=inserted(GRADE, 0, link("lead-03", "a"))),
        "assessment.self"),
    # assessment.account: a leader's or cadre's account acts for exactly one department cadre
    "an appraisal by a leader linked to no one": (changed(A, 0, principal="lead-03"),
                                                  "assessment.account"),
    "an appraisal by a leader linked to a village cadre only": (
        changed(A, 0, principal="lead-03",
                steps=inserted("assessment.ProgrammeOpened", 0, registered("v", "cadre"),
                               link("lead-03", "v"))), "assessment.account"),
    "a rating by a cadre's account linked to two cadres": (
        inserted(RATED, 0, link("c-b", "d")), "assessment.account"),
    "a comment by a leader linked to two cadres": (
        inserted(COMMENTED, 0, link("lead-01", "d")), "assessment.account"),
    "a note by an account linked to two cadres": (inserted(NOTE, 0, link("c-a", "d")),
                                                  "assessment.account"),
    # assessment.references
    "an appraisal without its quarter's lecture": (
        changed(GRADE, references=[], steps=changed(A, 1, references=[])),
        "assessment.references"),
    "an appraisal citing a lecture of another quarter": (changed(A, 0, references=["@lec"]),
                                                         "assessment.references"),
    "a grade without the appraisals' lectures": (changed(GRADE, references=[]),
                                                 "assessment.references"),
    # assessment.annual_grade
    "excellent with an average quarter": (
        changed(GRADE, ratings=["good", "good", "average", "good"],
                steps=changed(A, 2, rating="average")), "assessment.annual_grade"),
    "ratings not the appraisals'": (
        changed(GRADE, ratings=["good", "good", "good", "fairly_good"]),
        "assessment.annual_grade"),
    "a grade before four appraisals": (
        inserted(ENDED, 0, Step("rec-b", GRADE, "2024-01-10", "lead-01", LEADER,
                                {"grade": "basically_competent", "references": [],
                                 "ratings": ["average"] * 4, "commitment": h("r")})),
        "assessment.annual_grade"),
    # assessment.closed
    "a second grade": (inserted(GRADE, 0, Step("rec-a", GRADE, "2024-01-11", "lead-01",
                                               LEADER, GRADE_A), after=True),
                       "assessment.closed"),
    "a step after the grade": (inserted(GRADE, 0, loop("a", 4)[3], after=True),
                               "assessment.closed"),
    # lecture.week
    "a lecture on a Sunday": (changed("lecture.Scheduled", week="2023-04-02"), "lecture.week"),
    "a lecture of another year": (changed("lecture.Scheduled", year=2024), "lecture.week"),
    # lecture.speaker
    "a speaker not enrolled": (
        inserted("lecture.Scheduled", 0, registered("e"),
                 *lecture("lec2", "2023-05-08", speaker="e")), "lecture.speaker"),
    # lecture.rater
    "the speaker rating their own lecture": (changed(RATED, 0, principal="c-a"),
                                             "lecture.rater"),
    # lecture.one_form: per person (the account's holder)
    "a second form from a rater": (changed(RATED, 1, principal="c-b", role=CADRE),
                                   "lecture.one_form"),
    "a second form from a rater's leader account": (
        changed(RATED, 1, principal="lead-03", steps=inserted(RATED, 0, link("lead-03", "b"))),
        "lecture.one_form"),
    # lecture.comment
    "a second comment as section head": (
        inserted(TEST, 0, Step("lec", COMMENTED, "2023-04-03", "lead-02", LEADER,
                               {"capacity": "section_head", "commitment": h("again")})),
        "lecture.comment"),
    "a comment by an account linked to the speaker": (
        changed(COMMENTED, 1, principal="lead-03",
                steps=inserted(COMMENTED, 0, link("lead-03", "a"))), "lecture.comment"),
    "both comments by one leader": (changed(COMMENTED, 1, principal="lead-01"),
                                    "lecture.comment"),
    "both comments by one person's two accounts": (
        changed(COMMENTED, 1, principal="lead-03",
                steps=inserted(COMMENTED, 0, link("lead-03", "l1"))), "lecture.comment"),
    # lecture.order
    "a rating before the lecture's week": (
        changed(RATED, 0, when="2023-04-02T08:00:00.000000Z"), "lecture.order"),
    "a rating after the close": (
        inserted(CLOSED_LECTURE, 0, Step("lec", RATED, "2023-04-04", "c-c", CADRE,
                                         {"scores": SCORES[0]}), after=True),
        "lecture.order"),
    "a close without the test": (without(TEST), "lecture.order"),
    "a close without the deputy head's comment": (without(COMMENTED, 1), "lecture.order"),
    "a second test": (inserted(TEST, 0, org("lec", TEST, "2023-04-03", takers=1,
                                            mean_tenths=0)), "lecture.order"),
    "a second close": (inserted(CLOSED_LECTURE, 0, valid()[at(valid(), CLOSED_LECTURE)],
                                after=True), "lecture.order"),
    # lecture.result
    "a close whose overall is not recomputed": (changed(CLOSED_LECTURE, overall_tenths=900),
                                                "lecture.result"),
    "a close naming another speaker": (changed(CLOSED_LECTURE, speaker="@b"),
                                       "lecture.result"),
    "a close with another test mean": (changed(CLOSED_LECTURE, test_mean_tenths=1),
                                       "lecture.result"),
    # mentoring.pair
    "a cadre mentoring themselves": (
        [s for s in changed(STARTED, mentee="@a") if s.type != NOTE], "mentoring.pair"),
    "a mentee not enrolled": (
        inserted(STARTED, 0, registered("e"),
                 org("pair2", STARTED, "2023-01-10", programme="@prog", county="qianshan",
                     year=2023, mentor="@c", mentee="@e", started_on="2023-01-10")),
        "mentoring.pair"),
    "a mentee in two pairs": (
        inserted(STARTED, 0, org("pair2", STARTED, "2023-01-10", programme="@prog",
                                 county="qianshan", year=2023, mentor="@c", mentee="@b",
                                 started_on="2023-01-10"), after=True),
        "mentoring.pair"),
    "a pair started tomorrow": (changed(STARTED, started_on="2023-01-11"), "mentoring.pair"),
    # mentoring.note
    "a mentor's note by the mentee": (changed(NOTE, 0, principal="c-b"), "mentoring.note"),
    "a second mentee note": (inserted(NOTE, 1, valid()[at(valid(), NOTE, 1)]),
                             "mentoring.note"),
    "a note before the pair's quarter": (
        inserted(STARTED, 0, Step("pair", NOTE, "2023-05-01", "c-a", CADRE,
                                  {"quarter": 1, "side": "mentor", "commitment": h("m")}),
                 after=True,
                 steps=changed(STARTED, started_on="2023-04-10", when="2023-04-10",
                               steps=[s for s in valid() if s.type != NOTE])),
        "mentoring.note"),
    "a note before its quarter begins": (
        changed(NOTE, 1, quarter=2), "mentoring.note"),
    "a note after the end": (
        inserted(ENDED, 0, Step("pair", NOTE, "2024-01-02", "c-a", CADRE,
                                {"quarter": 4, "side": "mentor", "commitment": h("late")}),
                 after=True), "mentoring.note"),
    # mentoring.ended
    "a second end": (inserted(ENDED, 0, org("pair", ENDED, "2024-01-02", ended_on="2024-01-02",
                                            reason="again"), after=True), "mentoring.ended"),
    "an end before the start": (changed(ENDED, ended_on="2023-01-09"), "mentoring.ended"),
    "an end dated after the day it is recorded": (changed(ENDED, ended_on="2024-01-01"),
                                                   "mentoring.ended"),
    # training.enrolled
    "a participant enrolled twice": (inserted(ENROLLED, 0, org("class", ENROLLED, "2023-02-01",
                                                               cadre="@a")), "training.enrolled"),
    "attendance of a cadre not enrolled": (
        changed(ATTENDED, 1, present=sorted(["@a", "@c"], key=lambda n: sid(n[1:]))),
                                           "training.enrolled"),
    "a completion of a cadre not enrolled": (
        inserted(COMPLETED, 0, org("class", COMPLETED, "2023-02-04", cadre="@c",
                                   completed=False, attended=0)), "training.enrolled"),
    # training.session
    "a session beyond the class's": (changed(ATTENDED, 1, session=3), "training.session"),
    "a session recorded twice": (
        inserted(COMPLETED, 0, org("class", ATTENDED, "2023-02-03", session=1, present=[])),
        "training.session"),
    # training.completion
    "a completion before every session": (
        changed(COMPLETED, 0, attended=1, steps=without(ATTENDED, 1)), "training.completion"),
    "attended not the count": (changed(COMPLETED, 1, attended=2), "training.completion"),
    "a second completion": (inserted(COMPLETED, 1, org("class", COMPLETED, "2023-02-04",
                                                       cadre="@a", completed=True, attended=2)),
                            "training.completion"),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_each_rule_is_caught(case: str) -> None:
    """Each history breaks exactly its rule (every other record as valid() has it)."""
    steps, rule = CASES[case]
    assert rules(steps) == {rule}


# the cases whose record repeats one before it, and the type of that first record
SECONDS = {
    "a second grade": "assessment.AnnualGradeRecorded",
    "a step after the grade": "assessment.AnnualGradeRecorded",
    "a second form from a rater": "lecture.Rated",
    "a second form from a rater's leader account": "lecture.Rated",
    "a second comment as section head": "lecture.Commented",
    "a second test": "lecture.TestRecorded",
    "a second close": "lecture.Closed",
    "a second mentee note": "mentoring.NoteRecorded",
    "a note after the end": "mentoring.PairEnded",
    "a second end": "mentoring.PairEnded",
    "a participant enrolled twice": "training.ParticipantEnrolled",
    "a session recorded twice": "training.AttendanceRecorded",
    "a second completion": "training.CompletionRecorded",
}


@pytest.mark.parametrize("case", SECONDS)
def test_a_second_record_names_the_first(case: str) -> None:
    """Review14 item 14: a failure about a repeated record names the earlier one (its
    position and principal), not just "a second": that record is of the stream and type
    the rule counts, before the failing one, by the principal named."""
    steps, rule = CASES[case]
    log = build(steps)
    invariants, found = Invariants(zone=SHANGHAI), []
    for number, line in enumerate(log.lines, start=1):
        found += invariants.add(parse_record(line), f"records.jsonl line {number}")
    evidence = [(f, re.search(r"at records\.jsonl line (\d+) by ([\w-]+)", str(f.computed)))
                for f in found if f.rule == rule]  # fmt: skip
    naming = [(f, m) for f, m in evidence if m is not None]
    assert len(naming) == 1, evidence
    failure, named = naming[0]
    first = parse_record(log.lines[int(named[1]) - 1])
    failing = parse_record(log.lines[int(failure.where.rsplit(" ", 1)[1]) - 1])
    assert int(named[1]) < int(failure.where.rsplit(" ", 1)[1])
    found_first = (first.type, first.stream, first.principal)
    assert found_first == (SECONDS[case], failing.stream, named[2])


def test_a_grade_refers_to_a_lecture_closed_after_its_quarters_appraisal() -> None:
    """Cadre a's Q3 lecture closes after the Q3 appraisal (which can't refer to it): the
    annual grade refers to every lecture of a's year closed before it, so its result shows
    in the grade; the union of the appraisals' references breaks assessment.references."""
    both = sorted(["@lec", "@lec2"], key=lambda n: sid(n[1:]))

    def late() -> list[Step]:
        return inserted(G, 2, *lecture("lec2", "2023-07-10"), after=True)

    assert rules(changed(GRADE, references=both, steps=late())) == set()
    assert rules(late()) == {"assessment.references"}


def test_a_quarters_first_day_is_a_business_date() -> None:
    """23:00 UTC on 31 March is 1 April in Asia/Shanghai: a Q2 summary then is in time
    there, and early in a bundle kept in UTC."""
    steps = changed(Q, 1, when="2023-03-31T23:00:00.000000Z")
    assert rules(steps, SHANGHAI) == set()
    assert rules(steps, UTC) == {"assessment.quarter"}


def test_a_pair_started_today_is_a_business_date() -> None:
    """A pair started on 11 January, recorded at 17:00 UTC on 10 January (11 January in
    Asia/Shanghai)."""
    steps = changed(STARTED, started_on="2023-01-11", when="2023-01-10T17:00:00.000000Z")
    assert rules(steps, SHANGHAI) == set()
    assert rules(steps, UTC) == {"mentoring.pair"}
