"""Routine assessment of an organisation department's own cadres: the rules across records
of its programmes and the cadres' records (docs/FORMAT.md §4 "Rules across records",
``assessment.*``), and ``assessment.account`` for them, the lectures and the mentoring pairs.
The lectures, mentoring pairs and training classes have their own modules
(verify/rules_lectures.py, rules_mentoring.py, rules_training.py), as in ledger/assessment/.

Qianshan's 平时考核: "个人有小结、领导有评鉴、结果有反馈、改进有目标", linked to the annual grade
("三挂钩").

The annual-grade rule (``grade_allowed``) and the programme's due days (``due_days_problem``)
live here, so the ledger (ledger/assessment/) and the verifier hold one definition.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, tzinfo
from itertools import pairwise

from verify.days import DEFAULT_TIMEZONE, business_date, zone_named
from verify.failure import Failure, Handler
from verify.quarters import quarter_start
from verify.record import Record
from verify.rules_principals import SCOPE, PrincipalRules
from verify.schema import GRADES, RATINGS, STEPS

# RATINGS: 公务员平时考核's quarterly 好 / 较好 / 一般 / 较差 (verify/schema.py)
ANNUAL_GRADES = GRADES  # the annual grade: 优秀 / 称职 / 基本称职 / 不称职


def grade_allowed(grade: str, ratings: Sequence[str]) -> str | None:
    """Why ``grade`` may not follow the four quarters' ``ratings`` (in quarter order), or
    None when it may (rule ``assessment.annual_grade``, docs/FORMAT.md §4):

    - ``excellent`` 优秀 only with at least three ``good`` 好 and no ``average`` 一般 or
      ``poor`` 较差;
    - ``competent`` 称职 only with at most one ``poor``;
    - ``incompetent`` 不称职 only with at least one ``poor``;
    - ``basically_competent`` 基本称职 always.

    Four ratings of the vocabulary are required for any grade."""
    if grade not in ANNUAL_GRADES:
        return f"a grade of {', '.join(ANNUAL_GRADES)}, found {grade!r}"
    if len(ratings) != 4 or any(r not in RATINGS for r in ratings):
        return f"four quarterly ratings of {', '.join(RATINGS)}, found {list(ratings)}"
    good, poor = ratings.count("good"), ratings.count("poor")
    if grade == "excellent" and (good < 3 or poor or "average" in ratings):
        return "excellent needs at least 3 good and no average or poor"
    if grade == "competent" and poor > 1:
        return "competent allows at most one poor"
    if grade == "incompetent" and poor < 1:
        return "incompetent needs at least one poor"
    return None


DUE_STEPS = STEPS  # the loop's four steps, in order: 小结, 评鉴, 反馈, 改进目标


def due_days_problem(due_days: Mapping[str, int]) -> str | None:
    """Why a programme's ``due_days`` are not the four steps' days after the quarter's last
    day, each 1..90 and strictly increasing in step order (``assessment.programme``), or
    None."""
    if sorted(due_days) != sorted(DUE_STEPS):
        return f"exactly the steps {', '.join(DUE_STEPS)}, found {sorted(due_days)}"
    days = [due_days[step] for step in DUE_STEPS]
    if any(type(d) is not int or not 1 <= d <= 90 for d in days):
        return f"each 1..90, found {days}"
    if any(a >= b for a, b in pairwise(days)):
        return f"strictly increasing in step order, found {days}"
    return None


# --- the rules across records ------------------------------------------------------------

PROGRAMME, ENROL, ACCOUNT = "assessment.programme", "assessment.enrol", "assessment.account"
QUARTER, ORDER, GOAL = "assessment.quarter", "assessment.order", "assessment.goal"
HANDS, SELF, REFERENCES = "assessment.hands", "assessment.self", "assessment.references"
ANNUAL_GRADE, CLOSED = "assessment.annual_grade", "assessment.closed"

STEP = {
    "assessment.SummarySubmitted": 0,
    "assessment.Appraised": 1,
    "assessment.FeedbackAcknowledged": 2,
    "assessment.GoalSet": 3,
}
BY_THE_CADRE = ("assessment.SummarySubmitted", "assessment.FeedbackAcknowledged",
                "assessment.GoalSet")  # fmt: skip
HELD = ("assessment_leader", "department_cadre")  # accounts of one cadre: assessment.account


def named(where: str, r: Record) -> str:
    """A record as later failures name it (review14 item 14: "a second" names the first):
    its position and principal, e.g. ``records.jsonl line 12 by org-01``."""
    return f"{where} by {r.principal}"


@dataclass
class Programme:
    county: str
    year: int
    enrolled: set[str] = field(default_factory=set)  # cadre subjects


@dataclass
class _Record:
    """One cadre's year in a programme (一人一档)."""

    programme: str
    cadre: str
    year: int
    done: dict[int, int] = field(default_factory=dict)  # quarter -> steps done, 0..4
    goals: dict[int, str] = field(default_factory=dict)  # quarter -> GoalSet commitment
    ratings: dict[int, str] = field(default_factory=dict)  # quarter -> Appraised rating
    references: dict[int, list[str]] = field(default_factory=dict)  # quarter -> lectures
    graded: str = ""  # the annual grade's record (named): nothing after it


