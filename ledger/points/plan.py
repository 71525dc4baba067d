"""A township's task plan for a scheme year: tasks with point values, amended only explicitly.

"乡镇党委每年初根据工作任务为每项工作赋分": a task's value is the year's value per village, which
the village's 两委会议 divides among its cadres (ledger/points/allocation.py).

Set once, by the township party committee, at the start of the year (in the first quarter of
the scheme year); every later change is an amendment event with a reason.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid5

from ledger.actor import Actor, Role
from ledger.chained import LedgerAggregate
from ledger.errors import RuleViolation

TASK_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


def plan_id(scheme: UUID, township: str) -> UUID:
    """The deterministic stream id of a township's plan in a scheme."""
    return uuid5(scheme, f"plan/{township}")


def _check_task(task: str, title: str, points_tenths: int) -> None:
    if not TASK_PATTERN.fullmatch(task):
        raise RuleViolation("points.task", f"task code {task!r} must match {TASK_PATTERN.pattern}")
    if not title.strip():
        raise RuleViolation("points.task", f"task {task} needs a title")
    if type(points_tenths) is not int or points_tenths <= 0:
        raise RuleViolation("points.task", f"task {task} needs a positive point value (tenths)")


class TaskPlan(LedgerAggregate):
    if TYPE_CHECKING:
        scheme: str
        year: int
        county: str
        township: str
        tasks: dict[str, int]
        titles: dict[str, str]

    def task_points(self, task: str) -> int:
        """The task's current point value; RuleViolation if it is not in the plan."""
        if task not in self.tasks:
            raise RuleViolation("points.task", f"task {task!r} is not in the {self.township} plan")
        return self.tasks[task]

    @classmethod
    def set(
        cls,
        *,
        scheme: UUID,
        scheme_year: int,
        county: str,
        township: str,
        tasks: list[tuple[str, str, int]],
        actor: Actor,
        moment: datetime,
    ) -> TaskPlan:
        """Set the plan; requires ``moment`` in the first quarter of ``scheme_year``."""
        actor.require(Role.TOWNSHIP_PARTY_COMMITTEE)
        if (moment.year, moment.month) > (scheme_year, 3) or moment.year < scheme_year:
            raise RuleViolation(
                "points.plan_timing",
                f"the {scheme_year} plan is set in Q1 {scheme_year}, not {moment.date()};"
                " later changes are amendments",
            )
        if not tasks:
            raise RuleViolation("points.task", "a plan needs at least one task")
        codes = [t[0] for t in tasks]
        if len(set(codes)) != len(codes):
            raise RuleViolation("points.task", "task codes must be unique")
        for task, title, points in tasks:
            _check_task(task, title, points)
        return cls._start(
            cls.Set,
            id=plan_id(scheme, township),
            actor=actor,
            moment=moment,
            scheme=str(scheme),
            year=scheme_year,
            county=county,
            township=township,
            tasks=[{"task": t, "title": title, "points_tenths": p} for t, title, p in tasks],
        )

    def amend(
        self, task: str, title: str, points_tenths: int, reason: str, actor: Actor, moment: datetime
    ) -> None:
        """Add a task or change its title and value within the scheme year, with a reason.

        Lowering a task's value does not undo allocations already made (ledger/points/
        allocation.py): a village that has allocated more than the new value can allocate
        none of the task until the value is raised again (rule points.allocation_cap).
        """
        actor.require(Role.TOWNSHIP_PARTY_COMMITTEE)
        if moment.year != self.year:
            raise RuleViolation(
                "points.plan_timing",
                f"the {self.year} plan is amended in {self.year}, not on {moment.date()}",
            )
        _check_task(task, title, points_tenths)
        if not reason.strip():
            raise RuleViolation("points.reason", "an amendment needs a reason")
        self._append(
            self.Amended,
            actor=actor,
            moment=moment,
            task=task,
            title=title,
            points_tenths=points_tenths,
            reason=reason,
        )

    class Set(LedgerAggregate.Created):
        TOPIC = "points.TaskPlanSet"
        scheme: str
        year: int
        county: str  # the scheme's: the plan's scope (principal.scope)
        township: str
        tasks: list[dict[str, Any]]

        def assign(self, aggregate: Any) -> None:
            aggregate.scheme = self.scheme
            aggregate.year = self.year
            aggregate.county = self.county
            aggregate.township = self.township
            aggregate.tasks = {t["task"]: t["points_tenths"] for t in self.tasks}
            aggregate.titles = {t["task"]: t["title"] for t in self.tasks}

    class Amended(LedgerAggregate.Event):
        TOPIC = "points.TaskPlanAmended"
        task: str
        title: str
        points_tenths: int
        reason: str

        def assign(self, aggregate: Any) -> None:
            aggregate.tasks[self.task] = self.points_tenths
            aggregate.titles[self.task] = self.title
