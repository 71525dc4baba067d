"""A cadre's points book for one scheme year: score entries (work within the allocations
of the village's register, ledger/points/allocation.py), corrections, appraisal.

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
from ledger.points.allocation import AllocationRegister, register_id
from ledger.points.config import Component, Grade, adjusted_pay, format_points
from ledger.points.plan import TaskPlan
from ledger.points.scheme import Scheme

SCORE_ROLES = (Role.TOWNSHIP_PARTY_COMMITTEE, Role.VILLAGE_COMMITTEE)
# "加减分": bonus and deduction entries (and their corrections) are the township party
# committee's; the village committee's members are the cadres being scored.
ADJUSTMENTS = (Component.BONUS, Component.DEDUCTION)
SIGN = {Component.WORK: 1, Component.EVALUATION: 1, Component.BONUS: 1, Component.DEDUCTION: -1}


def book_id(scheme: UUID, cadre: UUID) -> UUID:
    """The deterministic stream id of a cadre's book in a scheme."""
    return uuid5(scheme, f"book/{cadre}")


class PointsBook(LedgerAggregate):
    if TYPE_CHECKING:
        scheme: str
        cadre: str
        county: str
        township: str
        village: str
        category: str
        year: int
        weights: dict[int, int]  # +1 original, -1 reversal, +1 reversal of a reversal
        entries: dict[int, tuple[str, int, int]]  # entry -> (component, quarter, amount)
        entry_tasks: dict[int, str | None]  # entry -> its task (a correction: its entry's)
        work_standing: dict[tuple[str, int], int]  # (task, quarter) -> standing work tenths
        corrected: set[int]
        component_totals: dict[str, int]
        quarter_totals: dict[int, int]
        grade: str
        adjusted_pay_fen: int
        _bonus_cap: int
        sealed: int  # the close that sealed the book, 0 while the year is open

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
            county=scheme.county,
            township=township,
            village=village,
            category=category,
            year=scheme.year,
            bonus_cap_tenths=scheme.bonus_cap_tenths,
        )
        return book

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
        register: AllocationRegister | None = None,
    ) -> int:
        """Record a score entry; returns its entry number.

        A work entry names a task of the plan and stays within what ``register`` (this
        cadre's village's allocation register) allocated to this book for that task and
        quarter; bonus and deduction entries are the township party committee's; a quarter
        has at most one standing evaluation entry (correct it before entering another).
        """
        actor.require(*SCORE_ROLES)
        self._require_season(moment)
        component = Component(component)
        self._require_adjuster(component, actor)
        if quarter not in (1, 2, 3, 4):
            raise RuleViolation("points.quarter", f"quarter {quarter} not in 1..4")
        if type(points_tenths) is not int or points_tenths < 1:
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
        if component is Component.WORK:
            if task is None:
                raise RuleViolation(
                    "points.work_allocated", "a work entry names the task it was earned on"
                )
            self._check_work(register, task, quarter, points_tenths)
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
        )
        return entry

    def correct(
        self,
        entry: int,
        reason: str,
        actor: Actor,
        moment: datetime,
        register: AllocationRegister | None = None,
    ) -> int:
        """Reverse ``entry`` with a new entry of the opposite amount; returns its number.

        Reinstating a work entry (correcting its correction) is held to the allocation again.
        """
        actor.require(*SCORE_ROLES)
        self._require_season(moment)
        if entry not in self.entries:
            raise RuleViolation("points.correction", f"entry {entry} does not exist in this book")
        if entry in self.corrected:
            raise RuleViolation("points.correction", f"entry {entry} was already corrected")
        if not reason.strip():
            raise RuleViolation("points.reason", "a correction names its reason")
        component, quarter, amount = self.entries[entry]
        self._require_adjuster(Component(component), actor)
        if component == Component.BONUS.value and -amount > 0:
            self._check_bonus(-amount)
        task = self.entry_tasks[entry]
        if component == Component.WORK.value and -amount > 0 and task is not None:
            self._check_work(register, task, quarter, -amount)
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
        )
        return new_entry

    def _require_season(self, moment: datetime) -> None:
        """Entries belong to the scheme year, from its first day until the year is closed
        (``points.YearClosed`` seals every book); after the close only a recorded
        ``points.YearReopened`` lets entries in again (rule points.year_closed)."""
        if moment.date() < date(self.year, 1, 1):
            raise RuleViolation(
                "points.season",
                f"the {self.year} book takes entries from {self.year}-01-01, not on "
                f"{moment.date()}",
            )
        if self.sealed:
            raise RuleViolation(
                "points.year_closed",
                f"the {self.year} year is closed (close {self.sealed}): entries need the year "
                "reopened with a reason",
            )

    @staticmethod
    def _require_adjuster(component: Component, actor: Actor) -> None:
        """Bonus and deduction ("加减分") by the township party committee only."""
        if component in ADJUSTMENTS and actor.role is not Role.TOWNSHIP_PARTY_COMMITTEE:
            raise RuleViolation(
                "points.adjustment_by_township",
                f"{component.value} entries are the township party committee's, not the "
                f"{actor.role.value}'s",
            )

    def _check_work(
        self, register: AllocationRegister | None, task: str, quarter: int, points_tenths: int
    ) -> None:
        """Standing work on ``task`` in ``quarter`` plus ``points_tenths`` within what the
        两委会议 allocated to this book (rule points.work_allocated)."""
        village = register_id(UUID(self.scheme), self.township, self.village)
        if register is not None and register.id != village:
            raise RuleViolation(
                "points.work_allocated", "the allocation register is not this cadre's village's"
            )
        allocated = register.allocated(self.id, task, quarter) if register is not None else 0
        standing = self.work_standing.get((task, quarter), 0)
        if standing + points_tenths > allocated:
            raise RuleViolation(
                "points.work_allocated",
                f"work on {task} in Q{quarter}: {format_points(standing)} standing + "
                f"{format_points(points_tenths)} exceeds the {format_points(allocated)} the "
                "两委会议 allocated to this cadre",
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

    def seal(self, close: int, actor: Actor, moment: datetime) -> None:
        """The year's close ``close`` seals this book before it is recorded (year_close.py):
        an entry racing the close conflicts on this book's next version."""
        actor.require(Role.ORGANISATION_DEPARTMENT)
        self._append(self.Sealed, actor=actor, moment=moment, close=close)

    def unseal(self, close: int, actor: Actor, moment: datetime) -> None:
        """The year reopened after close ``close`` (saved with the reopening)."""
        actor.require(Role.ORGANISATION_DEPARTMENT)
        self._append(self.Unsealed, actor=actor, moment=moment, close=close)

    def appraise(
        self,
        scheme: Scheme,
        grade: Grade,
        base_pay_fen: int,
        actor: Actor,
        moment: datetime,
        reason: str = "",
    ) -> None:
        """Record the annual grade of the closed year and the pay adjusted by the scheme's
        percentage ("年度考核为优秀等次的，当年绩效报酬上浮 5 个百分点…"). 优秀 only from the
        top set of the close ("评先评优原则上按年度积分，由高到低依次选取"), 不称职 only with a
        recorded reason (rule points.grade)."""
        actor.require(Role.TOWNSHIP_PARTY_COMMITTEE)
        grade = Grade(grade)
        if not self.sealed or scheme.closes != self.sealed:
            raise RuleViolation(
                "points.grade", f"grades refer to the closed {self.year} year: close it first"
            )
        if grade is Grade.EXCELLENT and not scheme.in_top(self.cadre):
            raise RuleViolation(
                "points.grade",
                f"优秀 comes from the top {scheme.excellent_share_percent}% of the closed "
                f"ranking; cadre {self.cadre} is not in its category's top set",
            )
        if grade is Grade.INCOMPETENT and not reason.strip():
            raise RuleViolation("points.grade", "不称职 (incompetent) needs a recorded reason")
        if self.grade:
            raise RuleViolation("points.grade_set", f"this year's grade is already {self.grade}")
        if type(base_pay_fen) is not int or base_pay_fen < 0:
            raise RuleViolation(
                "points.base_pay",
                f"base pay is a non-negative integer of fen, got {base_pay_fen!r}",
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
            close=self.sealed,
            reason=reason,
        )

    # --- events -------------------------------------------------------------------------

    class Opened(LedgerAggregate.Created):
        TOPIC = "points.BookOpened"
        scheme: str
        cadre: str
        county: str  # the scheme's: with township and village, the book's scope
        township: str
        village: str
        category: str
        year: int
        bonus_cap_tenths: int

        def assign(self, aggregate: Any) -> None:
            aggregate.scheme = self.scheme
            aggregate.cadre = self.cadre
            aggregate.county = self.county
            aggregate.township = self.township
            aggregate.village = self.village
            aggregate.category = self.category
            aggregate.year = self.year
            aggregate.weights = {}
            aggregate._bonus_cap = self.bonus_cap_tenths
            aggregate.entries = {}
            aggregate.entry_tasks = {}
            aggregate.work_standing = {}
            aggregate.corrected = set()
            aggregate.component_totals = {c.value: 0 for c in Component}
            aggregate.quarter_totals = {q: 0 for q in (1, 2, 3, 4)}
            aggregate.grade = ""
            aggregate.adjusted_pay_fen = 0
            aggregate.sealed = 0

    class ScoreEntered(LedgerAggregate.Event):
        TOPIC = "points.ScoreEntered"
        entry: int
        quarter: int
        component: str
        points_tenths: int
        reason: str
        task: str | None
        corrects: int | None

        def assign(self, aggregate: Any) -> None:
            aggregate.entries[self.entry] = (self.component, self.quarter, self.points_tenths)
            task = self.task if self.corrects is None else aggregate.entry_tasks[self.corrects]
            aggregate.entry_tasks[self.entry] = task
            if self.component == Component.WORK.value and task is not None:
                key = (task, self.quarter)
                aggregate.work_standing[key] = (
                    aggregate.work_standing.get(key, 0) + self.points_tenths
                )
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
        close: int  # the close of the year the grade refers to
        reason: str

        def assign(self, aggregate: Any) -> None:
            aggregate.grade = self.grade
            aggregate.adjusted_pay_fen = self.adjusted_pay_fen

    class Sealed(LedgerAggregate.Event):
        TOPIC = "points.BookSealed"
        close: int

        def assign(self, aggregate: Any) -> None:
            aggregate.sealed = self.close

    class Unsealed(LedgerAggregate.Event):
        TOPIC = "points.BookUnsealed"
        close: int

        def assign(self, aggregate: Any) -> None:
            aggregate.sealed = 0
