"""Key projects (Yuexi): an owner unit, monthly checklist items with due dates, progress.

An item past its due date and not reported done is escalated once, by the overdue-project
policy (supervision/escalation.py), which records here which case it opened and by which rule.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.actor import Actor, Role
from ledger.chained import LedgerAggregate
from ledger.errors import RuleViolation

PROJECT_ROLES = (Role.TOWNSHIP_PARTY_COMMITTEE, Role.SUPERVISION)
ITEM_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
OVERDUE_RULE = "keyproject.item_overdue"


class KeyProject(LedgerAggregate):
    if TYPE_CHECKING:
        name: str
        owner_unit: str
        year: int
        items: dict[str, str]  # item -> due date
        done: set[str]
        escalated: dict[str, str]  # item -> supervision case

    def overdue_items(self, today: date) -> list[str]:
        """Items due before ``today``, not done and not yet escalated."""
        return [
            item
            for item, due in sorted(self.items.items())
            if date.fromisoformat(due) < today
            and item not in self.done
            and item not in self.escalated
        ]

    @classmethod
    def register(
        cls,
        *,
        id: UUID,
        name: str,
        owner_unit: str,
        year: int,
        items: list[tuple[str, str, date]],
        actor: Actor,
        moment: datetime,
    ) -> KeyProject:
        """``items``: (code, title, due date) for the monthly checklist."""
        actor.require(*PROJECT_ROLES)
        if not name.strip() or not owner_unit.strip():
            raise RuleViolation("keyproject.name", "a key project has a name and an owner unit")
        codes = [code for code, _, _ in items]
        if not items or len(set(codes)) != len(codes):
            raise RuleViolation("keyproject.items", "checklist items must be non-empty and unique")
        for code, title, due in items:
            if not ITEM_PATTERN.fullmatch(code) or not title.strip():
                raise RuleViolation("keyproject.items", f"item {code!r} needs a code and a title")
            if due.year != year:
                raise RuleViolation("keyproject.items", f"item {code} is due outside {year}")
        return cls._start(
            cls.Registered,
            id=id,
            actor=actor,
            moment=moment,
            name=name,
            owner_unit=owner_unit,
            year=year,
            items=[{"item": c, "title": t, "due": d.isoformat()} for c, t, d in items],
        )

    def report(self, item: str, done: bool, note: str, actor: Actor, moment: datetime) -> None:
        """Monthly progress on one checklist item."""
        actor.require(*PROJECT_ROLES)
        if item not in self.items:
            raise RuleViolation("keyproject.items", f"item {item} is not on the checklist")
        if item in self.done:
            raise RuleViolation("keyproject.done", f"item {item} is already done")
        if not note.strip():
            raise RuleViolation("keyproject.progress", "a progress report says what was done")
        self._append(
            self.ProgressReported,
            actor=actor,
            moment=moment,
            item=item,
            done=done,
            note=note,
            month=moment.strftime("%Y-%m"),
        )

    def record_escalation(self, item: str, case: UUID, actor: Actor, moment: datetime) -> None:
        """Record that the policy opened ``case`` for ``item`` (once per item)."""
        if item in self.escalated:
            raise RuleViolation("keyproject.escalated", f"item {item} was already escalated")
        self._append(
            self.Escalated, actor=actor, moment=moment, item=item, case=str(case), rule=OVERDUE_RULE
        )

    class Registered(LedgerAggregate.Created):
        TOPIC = "keyproject.Registered"
        name: str
        owner_unit: str
        year: int
        items: list[dict[str, str]]

        def assign(self, aggregate: Any) -> None:
            aggregate.name = self.name
            aggregate.owner_unit = self.owner_unit
            aggregate.year = self.year
            aggregate.items = {i["item"]: i["due"] for i in self.items}
            aggregate.done = set()
            aggregate.escalated = {}

    class ProgressReported(LedgerAggregate.Event):
        TOPIC = "keyproject.ProgressReported"
        item: str
        done: bool
        note: str
        month: str

        def assign(self, aggregate: Any) -> None:
            if self.done:
                aggregate.done.add(self.item)

    class Escalated(LedgerAggregate.Event):
        TOPIC = "keyproject.ItemEscalated"
        item: str
        case: str
        rule: str

        def assign(self, aggregate: Any) -> None:
            aggregate.escalated[self.item] = self.case
