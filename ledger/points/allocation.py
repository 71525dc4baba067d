"""A village's allocation register for a scheme year: the responsibility points its 两委会议
gives each cadre, task by task and quarter by quarter.

"乡镇党委每年初根据工作任务为每项工作赋分，村（社区）"两委"会议根据工作分工为每名干部分配责任分":
the township's plan gives each task its value for the year; the village's two committees'
meeting (两委会议) divides that value among the village's cadres. "季度积分、动态管理": the meeting
allocates per quarter — each allocation names one cadre's book, one task and one quarter, so a
later meeting can give the rest of a task's value to whoever carries the work then. Per
village and task, the allocations of all quarters and cadres together never exceed the task's
value in the plan (rule ``points.allocation_cap``); work points entered in a cadre's book for a
task and quarter never exceed what was allocated to that book for that task and quarter
(``points.work_allocated``, checked by the book). Each allocation cites its meeting: the date
and the minutes number (``points.allocation_meeting``).

One register per (scheme, township, village), its stream id derived, so that two allocations
of one village's task by concurrent writers are serialised on the register's stream: only one
of them can pass the cap. Allocations are only ever added, never lowered, so a work entry
checked against a register read a moment earlier is never over-permitted.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid5

from ledger.actor import Actor, Role
from ledger.chained import LedgerAggregate
from ledger.errors import RuleViolation
from ledger.points.config import format_points
from ledger.points.plan import TaskPlan
from verify.schema import MINUTES_PATTERN

if TYPE_CHECKING:
    from ledger.points.book import PointsBook


def register_id(scheme: UUID, township: str, village: str) -> UUID:
    """The deterministic stream id of a village's allocation register in a scheme."""
    return uuid5(scheme, f"allocations/{township}/{village}")


class AllocationRegister(LedgerAggregate):
    if TYPE_CHECKING:
        scheme: str
        year: int
        county: str
        township: str
        village: str
        allocations: dict[tuple[str, str, int], int]  # (book, task, quarter) -> tenths
        task_totals: dict[str, int]  # task -> tenths allocated in the village, all quarters

    def allocated(self, book: UUID | str, task: str, quarter: int) -> int:
        """Tenths allocated to ``book`` for ``task`` in ``quarter`` (0 if none)."""
        return self.allocations.get((str(book), task, quarter), 0)

    @classmethod
    def open(cls, *, book: PointsBook, actor: Actor, moment: datetime) -> AllocationRegister:
        """The register of ``book``'s village (role village committee)."""
        actor.require(Role.VILLAGE_COMMITTEE)
        return cls._start(
            cls.Opened,
            id=register_id(UUID(book.scheme), book.township, book.village),
            actor=actor,
            moment=moment,
            scheme=book.scheme,
            year=book.year,
            county=book.county,
            township=book.township,
            village=book.village,
        )

    def allocate(
        self,
        *,
        book: PointsBook,
        plan: TaskPlan,
        task: str,
        quarter: int,
        points_tenths: int,
        meeting_on: date,
        minutes: str,
        actor: Actor,
        moment: datetime,
    ) -> None:
        """The 两委会议 of ``meeting_on`` (minutes ``minutes``) gives ``book``'s cadre
        ``points_tenths`` of ``task`` for ``quarter``.

        Requires: the book and the plan of this register's village and township; the
        village's allocations of the task, this one included, within the task's value; the
        meeting in the scheme year and not after the allocation's business date.
        """
        actor.require(Role.VILLAGE_COMMITTEE)
        if (book.scheme, book.township, book.village) != (self.scheme, self.township, self.village):
            raise RuleViolation(
                "points.allocation_cap",
                f"the book of {book.township}/{book.village} is not a book of this register's "
                f"village {self.township}/{self.village}",
            )
        if plan.scheme != self.scheme or plan.township != self.township:
            raise RuleViolation(
                "points.task", f"the {plan.township} plan is not the plan of {self.township}"
            )
        value = plan.task_points(task)
        if quarter not in (1, 2, 3, 4):
            raise RuleViolation("points.quarter", f"quarter {quarter} not in 1..4")
        if type(points_tenths) is not int or points_tenths < 1:
            raise RuleViolation(
                "points.allocation",
                f"responsibility points are a positive number of tenths, got {points_tenths!r}",
            )
        already = self.task_totals.get(task, 0)
        if already + points_tenths > value:
            raise RuleViolation(
                "points.allocation_cap",
                f"task {task} is worth {format_points(value)} in the {self.township} plan; "
                f"{self.village} has allocated {format_points(already)}, so at most "
                f"{format_points(max(0, value - already))} remains, not "
                f"{format_points(points_tenths)}",
            )
        self._check_meeting(meeting_on, minutes, moment)
        self._append(
            self.Allocated,
            actor=actor,
            moment=moment,
            book=str(book.id),
            task=task,
            quarter=quarter,
            points_tenths=points_tenths,
            meeting_on=meeting_on.isoformat(),
            minutes=minutes,
        )

    def _check_meeting(self, meeting_on: date, minutes: str, moment: datetime) -> None:
        """The allocation cites its 两委会议: a minutes number, a date in the scheme year on
        or before the allocation's business date (``moment.date()``)."""
        if not MINUTES_PATTERN.fullmatch(minutes):
            raise RuleViolation(
                "points.allocation_meeting",
                "an allocation cites the 两委会议's minutes number (e.g. 晋熙镇01村两委〔2023〕3号;"
                f" {MINUTES_PATTERN.pattern}), got {minutes!r}",
            )
        if type(meeting_on) is not date or meeting_on.year != self.year:
            raise RuleViolation(
                "points.allocation_meeting",
                f"the 两委会议 allocating {self.year}'s points meets in {self.year}, "
                f"not on {meeting_on}",
            )
        if meeting_on > moment.date():
            raise RuleViolation(
                "points.allocation_meeting",
                f"the 两委会议 of {meeting_on} has not met yet on {moment.date()}",
            )

    # --- events -------------------------------------------------------------------------

    class Opened(LedgerAggregate.Created):
        TOPIC = "points.AllocationRegisterOpened"
        scheme: str
        year: int
        county: str  # the scheme's: the register's scope (principal.scope)
        township: str
        village: str

        def assign(self, aggregate: Any) -> None:
            aggregate.scheme = self.scheme
            aggregate.year = self.year
            aggregate.county = self.county
            aggregate.township = self.township
            aggregate.village = self.village
            aggregate.allocations = {}
            aggregate.task_totals = {}

    class Allocated(LedgerAggregate.Event):
        TOPIC = "points.ResponsibilityAllocated"
        book: str
        task: str
        quarter: int
        points_tenths: int
        meeting_on: str
        minutes: str

        def assign(self, aggregate: Any) -> None:
            key = (self.book, self.task, self.quarter)
            aggregate.allocations[key] = aggregate.allocations.get(key, 0) + self.points_tenths
            aggregate.task_totals[self.task] = (
                aggregate.task_totals.get(self.task, 0) + self.points_tenths
            )
