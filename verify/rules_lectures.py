"""Huaining's 讲组工 lectures, the rules across records (docs/FORMAT.md §4, ``lecture.*``):
"一人讲、大家听、现场测", "每周安排1名组工干部上讲台，科室负责人及分管部长集中点评", rated on
"“课前准备、业务功底、语言表达、实际成效”4个指标，由参学人员现场打分，打分结果作为组工干部平时
考核和评先评优的参考依据".

A lecture's result (``lecture_result``) lives here, so the ledger (ledger/rating_form.py) and
the verifier hold one arithmetic. The programme, its enrolled cadres and the accounts' holders
are the routine assessment's (verify/rules_assessment.py); a closed lecture is reported to it
as a reference of its speaker's appraisal and annual grade.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from verify.failure import Failure, Handler, mismatches
from verify.quarters import quarter_of
from verify.record import Record
from verify.rules_assessment import AssessmentRules, named
from verify.rules_points import half_up
from verify.schema import COMMENTERS, INDICATORS

WEEK, SPEAKER, RATER = "lecture.week", "lecture.speaker", "lecture.rater"
ONE_FORM, COMMENT = "lecture.one_form", "lecture.comment"
LECTURE_ORDER, RESULT = "lecture.order", "lecture.result"


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


@dataclass
class _Lecture:
    programme: str
    week: date
    speaker: str
    raters: dict[str, str] = field(default_factory=dict)  # person -> the form's record
    scores: list[Mapping[str, int]] = field(default_factory=list)
    # capacity -> (principal, holder, the comment's record)
    comments: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    test: int | None = None  # the test's mean_tenths, once recorded
    tested: str = ""  # the test's record
    closed: str = ""  # the close's record ("" while open)


@dataclass
class LectureRules:
    """The lectures of the routine assessment's programmes (``assessment``: its programmes,
    the accounts' holders, the business date; ``assessment.account`` checked first)."""

    assessment: AssessmentRules
    lectures: dict[str, _Lecture] = field(default_factory=dict)

    def handlers(self) -> dict[str, Handler]:
        held = self.assessment.held
        return {
            "lecture.Scheduled": held(self._scheduled),
            "lecture.Rated": held(self._rated),
            "lecture.Commented": held(self._commented),
            "lecture.TestRecorded": held(self._tested),
            "lecture.Closed": held(self._closed),
        }

    def _scheduled(self, r: Record, where: str) -> list[Failure]:
        d = r.data
        if (programme := self.assessment.programmes.get(d["programme"])) is None:
            return []  # reported by the stream check
        week = date.fromisoformat(d["week"])
        self.lectures[r.stream] = _Lecture(d["programme"], week, d["speaker"])
        found = self.assessment.place(r, where, programme)
        if week.weekday() != 0 or week.year != programme.year or d["year"] != programme.year:
            message = f"lecture {r.stream}: week {d['week']} of year {d['year']}"
            expected = f"a Monday in {programme.year}"
            found.append(Failure(where, WEEK, message, expected, f"{week:%A} {d['week']}"))
        if d["speaker"] not in programme.enrolled:
            message = f"lecture {r.stream}: the speaker is not enrolled in the programme"
            found.append(Failure(where, SPEAKER, message, "an enrolled cadre", d["speaker"]))
        return found

    def _open(self, r: Record, where: str) -> tuple[_Lecture | None, list[Failure]]:
        """The lecture a rating, comment or test goes to, and lecture.order's verdict: on or
        after the week's Monday, before the lecture is closed."""
        if (lecture := self.lectures.get(r.stream)) is None:
            return None, []
        today = self.assessment.today(r)
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
        lecture, found = self._open(r, where)
        if lecture is None:
            return found
        if self.assessment.linked(r.principal, lecture.speaker):
            message = f"lecture {r.stream}: rated by {r.principal}, the speaker's own account"
            found.append(Failure(where, RATER, message, "a rater not linked to the speaker",
                                 r.principal))  # fmt: skip
        person = self.assessment.person(r.principal)
        if (earlier := lecture.raters.get(person)) is not None:
            message = f"lecture {r.stream}: a second form from {person} (as {r.principal})"
            found.append(Failure(where, ONE_FORM, message, "one form per rater",
                                 f"a second; the first at {earlier}"))  # fmt: skip
        lecture.raters.setdefault(person, named(where, r))
        lecture.scores.append(r.data["scores"])
        return found

    def _commented(self, r: Record, where: str) -> list[Failure]:
        """ "科室负责人及分管部长集中点评": one comment each, by two people (different
        principals with different holders), neither the speaker's account."""
        lecture, found = self._open(r, where)
        if lecture is None:
            return found
        role, person = r.data["capacity"], self.assessment.person(r.principal)
        if role in lecture.comments:
            message = f"lecture {r.stream}: a second comment as {role}"
            first = f"a second; the first at {lecture.comments[role][2]}"
            found.append(Failure(where, COMMENT, message, f"one comment as {role}", first))
        for other, (principal, holder, _) in lecture.comments.items():
            if other != role and (principal == r.principal or holder == person):
                message = f"lecture {r.stream}: the {role} is the {other} ({principal}) again"
                found.append(Failure(where, COMMENT, message, "two people", r.principal))
        if self.assessment.linked(r.principal, lecture.speaker):
            message = f"lecture {r.stream}: commented by {r.principal}, the speaker's own account"
            found.append(Failure(where, COMMENT, message, "a principal not linked to the speaker",
                                 r.principal))  # fmt: skip
        lecture.comments.setdefault(role, (r.principal, person, named(where, r)))
        return found

    def _tested(self, r: Record, where: str) -> list[Failure]:
        """ "现场测": one test per lecture."""
        lecture, found = self._open(r, where)
        if lecture is None:
            return found
        if lecture.tested:
            message = f"lecture {r.stream}: a second test"
            first = f"a second; the first at {lecture.tested}"
            found.append(Failure(where, LECTURE_ORDER, message, "one test", first))
        lecture.tested = lecture.tested or named(where, r)
        lecture.test = r.data["mean_tenths"]
        return found

    def _closed(self, r: Record, where: str) -> list[Failure]:
        """Closed once, with at least one rating, both comments and the test; its figures
        are the recomputation (``lecture_result``), its result a reference of the speaker's
        appraisal of the week's quarter."""
        if (lecture := self.lectures.get(r.stream)) is None:
            return []
        d, message = r.data, f"lecture {r.stream} closed"
        if lecture.closed:
            again = f"closed again; first at {lecture.closed}"
            return [Failure(where, LECTURE_ORDER, message, "closed once", again)]
        lecture.closed = named(where, r)
        week = lecture.week
        self.assessment.lecture_closed(lecture.speaker, week.year, quarter_of(week), r.stream)
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
