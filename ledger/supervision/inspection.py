"""Political-quality inspections (Wangjiang 考察干部政治素质): branches visited, cadres examined.

"目前已深入 152 个党支部考察干部政治素质 208 人，2 名领导干部调整到非领导岗位观察使用，1 名干部
因家风问题暂缓提拔使用". Run by the county's organisation department. Each examined cadre gets
one outcome: no finding, a reminder, moved to a non-leading post for observation, or promotion
deferred. The last two (and a reminder) state their reason, e.g. family conduct (家风). A
cadre is examined at most once per inspection, in a visited branch. A move to a non-leading
post is for a cadre in a leading post, and starts the observation on the cadre's post record
(cadre_post.py) in the same commit (service.py). The special inspection of cadre selection
(选人用人专项检查) is another aggregate: selection_inspection.py.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.actor import Actor, Role
from ledger.chained import LedgerAggregate
from ledger.errors import RuleViolation

INSPECTION_ROLES = (Role.ORGANISATION_DEPARTMENT,)


class Outcome(StrEnum):
    NO_FINDING = "no_finding"
    REMINDER = "reminder"
    NON_LEADING_POST = "non_leading_post_observation"
    PROMOTION_DEFERRED = "promotion_deferred"


class Inspection(LedgerAggregate):
    if TYPE_CHECKING:
        name: str
        county: str
        branches: set[str]
        examined: dict[str, str]

    def outcome_counts(self) -> dict[str, int]:
        """How many examined cadres got each outcome."""
        counts = {o.value: 0 for o in Outcome}
        for outcome in self.examined.values():
            counts[outcome] += 1
        return counts

    @classmethod
    def open(
        cls,
        *,
        id: UUID,
        name: str,
        county: str,
        actor: Actor,
        moment: datetime,
    ) -> Inspection:
        """Open an inspection of a county (role organisation_department)."""
        actor.require(*INSPECTION_ROLES)
        if not name.strip() or not county.strip():
            raise RuleViolation("inspection.name", "an inspection has a name and a county")
        return cls._start(cls.Opened, id=id, actor=actor, moment=moment, name=name, county=county)

    def visit(self, branch: str, actor: Actor, moment: datetime) -> None:
        """Record a visit to a party branch (once per branch)."""
        actor.require(*INSPECTION_ROLES)
        if not branch.strip():
            raise RuleViolation("inspection.branch", "name the party branch")
        if branch in self.branches:
            raise RuleViolation("inspection.branch", f"branch {branch} was already visited")
        self._append(self.BranchVisited, actor=actor, moment=moment, branch=branch)

    def examine(
        self,
        *,
        cadre: UUID,
        branch: str,
        outcome: Outcome,
        reason: str,
        actor: Actor,
        moment: datetime,
    ) -> None:
        """An examined cadre's outcome, in a visited branch, once per cadre; non-trivial outcomes
        state a reason.
        """
        actor.require(*INSPECTION_ROLES)
        outcome = Outcome(outcome)
        if branch not in self.branches:
            raise RuleViolation("inspection.branch", f"branch {branch} has not been visited")
        if str(cadre) in self.examined:
            raise RuleViolation("inspection.examined", f"cadre {cadre} was already examined")
        if outcome is not Outcome.NO_FINDING and not reason.strip():
            raise RuleViolation("inspection.reason", f"outcome {outcome.value} states its reason")
        self._append(
            self.CadreExamined,
            actor=actor,
            moment=moment,
            cadre=str(cadre),
            branch=branch,
            outcome=outcome.value,
            reason=reason,
        )

    class Opened(LedgerAggregate.Created):
        TOPIC = "inspection.Opened"
        name: str
        county: str

        def assign(self, aggregate: Any) -> None:
            aggregate.name = self.name
            aggregate.county = self.county
            aggregate.branches = set()
            aggregate.examined = {}

    class BranchVisited(LedgerAggregate.Event):
        TOPIC = "inspection.BranchVisited"
        branch: str

        def assign(self, aggregate: Any) -> None:
            aggregate.branches.add(self.branch)

    class CadreExamined(LedgerAggregate.Event):
        TOPIC = "inspection.CadreExamined"
        cadre: str
        branch: str
        outcome: str
        reason: str

        def assign(self, aggregate: Any) -> None:
            aggregate.examined[self.cadre] = self.outcome
