"""Key projects (Yuexi 组织工作十大重点项目): an owner unit, a monthly checklist, progress.

"逐一制定项目计划，细化目标任务、工作举措，成立工作专班，清单化推进项目实施。" A project is
registered by the county's organisation department with its 工作专班 lead (an account id)
and its checklist ("月清单"). Progress is reported item by item; an item reported done is
verified (盘点销号: "按照'月清单'，定期调度工作完成情况，逐一盘点销号") by the project's lead,
never by the account that reported it (``keyproject.verification``). The checklist changes
only by a recorded amendment with its reason ("根据项目实施进展和工作成效，进行动态调整",
``keyproject.amendment``): an item added, dropped, or its due date moved.

An item past its due date and not reported done is escalated once, by the overdue-project
policy (supervision/escalation.py: "对规定时限内未完成的持续跟踪、挂牌督办"), which records here
which case it opened. That case is rectified when the item is reported done and closed when
the item is verified, in the same commit (``keyproject.case_closure``, service.py).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.actor import PRINCIPAL_PATTERN, Actor, Role
from ledger.chained import LedgerAggregate
from ledger.errors import RuleViolation

PROJECT_ROLES = (Role.ORGANISATION_DEPARTMENT,)
ITEM_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
OVERDUE_RULE = "keyproject.item_overdue"
ESCALATION = "keyproject.escalation"  # an escalated item was past due and not done
AMENDMENT, VERIFICATION = "keyproject.amendment", "keyproject.verification"
CASE_CLOSURE = "keyproject.case_closure"


class Change(StrEnum):
    ADD = "add"  # a new item on the checklist
    DROP = "drop"  # an item taken off it
    MOVE = "move"  # an item's due date moved


class KeyProject(LedgerAggregate):
    if TYPE_CHECKING:
        name: str
        owner_unit: str
        county: str
        lead: str
        year: int
        items: dict[str, str]  # item -> due date (items on the checklist now)
        ever: set[str]  # every code the checklist ever held (codes are never reused)
        done: set[str]  # reported done
        reporter: dict[str, str]  # item -> the principal whose report said done
        verified: set[str]
        escalated: dict[str, str]  # item -> supervision case

    def overdue_items(self, today: date) -> list[str]:
        """Items due before ``today``, not reported done and not yet escalated."""
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
        county: str,
        lead: str,
        year: int,
        items: list[tuple[str, str, date]],
        actor: Actor,
        moment: datetime,
    ) -> KeyProject:
        """``items``: (code, title, due date) for the monthly checklist; ``lead``: the account
        id of the project's 工作专班 lead, who verifies completed items."""
        actor.require(*PROJECT_ROLES)
        if not name.strip() or not owner_unit.strip() or not county.strip():
            raise RuleViolation(
                "keyproject.name", "a key project has a name, an owner unit and a county"
            )
        if not PRINCIPAL_PATTERN.fullmatch(lead):
            raise RuleViolation(
                "keyproject.lead", f"the 工作专班 lead is an account id, not {lead!r}"
            )
        codes = [code for code, _, _ in items]
        if not items or len(set(codes)) != len(codes):
            raise RuleViolation("keyproject.items", "checklist items must be non-empty and unique")
        for code, title, due in items:
            _check_item(code, title, due, year)
        return cls._start(
            cls.Registered,
            id=id,
            actor=actor,
            moment=moment,
            name=name,
            owner_unit=owner_unit,
            county=county,
            lead=lead,
            year=year,
            items=[{"item": c, "title": t, "due": d.isoformat()} for c, t, d in items],
        )

    def amend(
        self,
        change: Change,
        item: str,
        reason: str,
        actor: Actor,
        moment: datetime,
        title: str = "",
        due: date | None = None,
    ) -> None:
        """Add an item (``title``, ``due``), drop one, or move its ``due`` date, with a reason
        ("动态调整"). An item reported done, verified or under listed supervision (escalated) is
        neither dropped nor moved: it is closed by verification."""
        actor.require(*PROJECT_ROLES)
        change = Change(change)
        if not reason.strip():
            raise RuleViolation(AMENDMENT, "an amendment states its reason (动态调整)")
        if change is Change.ADD:
            if item in self.ever:
                raise RuleViolation(AMENDMENT, f"item {item} was already on the checklist")
            if due is None:
                raise RuleViolation(AMENDMENT, f"item {item} needs a due date")
            _check_item(item, title, due, self.year)
        else:
            if item not in self.items:
                raise RuleViolation(AMENDMENT, f"item {item} is not on the checklist")
            if item in self.done or item in self.escalated:
                state = "reported done" if item in self.done else "under listed supervision"
                raise RuleViolation(AMENDMENT, f"item {item} is {state}: {change.value} refused")
            title = ""
            if change is Change.MOVE:
                if due is None or due.year != self.year:
                    raise RuleViolation(AMENDMENT, f"item {item} moves to a date in {self.year}")
                if due.isoformat() == self.items[item]:
                    raise RuleViolation(AMENDMENT, f"item {item} is already due {due}")
            else:
                due = None
        self._append(
            self.Amended,
            actor=actor,
            moment=moment,
            change=change.value,
            item=item,
            title=title,
            due=None if due is None else due.isoformat(),
            reason=reason,
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

    def verify(self, item: str, evidence: str, actor: Actor, moment: datetime) -> None:
        """盘点销号: the project's 工作专班 lead verifies an item reported done, never the
        account that reported it; once."""
        actor.require(*PROJECT_ROLES)
        if item not in self.items or item not in self.done:
            raise RuleViolation(VERIFICATION, f"item {item} is not reported done")
        if item in self.verified:
            raise RuleViolation(VERIFICATION, f"item {item} is already verified")
        if actor.principal != self.lead:
            raise RuleViolation(
                VERIFICATION, f"the project's lead {self.lead} verifies, not {actor.principal}"
            )
        if actor.principal == self.reporter[item]:
            raise RuleViolation(
                VERIFICATION, f"{actor.principal} reported item {item} done: another verifies"
            )
        if not evidence.strip():
            raise RuleViolation(VERIFICATION, "a verification cites what was checked")
        self._append(self.ItemVerified, actor=actor, moment=moment, item=item, evidence=evidence)

    def record_escalation(self, item: str, case: UUID, actor: Actor, moment: datetime) -> None:
        """Record that the policy opened ``case`` for ``item`` (once per item): an item on the
        checklist, past due on the business date of ``moment`` and not reported done ("对规定
        时限内未完成的持续跟踪、挂牌督办"; rule ``keyproject.escalation``)."""
        if item in self.escalated:
            raise RuleViolation(ESCALATION, f"item {item} was already escalated (once per item)")
        today = moment.date()
        if item not in self.items or item in self.done or self.items[item] >= today.isoformat():
            state = (
                "not on the checklist" if item not in self.items
                else "reported done" if item in self.done
                else f"due {self.items[item]}, not past due on {today}"
            )  # fmt: skip
            raise RuleViolation(
                ESCALATION, f"item {item} is {state}: only an overdue item escalates"
            )
        self._append(
            self.Escalated, actor=actor, moment=moment, item=item, case=str(case), rule=OVERDUE_RULE
        )

    class Registered(LedgerAggregate.Created):
        TOPIC = "keyproject.Registered"
        name: str
        owner_unit: str
        county: str
        lead: str
        year: int
        items: list[dict[str, str]]

        def assign(self, aggregate: Any) -> None:
            aggregate.name = self.name
            aggregate.owner_unit = self.owner_unit
            aggregate.county = self.county
            aggregate.lead = self.lead
            aggregate.year = self.year
            aggregate.items = {i["item"]: i["due"] for i in self.items}
            aggregate.ever = set(aggregate.items)
            aggregate.done = set()
            aggregate.reporter = {}
            aggregate.verified = set()
            aggregate.escalated = {}

    class Amended(LedgerAggregate.Event):
        TOPIC = "keyproject.Amended"
        change: str
        item: str
        title: str
        due: str | None
        reason: str

        def assign(self, aggregate: Any) -> None:
            if self.change == Change.DROP:
                aggregate.items.pop(self.item, None)
            else:
                aggregate.items[self.item] = self.due
                aggregate.ever.add(self.item)

    class ProgressReported(LedgerAggregate.Event):
        TOPIC = "keyproject.ProgressReported"
        item: str
        done: bool
        note: str
        month: str

        def assign(self, aggregate: Any) -> None:
            if self.done:
                aggregate.done.add(self.item)
                aggregate.reporter[self.item] = self.principal

    class ItemVerified(LedgerAggregate.Event):
        TOPIC = "keyproject.ItemVerified"
        item: str
        evidence: str

        def assign(self, aggregate: Any) -> None:
            aggregate.verified.add(self.item)

    class Escalated(LedgerAggregate.Event):
        TOPIC = "keyproject.ItemEscalated"
        item: str
        case: str
        rule: str

        def assign(self, aggregate: Any) -> None:
            aggregate.escalated[self.item] = self.case


def _check_item(code: str, title: str, due: date, year: int) -> None:
    if not ITEM_PATTERN.fullmatch(code) or not title.strip():
        raise RuleViolation("keyproject.items", f"item {code!r} needs a code and a title")
    if due.year != year:
        raise RuleViolation("keyproject.items", f"item {code} is due outside {year}")