@dataclass
class AssessmentRules:
    """Routine assessment (平时考核): programmes, the cadres' records and their quarterly
    loop, the annual grade; each record checked against the state of the records before it.
    The lectures (verify/rules_lectures.py) and mentoring pairs (verify/rules_mentoring.py)
    of a programme ask this object for its programmes, the accounts' holders and the
    business date, and wrap their checks in ``held``.

    An ``assessment_leader`` or ``department_cadre`` account acts for its holder: the one
    ``department_cadre`` subject (``subject.Registered``) it is linked to by the principal
    registry's ``principal.SubjectLinked`` (``registry``, verify/rules_principals.py, which
    Invariants wires in; rule ``assessment.account``); "the cadre's own account" and "never
    the cadre" compare that subject. Dates are business dates in the bundle's timezone
    (``zone``)."""

    programmes: dict[str, Programme] = field(default_factory=dict)
    records: dict[str, _Record] = field(default_factory=dict)
    # (speaker, year, quarter) -> the lectures closed, whatever their programme
    given: dict[tuple[str, int, int], list[str]] = field(default_factory=dict)
    cadres: set[str] = field(default_factory=set)  # the subjects of kind department_cadre
    registry: PrincipalRules | None = None  # the principals' state (Invariants wires it)
    zone: tzinfo = field(default_factory=lambda: zone_named(DEFAULT_TIMEZONE))  # the bundle's

    def handlers(self) -> dict[str, Handler]:
        """Record type -> this object's check of it (``assessment.account`` first)."""
        checks: dict[str, Handler] = {
            "assessment.ProgrammeOpened": self._programme,
            "assessment.CadreEnrolled": self._enrolled,
            **dict.fromkeys(STEP, self._step),
            "assessment.AnnualGradeRecorded": self._annual_grade,
        }
        held = {kind: self.held(check) for kind, check in checks.items()}
        return {**held, "subject.Registered": self._subject}

    def _subject(self, r: Record, where: str) -> list[Failure]:
        if r.data["kind"] == "department_cadre":
            self.cadres.add(r.stream)
        return []

    def held(self, check: Handler) -> Handler:
        """``check`` after ``assessment.account`` (the records of the assessment, its
        lectures and its mentoring pairs)."""

        def checked(r: Record, where: str) -> list[Failure]:
            return self._account(r, where) + check(r, where)

        return checked

    def lecture_closed(self, speaker: str, year: int, quarter: int, lecture: str) -> None:
        """A lecture ``speaker`` gave in ``quarter`` of ``year`` is closed: a reference of
        the speaker's later appraisal of that quarter and annual grade of that year."""
        self.given.setdefault((speaker, year, quarter), []).append(lecture)

    def holders(self, principal: str) -> set[str]:
        """The department_cadre subjects ``principal`` is linked to (none if it is not
        enrolled, or no registry is wired in)."""
        actor = self.registry.principals.get(principal) if self.registry else None
        return set() if actor is None else actor.subjects & self.cadres

    def _account(self, r: Record, where: str) -> list[Failure]:
        """assessment.account: a leader's or a department cadre's account acts while linked
        to exactly one department_cadre subject, its holder."""
        if r.role not in HELD or len(found := self.holders(r.principal)) == 1:
            return []
        message = f"{r.type} by {r.principal} ({r.role}), an account of no one cadre"
        expected = "linked to exactly one department_cadre subject"
        return [Failure(where, ACCOUNT, message, expected, str(sorted(found)))]

    def person(self, principal: str) -> str:
        """Who acts: the account's holder, or the account itself if it has none (or
        several: assessment.account)."""
        found = self.holders(principal)
        return next(iter(found)) if len(found) == 1 else principal

    def linked(self, principal: str, subject: str) -> bool:
        """Whether ``subject`` is a holder of ``principal``'s account (an account not
        enrolled, or no registry wired in: not linked; principal.role reports the account)."""
        return subject in self.holders(principal)

    def today(self, r: Record) -> date:
        """The business date of ``r`` (its ``at`` in ``zone``)."""
        return business_date(r.at, self.zone)

    def place(self, r: Record, where: str, programme: Programme) -> list[Failure]:
        """principal.scope, its stream half: a stream of a programme is in its county (the
        scope rule then holds every later record of the stream to that county)."""
        if r.data["county"] == programme.county:
            return []
        message = f"{r.type} in programme {r.data['programme']} of another county"
        return [Failure(where, SCOPE, message, programme.county, r.data["county"])]

    # --- 平时考核: "个人有小结、领导有评鉴、结果有反馈、改进有目标" ---------------------------

    def _programme(self, r: Record, where: str) -> list[Failure]:
        d = r.data
        self.programmes[r.stream] = Programme(d["county"], d["year"])
        if (problem := due_days_problem(d["due_days"])) is None:
            return []
        message = f"programme {r.stream}: due_days"
        return [Failure(where, PROGRAMME, message, problem, str(d["due_days"]))]

    def _enrolled(self, r: Record, where: str) -> list[Failure]:
        d = r.data
        if (programme := self.programmes.get(d["programme"])) is None:
            return []  # reported by the stream check
        self.records[r.stream] = _Record(d["programme"], d["cadre"], programme.year)
        found = self.place(r, where, programme)
        if d["year"] != programme.year:
            message = f"record {r.stream}: enrolled in programme {d['programme']} for another year"
            found.append(Failure(where, ENROL, message, str(programme.year), str(d["year"])))
        programme.enrolled.add(d["cadre"])
        return found

    def _step(self, r: Record, where: str) -> list[Failure]:
        if (rec := self.records.get(r.stream)) is None:
            return []  # reported by the stream check
        if rec.graded:
            return [_closed(r, where, rec)]
        d, step = r.data, STEP[r.type]
        quarter = d["quarter"]
        found = self._quarter(r, where, rec, quarter) + _order(r, where, rec, quarter, step)
        if r.type in BY_THE_CADRE and not self.linked(r.principal, rec.cadre):
            message = f"record {r.stream}: Q{quarter} {r.type} not by the cadre's own account"
            found.append(Failure(where, HANDS, message, f"an account linked to {rec.cadre}",
                                 r.principal))  # fmt: skip
        if r.type == "assessment.SummarySubmitted":
            found += _goal(r, where, rec, quarter)
        elif r.type == "assessment.Appraised":
            found += self._appraised(r, where, rec, quarter)
        elif r.type == "assessment.GoalSet":
            rec.goals[quarter] = d["commitment"]
        rec.done[quarter] = step + 1
        return found

    def _quarter(self, r: Record, where: str, rec: _Record, quarter: int) -> list[Failure]:
        """A step for quarter q is not recorded before the quarter's first day."""
        first, today = quarter_start(rec.year, quarter), self.today(r)
        if today >= first:
            return []
        message = f"record {r.stream}: a Q{quarter} step recorded on {today}"
        return [Failure(where, QUARTER, message, f"on or after {first}", today.isoformat())]

    def _appraised(self, r: Record, where: str, rec: _Record, quarter: int) -> list[Failure]:
        """领导有评鉴: by a leader not linked to the cadre; the lectures the cadre gave in the
        quarter and closed before it are its references (shown, moving nothing)."""
        d, found = r.data, self._not_self(r, where, rec)
        rec.ratings[quarter] = d["rating"]
        rec.references[quarter] = list(d["references"])
        expected = sorted(self.given.get((rec.cadre, rec.year, quarter), []))
        if d["references"] != expected:
            message = f"record {r.stream}: Q{quarter} appraisal's references"
            found.append(Failure(where, REFERENCES, message, str(expected),
                                 str(d["references"])))  # fmt: skip
        return found

    def _not_self(self, r: Record, where: str, rec: _Record) -> list[Failure]:
        if not self.linked(r.principal, rec.cadre):
            return []
        message = f"record {r.stream}: {r.type} by {r.principal}, linked to the cadre"
        return [Failure(where, SELF, message, "a principal not linked to the cadre", r.principal)]

    def _annual_grade(self, r: Record, where: str) -> list[Failure]:
        """三挂钩: the annual grade takes the four quarters' appraisals into account
        (``grade_allowed``), with every lecture the cadre gave in the year and closed before
        it as its references; nothing is recorded after it."""
        if (rec := self.records.get(r.stream)) is None:
            return []
        if rec.graded:
            return [_closed(r, where, rec)]
        rec.graded = named(where, r)
        d, found = r.data, self._not_self(r, where, rec)
        message = f"record {r.stream}: annual grade {d['grade']}"
        ratings = [rec.ratings.get(q) for q in (1, 2, 3, 4)]  # None: not appraised
        if d["ratings"] != ratings:
            unappraised = ", ".join(f"Q{q}" for q, r in enumerate(ratings, 1) if r is None)
            what = f"quarters not appraised: {unappraised}" if unappraised else "ratings"
            found.append(Failure(where, ANNUAL_GRADE, f"{message}: {what}",
                                 str(ratings), str(d["ratings"])))  # fmt: skip
        elif problem := grade_allowed(d["grade"], d["ratings"]):
            found.append(Failure(where, ANNUAL_GRADE, message, problem, str(d["ratings"])))
        given = sorted(
            x for q in (1, 2, 3, 4) for x in self.given.get((rec.cadre, rec.year, q), [])
        )
        if d["references"] != given:
            found.append(Failure(where, REFERENCES, f"{message}: references", str(given),
                                 str(d["references"])))  # fmt: skip
        return found


