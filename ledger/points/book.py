"""A cadre's points book for one scheme year: responsibilities, score entries, appraisal.

Entries are numbered from 1 in the book. Nothing is edited or deleted: a correction is a new
entry of the opposite amount that names the entry it reverses. An entry is reversed at most
once; a correction may itself be corrected (which reinstates the original amount, subject to
the bonus cap again). The bonus total of the year may not exceed the scheme's cap.
Deductions are recorded as positive amounts and subtracted; totals may go negative.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid5

from ledger.actor import Actor, Role
from ledger.chained import LedgerAggregate
from ledger.errors import RuleViolation
from ledger.points.config import Component, Grade, adjusted_pay, format_points
from ledger.points.plan import TaskPlan
from ledger.points.scheme import Scheme

SCORE_ROLES = (Role.TOWNSHIP_PARTY_COMMITTEE, Role.VILLAGE_COMMITTEE)
SIGN = {Component.WORK: 1, Component.EVALUATION: 1, Component.BONUS: 1, Component.DEDUCTION: -1}


def book_id(scheme: UUID, cadre: UUID) -> UUID:
    """The deterministic stream id of a cadre's book in a scheme."""
    return uuid5(scheme, f"book/{cadre}")


class PointsBook(LedgerAggregate):
    if TYPE_CHECKING:
        scheme: str
        cadre: str
        township: str
        village: str
        category: str
        year: int
        weights: dict[int, int]  # +1 original, -1 reversal, +1 reversal of a reversal
        responsibilities: dict[str, int]
        entries: dict[int, tuple[str, int, int]]  # entry -> (component, quarter, amount)
        corrected: set[int]
        component_totals: dict[str, int]
        quarter_totals: dict[int, int]
        grade: str
        adjusted_pay_fen: int
        _bonus_cap: int

    @property
    def total_tenths(self) -> int:
        """work + evaluation + bonus - deduction, over the whole year."""
        return sum(SIGN[Component(c)] * t for c, t in self.component_totals.items())

    @property
    def bonus_remaining_tenths(self) -> int:
        return self._bonus_cap - self.component_totals[Component.BONUS.value]

    # --- commands -----------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        *,
        scheme: Scheme,
        cadre: UUID,
        township: str,
        village: str,
        category: str,
        actor: Actor,
        moment: datetime,
    ) -> PointsBook:
        """Open a cadre's book for the scheme year (categories from the scheme)."""
        actor.require(*SCORE_ROLES)
        scheme.require_category(category)
        if not township.strip() or not village.strip():
            raise RuleViolation(
                "points.unit",
                f"a cadre belongs to a township and a village, got {township!r}, {village!r}",
            )
        book = cls._start(
            cls.Opened,
            id=book_id(scheme.id, cadre),
            actor=actor,
            moment=moment,
            scheme=str(scheme.id),
            cadre=str(cadre),
            township=township,
            village=village,
            category=category,
            year=scheme.year,
            bonus_cap_tenths=scheme.bonus_cap_tenths,
        )
        return book

    def allocate(
        self, plan: TaskPlan, task: str, points_tenths: int, actor: Actor, moment: datetime
    ) -> None:
        """The village committee gives the cadre responsibility for a task of the plan."""
        actor.require(Role.VILLAGE_COMMITTEE)
        if plan.township != self.township or plan.scheme != self.scheme:
            raise RuleViolation(
                "points.task",
                f"the {plan.township} plan is not the plan of this cadre's township "
                f"{self.township}",
            )
        available = plan.task_points(task)
        if task in self.responsibilities:
            raise RuleViolation(
                "points.allocation", f"task {task} is already allocated to this cadre"
            )
        if type(points_tenths) is not int or not 0 < points_tenths <= available:
            raise RuleViolation(
                "points.allocation",
                f"responsibility points must be 0.1..{format_points(available)} for task {task}",
            )
        self._append(
            self.ResponsibilityAllocated,
            actor=actor,
            moment=moment,
            task=task,
            points_tenths=points_tenths,
        )

    def enter(
        self,
        *,
        quarter: int,
        component: Component,
        points_tenths: int,
        reason: str,
        task: str | None,
        plan: TaskPlan | None,
        actor: Actor,
        moment: datetime,
        form: str | None = None,
    ) -> int:
        """Record a score entry; returns its entry number.

        A work entry that names a task names one allocated to this cadre; a quarter has at
        most one standing evaluation entry (correct it before entering another).
        """
        actor.require(*SCORE_ROLES)
        self._require_season(moment)
        component = Component(component)
        if quarter not in (1, 2, 3, 4):
            raise RuleViolation("points.quarter", f"quarter {quarter} not in 1..4")
        minimum = 0 if form is not None else 1  # a peer evaluation may honestly come to 0
        if type(points_tenths) is not int or points_tenths < minimum:
            raise RuleViolation(
                "points.amount",
                f"an entry is a positive number of tenths (deductions too), got {points_tenths!r}",
            )
        if not reason.strip():
            raise RuleViolation("points.reason", "a score entry names its reason")
        if task is not None:
            if plan is None:
                raise RuleViolation("points.task", f"task {task} needs the township plan")
            plan.task_points(task)
            if component is Component.WORK and task not in self.responsibilities:
                raise RuleViolation(
                    "points.task", f"task {task} is not among this cadre's responsibilities"
                )
        if component is Component.BONUS:
            self._check_bonus(points_tenths)
        if component is Component.EVALUATION:
            self._check_one_evaluation(quarter)
        entry = len(self.entries) + 1
        self._append(
            self.ScoreEntered,
            actor=actor,
            moment=moment,
            entry=entry,
            quarter=quarter,
            component=component.value,
            points_tenths=points_tenths,
            reason=reason,
            task=task,
            corrects=None,
            form=form,
        )
        return entry

    def correct(self, entry: int, reason: str, actor: Actor, moment: datetime) -> int:
        """Reverse ``entry`` with a new entry of the opposite amount; returns its number."""
        actor.require(*SCORE_ROLES)
        self._require_season(moment)
        if entry not in self.entries:
            raise RuleViolation("points.correction", f"entry {entry} does not exist in this book")
        if entry in self.corrected:
            raise RuleViolation("points.correction", f"entry {entry} was already corrected")
        if not reason.strip():
            raise RuleViolation("points.reason", "a correction names its reason")
        component, quarter, amount = self.entries[entry]
        if component == Component.BONUS.value and -amount > 0:
            self._check_bonus(-amount)
        if component == Component.EVALUATION.value and self.weights[entry] < 0:
            self._check_one_evaluation(quarter)  # reinstating an evaluation entry
        new_entry = len(self.entries) + 1
        self._append(
            self.ScoreEntered,
            actor=actor,
            moment=moment,
            entry=new_entry,
            quarter=quarter,
            component=component,
            points_tenths=-amount,
            reason=reason,
            task=None,
            corrects=entry,
            form=None,
        )
        return new_entry

    def _require_season(self, moment: datetime) -> None:
        """Entries belong to the scheme year; late Q4 entries and corrections may follow
        until the end of the next year's first quarter."""
        if not self.year <= moment.year or moment.date() > date(self.year + 1, 3, 31):
            raise RuleViolation(
                "points.season",
                f"the {self.year} book takes entries from {self.year} to "
                f"{self.year + 1}-03-31, not on {moment.date()}",
            )

    def _check_one_evaluation(self, quarter: int) -> None:
        standing = sum(
            self.weights[e]
            for e, (component, q, _) in self.entries.items()
            if component == Component.EVALUATION.value and q == quarter
        )
        if standing > 0:
            raise RuleViolation(
                "points.evaluation_once",
                f"Q{quarter} already has an evaluation entry; correct it before entering another",
            )

    def _check_bonus(self, points_tenths: int) -> None:
        if points_tenths > self.bonus_remaining_tenths:
            raise RuleViolation(
                "points.bonus_cap",
                f"bonus of {format_points(points_tenths)} exceeds the yearly cap of "
                f"{format_points(self._bonus_cap)}: remaining allowance "
                f"{format_points(self.bonus_remaining_tenths)}",
            )

    def appraise(
        self, scheme: Scheme, grade: Grade, base_pay_fen: int, actor: Actor, moment: datetime
    ) -> None:
        """Record the annual grade and the pay adjusted by the scheme's percentage."""
        actor.require(Role.TOWNSHIP_PARTY_COMMITTEE)
        self._require_season(moment)
        grade = Grade(grade)
        if self.grade:
            raise RuleViolation("points.grade_set", f"this year's grade is already {self.grade}")
        if type(base_pay_fen) is not int or base_pay_fen < 0:
            raise RuleViolation(
                "points.pay", f"base pay is a non-negative integer of fen, got {base_pay_fen!r}"
            )
        percent = scheme.pay_percent[grade.value]
        self._append(
            self.Appraised,
            actor=actor,
            moment=moment,
            grade=grade.value,
            base_pay_fen=base_pay_fen,
            pay_percent=percent,
            adjusted_pay_fen=adjusted_pay(base_pay_fen, percent),
        )

    # --- events -------------------------------------------------------------------------

    class Opened(LedgerAggregate.Created):
        TOPIC = "points.BookOpened"
        scheme: str
        cadre: str
        township: str
        village: str
        category: str
        year: int
        bonus_cap_tenths: int

        def assign(self, aggregate: Any) -> None:
            aggregate.scheme = self.scheme
            aggregate.cadre = self.cadre
            aggregate.township = self.township
            aggregate.village = self.village
            aggregate.category = self.category
            aggregate.year = self.year
            aggregate.weights = {}
            aggregate._bonus_cap = self.bonus_cap_tenths
            aggregate.responsibilities = {}
            aggregate.entries = {}
            aggregate.corrected = set()
            aggregate.component_totals = {c.value: 0 for c in Component}
            aggregate.quarter_totals = {q: 0 for q in (1, 2, 3, 4)}
            aggregate.grade = ""
            aggregate.adjusted_pay_fen = 0

    class ResponsibilityAllocated(LedgerAggregate.Event):
        TOPIC = "points.ResponsibilityAllocated"
        task: str
        points_tenths: int

        def assign(self, aggregate: Any) -> None:
            aggregate.responsibilities[self.task] = self.points_tenths

    class ScoreEntered(LedgerAggregate.Event):
        TOPIC = "points.ScoreEntered"
        entry: int
        quarter: int
        component: str
        points_tenths: int
        reason: str
        task: str | None
        corrects: int | None
        form: str | None

        def assign(self, aggregate: Any) -> None:
            aggregate.entries[self.entry] = (self.component, self.quarter, self.points_tenths)
            weight = 1 if self.corrects is None else -aggregate.weights[self.corrects]
            aggregate.weights[self.entry] = weight
            if self.corrects is not None:
                aggregate.corrected.add(self.corrects)
            aggregate.component_totals[self.component] += self.points_tenths
            sign = SIGN[Component(self.component)]
            aggregate.quarter_totals[self.quarter] += sign * self.points_tenths

    class Appraised(LedgerAggregate.Event):
        TOPIC = "points.Appraised"
        grade: str
        base_pay_fen: int
        pay_percent: int
        adjusted_pay_fen: int

        def assign(self, aggregate: Any) -> None:
            aggregate.grade = self.grade
            aggregate.adjusted_pay_fen = self.adjusted_pay_fen
