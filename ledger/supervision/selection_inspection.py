"""The special inspection of cadre selection (Wangjiang 选人用人专项检查), by a 专项调研组.

"强化选人用人专项检查，成立专项调研组定期到县直单位和乡镇（街道）开展调研，对调研发现工作推动
不力的单位主要负责人进行约谈，督促加强干部队伍建设，目前已累计约谈 30 余人次。"

Separate from the political-quality inspection (inspection.py): its records are the units
the team visited (county units and townships/streets, visited again on later rounds), the
findings in those units, and the talks (约谈) with unit heads. A finding is about a unit the
team visited in this inspection (``selection.visit``); a unit head is talked to only after a
finding of weak work (工作推动不力) in that unit (``selection.talk``). Talks count in 人次
(person-times): one head may be talked to again after a later finding.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.actor import Actor, Role
from ledger.chained import LedgerAggregate
from ledger.errors import RuleViolation

SELECTION_ROLES = (Role.ORGANISATION_DEPARTMENT,)
VISIT, TALK = "selection.visit", "selection.talk"


class UnitKind(StrEnum):
    COUNTY_UNIT = "county_unit"  # 县直单位
    TOWNSHIP = "township"  # 乡镇（街道）


class SelectionInspection(LedgerAggregate):
    if TYPE_CHECKING:
        name: str
        county: str
        visited: dict[str, int]  # unit -> visits
        weak: dict[str, int]  # unit -> findings of weak work not yet followed by a talk
        findings: int
        talks: int

    @classmethod
    def open(
        cls, *, id: UUID, name: str, county: str, team: str, actor: Actor, moment: datetime
    ) -> SelectionInspection:
        """Open the special inspection of a county, run by the organisation department's
        research team (专项调研组, named in ``team``)."""
        actor.require(*SELECTION_ROLES)
        if not name.strip() or not county.strip() or not team.strip():
            raise RuleViolation("selection.name", "a special inspection has a name, county, team")
        return cls._start(
            cls.Opened, id=id, actor=actor, moment=moment, name=name, county=county, team=team
        )

    def visit(self, unit: str, kind: UnitKind, actor: Actor, moment: datetime) -> None:
        """The team visited ``unit`` (a county unit or a township/street); visits recur."""
        actor.require(*SELECTION_ROLES)
        kind = UnitKind(kind)
        if not unit.strip():
            raise RuleViolation(VISIT, "name the unit visited")
        self._append(self.UnitVisited, actor=actor, moment=moment, unit=unit, unit_kind=kind.value)

    def find(
        self, unit: str, finding: str, weak_work: bool, actor: Actor, moment: datetime
    ) -> None:
        """A finding in a unit the team visited; ``weak_work``: 工作推动不力."""
        actor.require(*SELECTION_ROLES)
        if unit not in self.visited:
            raise RuleViolation(VISIT, f"unit {unit} has not been visited in this inspection")
        if not finding.strip():
            raise RuleViolation(VISIT, "a finding says what was found")
        self._append(
            self.FindingRecorded,
            actor=actor,
            moment=moment,
            unit=unit,
            finding=finding,
            weak_work=weak_work,
        )

    def talk(self, unit: str, head: UUID, note: str, actor: Actor, moment: datetime) -> None:
        """约谈 the head (a subject of kind unit_head) of a unit found to push work weakly;
        one talk per such finding."""
        actor.require(*SELECTION_ROLES)
        if self.weak.get(unit, 0) < 1:
            raise RuleViolation(
                TALK, f"no finding of weak work (工作推动不力) in {unit} awaits a talk"
            )
        if not note.strip():
            raise RuleViolation(TALK, "a talk records what was said")
        self._append(
            self.UnitHeadTalked, actor=actor, moment=moment, unit=unit, head=str(head), note=note
        )

    class Opened(LedgerAggregate.Created):
        TOPIC = "selection.InspectionOpened"
        name: str
        county: str
        team: str

        def assign(self, aggregate: Any) -> None:
            aggregate.name = self.name
            aggregate.county = self.county
            aggregate.visited = {}
            aggregate.weak = {}
            aggregate.findings = 0
            aggregate.talks = 0

    class UnitVisited(LedgerAggregate.Event):
        TOPIC = "selection.UnitVisited"
        unit: str
        unit_kind: str

        def assign(self, aggregate: Any) -> None:
            aggregate.visited[self.unit] = aggregate.visited.get(self.unit, 0) + 1

    class FindingRecorded(LedgerAggregate.Event):
        TOPIC = "selection.FindingRecorded"
        unit: str
        finding: str
        weak_work: bool

        def assign(self, aggregate: Any) -> None:
            aggregate.findings += 1
            if self.weak_work:
                aggregate.weak[self.unit] = aggregate.weak.get(self.unit, 0) + 1

    class UnitHeadTalked(LedgerAggregate.Event):
        TOPIC = "selection.UnitHeadTalked"
        unit: str
        head: str
        note: str

        def assign(self, aggregate: Any) -> None:
            aggregate.weak[self.unit] -= 1
            aggregate.talks += 1
