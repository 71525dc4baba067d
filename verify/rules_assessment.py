"""Routine assessment of an organisation department's own cadres: the rules across records
(docs/FORMAT.md §4 "Rules across records", ``assessment.*``, ``lecture.*``, ``mentoring.*``,
``training.*``).

Qianshan's 平时考核: "个人有小结、领导有评鉴、结果有反馈、改进有目标", linked to the annual grade
("三挂钩"). Huaining's 讲组工: "一人讲、大家听、现场测", "每周安排1名组工干部上讲台，科室负责人
及分管部长集中点评", rated on "“课前准备、业务功底、语言表达、实际成效”4个指标，由参学人员现场
打分，打分结果作为组工干部平时考核和评先评优的参考依据"; "由11名老组工与22名年轻干部结成帮带
对子"; "常态化开展公务员初任培训班、中青年干部培训班、科级干部培训班课程".

The annual-grade rule (``grade_allowed``) and a lecture's result (``lecture_result``) live
here, so the ledger (ledger/assessment/) and the verifier hold one definition.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, tzinfo
from itertools import pairwise

from verify.days import DEFAULT_TIMEZONE, business_date, zone_named
from verify.failure import Failure, Handler, mismatches
from verify.quarters import quarter_of, quarter_start
from verify.record import Record
from verify.rules_points import half_up
from verify.rules_principals import SCOPE, PrincipalRules
from verify.schema import COMMENTERS, GRADES, INDICATORS, RATINGS, STEPS

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


def lecture_result(scores: Sequence[Mapping[str, int]]) -> tuple[dict[str, int], int]:
    """A lecture's result from its raters' four-indicator scores: (mean per indicator, mean
    over the four), in tenths, rounded half up, each from the exact sums (the overall mean is
    total / (4 × raters), not the mean of the rounded means). ValueError without scores (a
    lecture closes with at least one rating: ``lecture.order``)."""
    if not scores:
        raise ValueError("a lecture's result needs at least one rating")
    n = len(scores)
    sums = {k: sum(s[k] for s in scores) for k in INDICATORS}
    means = {k: half_up(10 * total, n) for k, total in sums.items()}
    overall = half_up(10 * sum(sums.values()), n * len(INDICATORS))
    return means, overall


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
WEEK, SPEAKER, RATER = "lecture.week", "lecture.speaker", "lecture.rater"
ONE_FORM, COMMENT = "lecture.one_form", "lecture.comment"
LECTURE_ORDER, RESULT = "lecture.order", "lecture.result"
PAIR, NOTE, ENDED = "mentoring.pair", "mentoring.note", "mentoring.ended"
ENROLLED, SESSION, COMPLETION = "training.enrolled", "training.session", "training.completion"

STEP = {
    "assessment.SummarySubmitted": 0,
    "assessment.Appraised": 1,
    "assessment.FeedbackAcknowledged": 2,
    "assessment.GoalSet": 3,
}
BY_THE_CADRE = ("assessment.SummarySubmitted", "assessment.FeedbackAcknowledged",
                "assessment.GoalSet")  # fmt: skip
HELD = ("assessment_leader", "department_cadre")  # accounts of one cadre: assessment.account
HELD_TYPES = ("assessment.", "lecture.", "mentoring.")  # the records assessment.account covers


@dataclass
class _Programme:
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
    closed: bool = False


@dataclass
class _Lecture:
    programme: str
    week: date
    speaker: str
    raters: dict[str, str] = field(default_factory=dict)  # person -> the principal who rated
    scores: list[Mapping[str, int]] = field(default_factory=list)
    comments: dict[str, tuple[str, str]] = field(default_factory=dict)  # capacity -> who
    test: int | None = None  # the test's mean_tenths, once recorded
    closed: bool = False


@dataclass
class _Pair:
    programme: str
    mentor: str
    mentee: str
    started_on: str
    year: int
    ended: bool = False
    notes: set[tuple[int, str]] = field(default_factory=set)  # (quarter, side)


@dataclass
class _Training:
    sessions: int
    enrolled: set[str] = field(default_factory=set)
    attendance: dict[int, set[str]] = field(default_factory=dict)  # session -> present
    completed: set[str] = field(default_factory=set)


@dataclass
class AssessmentRules:
    """Routine assessment (平时考核), lectures (讲组工), mentoring pairs (以老带新) and
    training classes: each record checked against the state of the records before it.

    An ``assessment_leader`` or ``department_cadre`` account acts for its holder: the one
    ``department_cadre`` subject (``subject.Registered``) it is linked to by the principal
    registry's ``principal.SubjectLinked`` (``registry``, verify/rules_principals.py, which
    Invariants wires in; rule ``assessment.account``); "the cadre's own account" and "never
    the cadre" compare that subject. Dates are business dates in the bundle's timezone
    (``zone``)."""

    programmes: dict[str, _Programme] = field(default_factory=dict)
    records: dict[str, _Record] = field(default_factory=dict)
    lectures: dict[str, _Lecture] = field(default_factory=dict)
    # (speaker, year, quarter) -> the lectures closed, whatever their programme
    given: dict[tuple[str, int, int], list[str]] = field(default_factory=dict)
    pairs: dict[str, _Pair] = field(default_factory=dict)
    mentored: dict[tuple[str, str], str] = field(default_factory=dict)  # unended pair
    trainings: dict[str, _Training] = field(default_factory=dict)
    cadres: set[str] = field(default_factory=set)  # the subjects of kind department_cadre
    registry: PrincipalRules | None = None  # the principals' state (Invariants wires it)
    zone: tzinfo = field(default_factory=lambda: zone_named(DEFAULT_TIMEZONE))  # the bundle's

    def handlers(self) -> dict[str, Handler]:
        """Record type -> this object's check of it (``assessment.account`` first for the
        records of the assessment, lectures and mentoring)."""
        checks: dict[str, Handler] = {
            "assessment.ProgrammeOpened": self._programme,
            "assessment.CadreEnrolled": self._enrolled,
            **dict.fromkeys(STEP, self._step),
            "assessment.AnnualGradeRecorded": self._annual_grade,
            "lecture.Scheduled": self._scheduled,
            "lecture.Rated": self._rated,
            "lecture.Commented": self._commented,
            "lecture.TestRecorded": self._tested,
            "lecture.Closed": self._lecture_closed,
            "mentoring.PairStarted": self._pair_started,
            "mentoring.NoteRecorded": self._note,
            "mentoring.PairEnded": self._pair_ended,
            "training.ClassOpened": self._class_opened,
            "training.ParticipantEnrolled": self._participant,
            "training.AttendanceRecorded": self._attendance,
            "training.CompletionRecorded": self._completion,
        }
        held = {kind: self._held(check) for kind, check in checks.items()
                if kind.startswith(HELD_TYPES)}  # fmt: skip
        return {**checks, **held, "subject.Registered": self._subject}

    def _subject(self, r: Record, where: str) -> list[Failure]:
        if r.data["kind"] == "department_cadre":
            self.cadres.add(r.stream)
        return []

    def _held(self, check: Handler) -> Handler:
        def checked(r: Record, where: str) -> list[Failure]:
            return self._account(r, where) + check(r, where)

        return checked

    def _holders(self, principal: str) -> set[str]:
        """The department_cadre subjects ``principal`` is linked to (none if it is not
        enrolled, or no registry is wired in)."""
        actor = self.registry.principals.get(principal) if self.registry else None
        return set() if actor is None else actor.subjects & self.cadres

    def _account(self, r: Record, where: str) -> list[Failure]:
        """assessment.account: a leader's or a department cadre's account acts while linked
        to exactly one department_cadre subject, its holder."""
        if r.role not in HELD or len(found := self._holders(r.principal)) == 1:
            return []
        message = f"{r.type} by {r.principal} ({r.role}), an account of no one cadre"
        expected = "linked to exactly one department_cadre subject"
        return [Failure(where, ACCOUNT, message, expected, str(sorted(found)))]

    def _person(self, principal: str) -> str:
        """Who acts: the account's holder, or the account itself if it has none (or
        several: assessment.account)."""
        found = self._holders(principal)
        return next(iter(found)) if len(found) == 1 else principal

    def _linked(self, principal: str, subject: str) -> bool:
        """Whether ``subject`` is a holder of ``principal``'s account (an account not
        enrolled, or no registry wired in: not linked; principal.role reports the account)."""
        return subject in self._holders(principal)

    def _today(self, r: Record) -> date:
        return business_date(r.at, self.zone)

    def _place(self, r: Record, where: str, programme: _Programme) -> list[Failure]:
        """principal.scope, its stream half: a stream of a programme is in its county (the
        scope rule then holds every later record of the stream to that county)."""
        if r.data["county"] == programme.county:
            return []
        message = f"{r.type} in programme {r.data['programme']} of another county"
        return [Failure(where, SCOPE, message, programme.county, r.data["county"])]

    # --- 平时考核: "个人有小结、领导有评鉴、结果有反馈、改进有目标" ---------------------------

    def _programme(self, r: Record, where: str) -> list[Failure]:
        d = r.data
        self.programmes[r.stream] = _Programme(d["county"], d["year"])
        if (problem := due_days_problem(d["due_days"])) is None:
            return []
        message = f"programme {r.stream}: due_days"
        return [Failure(where, PROGRAMME, message, problem, str(d["due_days"]))]

    def _enrolled(self, r: Record, where: str) -> list[Failure]:
        d = r.data
        if (programme := self.programmes.get(d["programme"])) is None:
            return []  # reported by the stream check
        self.records[r.stream] = _Record(d["programme"], d["cadre"], programme.year)
        found = self._place(r, where, programme)
        if d["year"] != programme.year:
            message = f"record {r.stream}: enrolled in programme {d['programme']} for another year"
            found.append(Failure(where, ENROL, message, str(programme.year), str(d["year"])))
        programme.enrolled.add(d["cadre"])
        return found

    def _step(self, r: Record, where: str) -> list[Failure]:
        if (rec := self.records.get(r.stream)) is None:
            return []  # reported by the stream check
        if rec.closed:
            return [_closed(r, where)]
        d, step = r.data, STEP[r.type]
        quarter = d["quarter"]
        found = self._quarter(r, where, rec, quarter) + _order(r, where, rec, quarter, step)
        if r.type in BY_THE_CADRE and not self._linked(r.principal, rec.cadre):
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
        first, today = quarter_start(rec.year, quarter), self._today(r)
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
        if not self._linked(r.principal, rec.cadre):
            return []
        message = f"record {r.stream}: {r.type} by {r.principal}, linked to the cadre"
        return [Failure(where, SELF, message, "a principal not linked to the cadre", r.principal)]

    def _annual_grade(self, r: Record, where: str) -> list[Failure]:
        """三挂钩: the annual grade takes the four quarters' appraisals into account
        (``grade_allowed``), with every lecture the cadre gave in the year and closed before
        it as its references; nothing is recorded after it."""
        if (rec := self.records.get(r.stream)) is None:
            return []
        if rec.closed:
            return [_closed(r, where)]
        rec.closed = True
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

    # --- 讲组工: "一人讲、大家听、现场测" -------------------------------------------------

    def _scheduled(self, r: Record, where: str) -> list[Failure]:
        d = r.data
        if (programme := self.programmes.get(d["programme"])) is None:
            return []  # reported by the stream check
        week = date.fromisoformat(d["week"])
        self.lectures[r.stream] = _Lecture(d["programme"], week, d["speaker"])
        found = self._place(r, where, programme)
        if week.weekday() != 0 or week.year != programme.year or d["year"] != programme.year:
            message = f"lecture {r.stream}: week {d['week']} of year {d['year']}"
            expected = f"a Monday in {programme.year}"
            found.append(Failure(where, WEEK, message, expected, f"{week:%A} {d['week']}"))
        if d["speaker"] not in programme.enrolled:
            message = f"lecture {r.stream}: the speaker is not enrolled in the programme"
            found.append(Failure(where, SPEAKER, message, "an enrolled cadre", d["speaker"]))
        return found

    def _open_lecture(self, r: Record, where: str) -> tuple[_Lecture | None, list[Failure]]:
        """The lecture a rating, comment or test goes to, and lecture.order's verdict: on or
        after the week's Monday, before the lecture is closed."""
        if (lecture := self.lectures.get(r.stream)) is None:
            return None, []
        today = self._today(r)
        if lecture.closed:
            message = f"lecture {r.stream}: {r.type} after lecture.Closed"
            return lecture, [Failure(where, LECTURE_ORDER, message, "nothing after", r.type)]
        if today < lecture.week:
            message = f"lecture {r.stream}: {r.type} before the week of the lecture"
            expected = f"on or after {lecture.week}"
            return lecture, [Failure(where, LECTURE_ORDER, message, expected, today.isoformat())]
        return lecture, []

    def _rated(self, r: Record, where: str) -> list[Failure]:
        """ "由参学人员现场打分": one form per rater (a person, whichever of their accounts),
        never by the speaker's own account."""
        lecture, found = self._open_lecture(r, where)
        if lecture is None:
            return found
        if self._linked(r.principal, lecture.speaker):
            message = f"lecture {r.stream}: rated by {r.principal}, the speaker's own account"
            found.append(Failure(where, RATER, message, "a rater not linked to the speaker",
                                 r.principal))  # fmt: skip
        person = self._person(r.principal)
        if (earlier := lecture.raters.get(person)) is not None:
            message = f"lecture {r.stream}: a second form from {person} (as {r.principal})"
            found.append(Failure(where, ONE_FORM, message, "one form per rater",
                                 f"a second; the first by {earlier}"))  # fmt: skip
        lecture.raters.setdefault(person, r.principal)
        lecture.scores.append(r.data["scores"])
        return found

    def _commented(self, r: Record, where: str) -> list[Failure]:
        """ "科室负责人及分管部长集中点评": one comment each, by two people (different
        principals with different holders), neither the speaker's account."""
        lecture, found = self._open_lecture(r, where)
        if lecture is None:
            return found
        role, person = r.data["capacity"], self._person(r.principal)
        if role in lecture.comments:
            message = f"lecture {r.stream}: a second comment as {role}"
            first = f"a second; the first by {lecture.comments[role][0]}"
            found.append(Failure(where, COMMENT, message, f"one comment as {role}", first))
        for other, (principal, holder) in lecture.comments.items():
            if other != role and (principal == r.principal or holder == person):
                message = f"lecture {r.stream}: the {role} is the {other} ({principal}) again"
                found.append(Failure(where, COMMENT, message, "two people", r.principal))
        if self._linked(r.principal, lecture.speaker):
            message = f"lecture {r.stream}: commented by {r.principal}, the speaker's own account"
            found.append(Failure(where, COMMENT, message, "a principal not linked to the speaker",
                                 r.principal))  # fmt: skip
        lecture.comments.setdefault(role, (r.principal, person))
        return found

    def _tested(self, r: Record, where: str) -> list[Failure]:
        """ "现场测": one test per lecture."""
        lecture, found = self._open_lecture(r, where)
        if lecture is None:
            return found
        if lecture.test is not None:
            message = f"lecture {r.stream}: a second test"
            found.append(Failure(where, LECTURE_ORDER, message, "one test", "a second"))
        lecture.test = r.data["mean_tenths"]
        return found

    def _lecture_closed(self, r: Record, where: str) -> list[Failure]:
        """Closed once, with at least one rating, both comments and the test; its figures
        are the recomputation (``lecture_result``), its result a reference of the speaker's
        appraisal of the week's quarter."""
        if (lecture := self.lectures.get(r.stream)) is None:
            return []
        d, message = r.data, f"lecture {r.stream} closed"
        if lecture.closed:
            return [Failure(where, LECTURE_ORDER, message, "closed once", "closed again")]
        lecture.closed = True
        key = (lecture.speaker, lecture.week.year, quarter_of(lecture.week))
        self.given.setdefault(key, []).append(r.stream)
        lacking = [
            *(["a rating"] if not lecture.scores else []),
            *(f"the {role} comment" for role in COMMENTERS if role not in lecture.comments),
            *(["the test"] if lecture.test is None else []),
        ]
        if lacking:
            return [Failure(where, LECTURE_ORDER, f"{message} without {', '.join(lacking)}",
                            "ratings, both comments and the test", "missing")]  # fmt: skip
        means, overall = lecture_result(lecture.scores)
        expected = {
            "speaker": lecture.speaker,
            "forms": len(lecture.scores),
            "means": means,
            "overall_tenths": overall,
            "test_mean_tenths": lecture.test,
        }
        return mismatches(where, RESULT, f"{message}: not computed from its records", expected, d)

    # --- 以老带新: "由11名老组工与22名年轻干部结成帮带对子" ----------------------------------

    def _pair_started(self, r: Record, where: str) -> list[Failure]:
        d = r.data
        if (programme := self.programmes.get(d["programme"])) is None:
            return []  # reported by the stream check
        mentor, mentee = d["mentor"], d["mentee"]
        self.pairs[r.stream] = _Pair(d["programme"], mentor, mentee, d["started_on"], d["year"])
        found, message = self._place(r, where, programme), f"pair {r.stream}"
        today = self._today(r).isoformat()
        problem = None
        if mentor == mentee:
            problem = "a mentor other than the mentee", mentor
        elif not {mentor, mentee} <= programme.enrolled:
            shown = " ".join(c for c in (mentor, mentee) if c not in programme.enrolled)
            problem = "mentor and mentee enrolled in the programme", shown
        elif (other := self.mentored.get((d["programme"], mentee))) is not None:
            problem = "a mentee without an unended pair", f"pair {other}"
        elif d["year"] != programme.year or int(d["started_on"][:4]) != programme.year:
            problem = f"year {programme.year}", f"year {d['year']} started {d['started_on']}"
        elif d["started_on"] > today:
            problem = f"started on or before {today}", d["started_on"]
        self.mentored[(d["programme"], mentee)] = r.stream
        if problem is not None:
            found.append(Failure(where, PAIR, message, *problem))
        return found

    def _note(self, r: Record, where: str) -> list[Failure]:
        """The mentor's and the mentee's quarterly notes, each by its own account, once per
        quarter, from the quarter the pair started and once the quarter has begun, while the
        pair lasts."""
        if (pair := self.pairs.get(r.stream)) is None:
            return []
        d = r.data
        quarter, side = d["quarter"], d["side"]
        cadre = pair.mentor if side == "mentor" else pair.mentee
        first = quarter_of(date.fromisoformat(pair.started_on))
        problem = None
        if pair.ended:
            problem = "a note while the pair lasts", "after mentoring.PairEnded"
        elif not self._linked(r.principal, cadre):
            problem = f"the {side}'s own account (linked to {cadre})", r.principal
        elif (quarter, side) in pair.notes:
            problem = f"one {side} note for Q{quarter}", "a second"
        elif quarter < first:
            problem = f"a quarter from Q{first} (started {pair.started_on})", f"Q{quarter}"
        elif (today := self._today(r)) < (begun := quarter_start(pair.year, quarter)):
            problem = f"on or after {begun}, when Q{quarter} begins", today.isoformat()
        pair.notes.add((quarter, side))
        if problem is None:
            return []
        return [Failure(where, NOTE, f"pair {r.stream}: Q{quarter} {side} note", *problem)]

    def _pair_ended(self, r: Record, where: str) -> list[Failure]:
        if (pair := self.pairs.get(r.stream)) is None:
            return []
        ended_on, today = r.data["ended_on"], self._today(r).isoformat()
        problem = None
        if pair.ended:
            problem = "ended once", "ended again"
        elif not pair.started_on <= ended_on <= today:
            problem = f"ended on {pair.started_on}..{today}", ended_on
        pair.ended = True
        if self.mentored.get((pair.programme, pair.mentee)) == r.stream:
            del self.mentored[(pair.programme, pair.mentee)]
        if problem is None:
            return []
        return [Failure(where, ENDED, f"pair {r.stream} ended", *problem)]

    # --- "常态化开展公务员初任培训班、中青年干部培训班、科级干部培训班课程" -----------------

    def _class_opened(self, r: Record, where: str) -> list[Failure]:
        self.trainings[r.stream] = _Training(r.data["sessions"])
        return []

    def _participant(self, r: Record, where: str) -> list[Failure]:
        if (training := self.trainings.get(r.stream)) is None:
            return []
        cadre = r.data["cadre"]
        if cadre not in training.enrolled:
            training.enrolled.add(cadre)
            return []
        message = f"training {r.stream}: {cadre} enrolled again"
        return [Failure(where, ENROLLED, message, "enrolled once", "a second enrolment")]

    def _attendance(self, r: Record, where: str) -> list[Failure]:
        if (training := self.trainings.get(r.stream)) is None:
            return []
        session, present, found = r.data["session"], r.data["present"], []
        message = f"training {r.stream}: session {session}"
        if session > training.sessions or session in training.attendance:
            expected = f"a session 1..{training.sessions} not yet recorded"
            found.append(Failure(where, SESSION, message, expected, str(session)))
        strangers = [c for c in present if c not in training.enrolled]
        if strangers or present != sorted(set(present)):
            found.append(Failure(where, ENROLLED, f"{message}: present",
                                 "a sorted list of distinct enrolled cadres",
                                 str(strangers or present)))  # fmt: skip
        training.attendance.setdefault(session, set(present))
        return found

    def _completion(self, r: Record, where: str) -> list[Failure]:
        if (training := self.trainings.get(r.stream)) is None:
            return []
        cadre, d = r.data["cadre"], r.data
        message = f"training {r.stream}: completion of {cadre}"
        if cadre not in training.enrolled:
            return [Failure(where, ENROLLED, message, "an enrolled cadre", cadre)]
        recorded = len(training.attendance)
        attended = sum(cadre in present for present in training.attendance.values())
        problem = None
        if cadre in training.completed:
            problem = "recorded once", "a second"
        elif recorded < training.sessions:
            problem = f"all {training.sessions} sessions' attendance", f"{recorded} recorded"
        elif d["attended"] != attended:
            problem = str(attended), str(d["attended"])
        training.completed.add(cadre)
        return [] if problem is None else [Failure(where, COMPLETION, message, *problem)]


def _closed(r: Record, where: str) -> Failure:
    message = f"record {r.stream}: {r.type} after its annual grade"
    return Failure(where, CLOSED, message, "nothing after the annual grade", r.type)


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