def _closed(r: Record, where: str, rec: _Record) -> Failure:
    message = f"record {r.stream}: {r.type} after its annual grade"
    found = f"{r.type}, after the grade at {rec.graded}"
    return Failure(where, CLOSED, message, "nothing after the annual grade", found)


def _order(r: Record, where: str, rec: _Record, quarter: int, step: int) -> list[Failure]:
    """Per quarter exactly 小结 → 评鉴 → 反馈 → 改进目标, each once; a quarter's 小结 only
    after the previous quarter's 改进目标."""
    done = rec.done.get(quarter, 0)
    if done != step:
        expected = f"{DUE_STEPS[done]} next" if done < 4 else "the loop is complete"
        message = f"record {r.stream}: Q{quarter} {DUE_STEPS[step]}"
        return [Failure(where, ORDER, message, expected, DUE_STEPS[step])]
    if step == 0 and quarter > 1 and rec.done.get(quarter - 1, 0) < 4:
        message = f"record {r.stream}: Q{quarter} summary before Q{quarter - 1}'s goal"
        return [Failure(where, ORDER, message, f"Q{quarter - 1} goal set", "not set")]
    return []


def _goal(r: Record, where: str, rec: _Record, quarter: int) -> list[Failure]:
    """ "改进有目标": a quarter's 小结 answers the previous quarter's 改进目标 first (Q1's none)."""
    answers = r.data["answers_goal"]
    if quarter > 1 and quarter - 1 not in rec.goals:
        return []  # no goal to answer: assessment.order
    expected = rec.goals.get(quarter - 1)
    if answers == expected:
        return []
    message = f"record {r.stream}: Q{quarter} summary answers_goal"
    return [Failure(where, GOAL, message, str(expected), str(answers))]
