"""一人一档: one cadre's year in a routine-assessment programme, the quarterly loop and the grade.

Qianshan "个人有小结、领导有评鉴、结果有反馈、改进有目标": per quarter, in this order and each
once (``assessment.order``):

- ``SummarySubmitted`` — the cadre's own 小结, by its own account (``department_cadre``
  linked to the cadre: ``assessment.hands``); from Q2 on it first answers the previous
  quarter's 改进目标 (``answers_goal``: that GoalSet's commitment; ``assessment.goal``);
- ``Appraised`` — the leadership's 评鉴 (``assessment_leader``, never an account linked to the
  cadre: ``assessment.self``), a rating 好/较好/一般/较差 (``assessment.rating``), with the
  lectures the cadre gave that quarter as reference inputs ("打分结果作为组工干部平时考核和评先
  评优的参考依据": shown, they move nothing; ``assessment.references``);
- ``FeedbackAcknowledged`` — the cadre acknowledges the 反馈;
- ``GoalSet`` — the cadre's 改进目标 for the next quarter.

The year ends with ``AnnualGradeRecorded`` (优秀/称职/基本称职/不称职, "三挂钩": the grade is
what selection and the reserve pool look at), which takes the four quarters' ratings into
account (``assessment.annual_grade``: ``verify.rules_assessment.grade_allowed``, one rule for
the ledger and the verifier; docs/FORMAT.md); nothing is recorded after it
(``assessment.closed``). No step of quarter q before the quarter's first day
(``assessment.quarter``). Free text (小结, 评鉴, 目标, the grade's reasons) is in the vault;
records carry its commitment. "The cadre" and "never the cadre" compare the cadre with the
acting account's holder (``ledger/assessment/account.py``, rule ``assessment.account``).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid5

from ledger.actor import Actor, Role
from ledger.assessment.account import Holders, holder
from ledger.assessment.programme import AssessmentProgramme
from ledger.chained import LedgerAggregate
from ledger.errors import RuleViolation
from verify.quarters import quarter_start
from verify.rules_assessment import grade_allowed
from verify.schema import RATINGS, STEPS

ENROL, QUARTER, ORDER = "assessment.enrol", "assessment.quarter", "assessment.order"
GOAL, HANDS, SELF = "assessment.goal", "assessment.hands", "assessment.self"
RATING, REFERENCES = "assessment.rating", "assessment.references"
ANNUAL_GRADE, CLOSED = "assessment.annual_grade", "assessment.closed"
TEXT = "assessment.text"  # a 小结, 评鉴 or 目标 says something (Deviations (A))
CADRE_STEPS = ("summary", "feedback", "goal")  # by the cadre's own account
LEADER_STEPS = ("appraisal",)  # by an assessment leader not linked to the cadre


def record_id(programme: UUID, cadre: UUID) -> UUID:
    """The stream id of ``cadre``'s record in ``programme`` (docs/FORMAT.md §4)."""
    return uuid5(programme, f"cadre/{cadre}")


class AssessmentRecord(LedgerAggregate):
    if TYPE_CHECKING:
        programme: str
        county: str
        year: int
        cadre: str
        section: str
        steps: list[tuple[int, str, str]]  # (quarter, step, at) in order
        goals: dict[int, str]  # quarter -> GoalSet commitment
        ratings: dict[int, str]  # quarter -> rating
        references: dict[int, list[str]]  # quarter -> the appraisal's lecture references
        grade: dict[str, Any] | None

    @classmethod
    def enrol(
        cls,
        *,
        programme: AssessmentProgramme,
        cadre: UUID,
        section: str,
        actor: Actor,
        moment: datetime,
    ) -> AssessmentRecord:
        """Enrol ``cadre`` (a department_cadre subject, checked by the service) in
        ``programme``, in ``section`` (科室, e.g. 干部监督科); once (the stream is
        ``record_id(programme, cadre)``)."""
        actor.require(Role.ORGANISATION_DEPARTMENT)
        if not section.strip():
            raise RuleViolation(ENROL, "name the cadre's section (科室)")
        return cls._start(
            cls.Enrolled,
            id=record_id(programme.id, cadre),
            actor=actor,
            moment=moment,
            programme=str(programme.id),
            county=programme.county,
            year=programme.year,
            cadre=str(cadre),
            section=section,
        )

    def next_step(self) -> tuple[int, str] | None:
        """The step the loop expects next (quarter, step); None after Q4's goal."""
        if not self.steps:
            return 1, STEPS[0]
        quarter, step, _ = self.steps[-1]
        index = STEPS.index(step) + 1
        if index < len(STEPS):
            return quarter, STEPS[index]
        return (quarter + 1, STEPS[0]) if quarter < 4 else None

    def done(self, quarter: int, step: str) -> str | None:
        """The ``at`` of ``step`` of ``quarter``, or None if not done."""
        return next((at for q, s, at in self.steps if (q, s) == (quarter, step)), None)

    def check_step(
        self, quarter: int, step: str, actor: Actor, moment: datetime, holders: Holders
    ) -> None:
        """The rules every step shares: closed, account, hands, self, quarter, order."""
        if self.grade is not None:
            raise RuleViolation(CLOSED, f"record {self.id}: the annual grade is recorded")
        own = holder(actor, holders)
        if step in CADRE_STEPS:
            if actor.role is not Role.DEPARTMENT_CADRE or own != self.cadre:
                raise RuleViolation(
                    HANDS,
                    f"the {step} of quarter {quarter} is by the cadre's own account"
                    f" (department_cadre linked to {self.cadre}), not {actor.principal}"
                    f" ({actor.role.value})",
                )
        else:
            self._check_leader(actor, own, f"the {step} of quarter {quarter}")
        if type(quarter) is not int or not 1 <= quarter <= 4:
            raise RuleViolation(QUARTER, f"a quarter is 1..4, not {quarter!r}")
        first = quarter_start(self.year, quarter)
        if moment.date() < first:
            raise RuleViolation(
                QUARTER, f"quarter {quarter} of {self.year} begins {first}, not before"
                f" (today is {moment.date()})",
            )  # fmt: skip
        expected = self.next_step()
        if expected != (quarter, step):
            if self.done(quarter, step) is not None:
                found = f"the {step} of quarter {quarter} is already recorded"
            elif expected is None:
                found = "the fourth quarter's loop is complete"
            else:
                found = f"the next step is the {expected[1]} of quarter {expected[0]}"
            raise RuleViolation(
                ORDER,
                f"{found}; each quarter runs 小结 → 评鉴 → 反馈 → 改进目标 in order, once"
                f" (expected {expected}, found ({quarter}, {step!r}))",
            )

    def _check_leader(self, actor: Actor, own: str | None, what: str) -> None:
        """By an assessment leader (``own``: its holder) who is not the cadre."""
        if actor.role is not Role.ASSESSMENT_LEADER:
            raise RuleViolation(HANDS, f"{what} is by an assessment_leader, not {actor.role.value}")
        if own == self.cadre:
            raise RuleViolation(
                SELF, f"{actor.principal} is the account of {self.cadre}: no leader assesses"
                " themselves",
            )  # fmt: skip

    def submit_summary(
        self,
        quarter: int,
        commitment: str,
        answers_goal: str | None,
        actor: Actor,
        moment: datetime,
        holders: Holders,
    ) -> None:
        """个人有小结: the cadre's quarterly summary; from Q2 on it answers the previous
        quarter's goal first (``answers_goal``, the service passes ``goal_of(q - 1)``)."""
        self.check_step(quarter, "summary", actor, moment, holders)
        expected = None if quarter == 1 else self.goals.get(quarter - 1)
        if answers_goal != expected:
            raise RuleViolation(
                GOAL,
                f"the summary of quarter {quarter} answers {expected} (the 改进目标 of the"
                f" previous quarter, none for Q1), not {answers_goal}",
            )
        self._append(
            self.SummarySubmitted, actor=actor, moment=moment, quarter=quarter,
            commitment=commitment, answers_goal=answers_goal,
        )  # fmt: skip

    def appraise(
        self,
        quarter: int,
        rating: str,
        commitment: str,
        references: list[str],
        actor: Actor,
        moment: datetime,
        holders: Holders,
    ) -> None:
        """领导有评鉴: a leader's appraisal and rating; ``references``: the lectures the
        cadre gave in the quarter, closed by now (computed by the service)."""
        self.check_step(quarter, "appraisal", actor, moment, holders)
        check_rating(rating)
        if references != sorted(set(references)):
            raise RuleViolation(REFERENCES, f"references are sorted, once each: {references}")
        self._append(
            self.Appraised, actor=actor, moment=moment, quarter=quarter, rating=rating,
            commitment=commitment, references=references,
        )  # fmt: skip

    def acknowledge_feedback(
        self, quarter: int, actor: Actor, moment: datetime, holders: Holders
    ) -> None:
        """结果有反馈: the cadre acknowledges the appraisal fed back."""
        self.check_step(quarter, "feedback", actor, moment, holders)
        self._append(self.FeedbackAcknowledged, actor=actor, moment=moment, quarter=quarter)

    def set_goal(
        self,
        quarter: int,
        commitment: str,
        actor: Actor,
        moment: datetime,
        holders: Holders,
    ) -> None:
        """改进有目标: the cadre's goal for the next quarter."""
        self.check_step(quarter, "goal", actor, moment, holders)
        self._append(
            self.GoalSet, actor=actor, moment=moment, quarter=quarter, commitment=commitment
        )

    def check_annual_grade(
        self, grade: str, actor: Actor, moment: datetime, holders: Holders
    ) -> list[str]:
        """The rules of the annual grade, before its reasons go to the vault: after all four
        quarters were appraised (Q4's goal not required), allowed by their ratings; the
        ratings in quarter order."""
        if self.grade is not None:
            raise RuleViolation(CLOSED, f"record {self.id}: the annual grade is recorded")
        self._check_leader(actor, holder(actor, holders), "the annual grade")
        missing = [q for q in range(1, 5) if q not in self.ratings]
        if missing:
            raise RuleViolation(
                ANNUAL_GRADE, f"the four quarters are appraised first; not yet: {missing}"
            )
        ratings = [self.ratings[q] for q in range(1, 5)]
        if (problem := grade_allowed(grade, ratings)) is not None:
            raise RuleViolation(ANNUAL_GRADE, f"{problem}: ratings {ratings}, grade {grade}")
        return ratings

    def record_annual_grade(
        self,
        grade: str,
        commitment: str,
        references: list[str],
        actor: Actor,
        moment: datetime,
        holders: Holders,
    ) -> None:
        """The annual grade (优秀/称职/基本称职/不称职) with its reasons (``commitment``: a
        vault document); ``ratings`` are copied from the four appraisals, ``references`` are
        every lecture the cadre gave in the year, closed by now (computed by the service).
        Closes the record."""
        ratings = self.check_annual_grade(grade, actor, moment, holders)
        if references != sorted(set(references)):
            raise RuleViolation(REFERENCES, f"references are sorted, once each: {references}")
        self._append(
            self.AnnualGradeRecorded, actor=actor, moment=moment, grade=grade,
            ratings=ratings, references=references, commitment=commitment,
        )  # fmt: skip

    class Enrolled(LedgerAggregate.Created):
        TOPIC = "assessment.CadreEnrolled"
        programme: str
        county: str
        year: int
        cadre: str
        section: str

        def assign(self, aggregate: Any) -> None:
            aggregate.programme = self.programme
            aggregate.county = self.county
            aggregate.year = self.year
            aggregate.cadre = self.cadre
            aggregate.section = self.section
            aggregate.steps = []
            aggregate.goals = {}
            aggregate.ratings = {}
            aggregate.references = {}
            aggregate.grade = None

    class SummarySubmitted(LedgerAggregate.Event):
        TOPIC = "assessment.SummarySubmitted"
        quarter: int
        commitment: str
        answers_goal: str | None

        def assign(self, aggregate: Any) -> None:
            aggregate.steps = [*aggregate.steps, (self.quarter, "summary", self.at)]

    class Appraised(LedgerAggregate.Event):
        TOPIC = "assessment.Appraised"
        quarter: int
        rating: str
        commitment: str
        references: list[str]

        def assign(self, aggregate: Any) -> None:
            aggregate.steps = [*aggregate.steps, (self.quarter, "appraisal", self.at)]
            aggregate.ratings = {**aggregate.ratings, self.quarter: self.rating}
            aggregate.references = {**aggregate.references, self.quarter: list(self.references)}

    class FeedbackAcknowledged(LedgerAggregate.Event):
        TOPIC = "assessment.FeedbackAcknowledged"
        quarter: int

        def assign(self, aggregate: Any) -> None:
            aggregate.steps = [*aggregate.steps, (self.quarter, "feedback", self.at)]

    class GoalSet(LedgerAggregate.Event):
        TOPIC = "assessment.GoalSet"
        quarter: int
        commitment: str

        def assign(self, aggregate: Any) -> None:
            aggregate.steps = [*aggregate.steps, (self.quarter, "goal", self.at)]
            aggregate.goals = {**aggregate.goals, self.quarter: self.commitment}

    class AnnualGradeRecorded(LedgerAggregate.Event):
        TOPIC = "assessment.AnnualGradeRecorded"
        grade: str
        ratings: list[str]
        references: list[str]
        commitment: str

        def assign(self, aggregate: Any) -> None:
            aggregate.grade = {
                "grade": self.grade,
                "ratings": list(self.ratings),
                "references": list(self.references),
                "commitment": self.commitment,
            }


def check_rating(rating: str) -> None:
    """RuleViolation ``assessment.rating`` unless ``rating`` is 好/较好/一般/较差."""
    if rating not in RATINGS:
        raise RuleViolation(RATING, f"{rating!r} is not one of {', '.join(RATINGS)}")
