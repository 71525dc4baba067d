"""A supervision case and its actions, in order, to closure with evidence.

    opened -> talk and reminder (约谈提醒) -> on-site guidance (现场指导)
           -> listed supervision (挂牌督办, with a deadline)
           -> rectification reported -> closed (销号)

Actions never go back to an earlier stage (talks and guidance may repeat at their own stage;
a case is listed once). Rectification can be reported after any action, and closure needs
rectification and a document reference as evidence. A case never goes from opened to closed
without an action, and nothing happens after closure. A listed case whose deadline has
passed (today > deadline) and that is not closed is overdue.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.actor import Actor, Role
from ledger.chained import LedgerAggregate
from ledger.errors import RuleViolation

SUPERVISION_ROLES = (Role.SUPERVISION, Role.TOWNSHIP_PARTY_COMMITTEE)
EVIDENCE_PATTERN = re.compile(r"^\S.{2,199}$")


class Reason(StrEnum):
    BOTTOM_RANKING = "bottom_ranking"
    COMPLAINT = "complaint"
    INSPECTION = "inspection"
    CAREFUND_VIOLATION = "carefund_violation"
    OVERDUE_PROJECT = "overdue_project"


class TargetKind(StrEnum):
    CADRE = "cadre"  # a points book's cadre (subject id)
    UNIT_HEAD = "unit_head"  # a unit's head (subject id)
    UNIT = "unit"  # an owner unit, by name (key-project escalations)


class Stage(StrEnum):
    OPENED = "opened"
    TALK = "talk"
    GUIDANCE = "guidance"
    LISTED = "listed"
    RECTIFIED = "rectified"
    CLOSED = "closed"


ORDER = {stage: i for i, stage in enumerate(Stage)}


class SupervisionCase(LedgerAggregate):
    if TYPE_CHECKING:
        target_kind: str
        target: str
        reason: str
        stage: str
        actions: int
        deadline: str
        closed_on: str

    def is_overdue(self, today: date) -> bool:
        """Listed, not closed, and ``today`` is after the deadline (the deadline day is not)."""
        return (
            bool(self.deadline)
            and self.stage != Stage.CLOSED
            and today > date.fromisoformat(self.deadline)
        )

    @classmethod
    def open(
        cls,
        *,
        id: UUID,
        target_kind: TargetKind,
        target: str,
        reason: Reason,
        detail: str,
        actor: Actor,
        moment: datetime,
        trigger: str | None = None,
        source: str | None = None,
    ) -> SupervisionCase:
        """Open a case against a cadre or unit head (subject id) or a unit (name), with its
        grounds.
        """
        actor.require(*SUPERVISION_ROLES)
        target_kind, reason = TargetKind(target_kind), Reason(reason)
        if target_kind is not TargetKind.UNIT:
            try:
                target = str(UUID(target))
            except ValueError:
                raise RuleViolation(
                    "supervision.target", f"a {target_kind.value} is named by subject id"
                ) from None
        elif not target.strip():
            raise RuleViolation("supervision.target", "name the unit")
        if not detail.strip():
            raise RuleViolation("supervision.reason", "a case states its grounds")
        return cls._start(
            cls.Opened,
            id=id,
            actor=actor,
            moment=moment,
            target_kind=target_kind.value,
            target=target,
            reason=reason.value,
            detail=detail,
            trigger=trigger,
            source=source,
        )

    def _advance(self, to: Stage, actor: Actor) -> None:
        actor.require(*SUPERVISION_ROLES)
        if self.stage == Stage.CLOSED:
            raise RuleViolation("supervision.closed", "the case is closed: nothing follows closure")
        now, target = ORDER[Stage(self.stage)], ORDER[to]
        repeatable = to in (Stage.TALK, Stage.GUIDANCE)
        if target < now or (target == now and not repeatable):
            raise RuleViolation(
                "supervision.order", f"{to.value} can't follow {self.stage}: actions go forward"
            )

    def talk(self, note: str, actor: Actor, moment: datetime) -> None:
        """A talk and reminder (约谈提醒); may repeat, never after a later stage."""
        self._advance(Stage.TALK, actor)
        self._append(self.Talked, actor=actor, moment=moment, note=note)

    def guide(self, instructor: str, note: str, actor: Actor, moment: datetime) -> None:
        """On-site guidance by the village party-building instructor (an account id)."""
        self._advance(Stage.GUIDANCE, actor)
        if not instructor.strip():
            raise RuleViolation("supervision.instructor", "name the party-building instructor")
        self._append(self.Guided, actor=actor, moment=moment, instructor=instructor, note=note)

    def list_case(self, deadline: date, note: str, actor: Actor, moment: datetime) -> None:
        """List the case for supervision (挂牌督办) with a deadline not before today; once."""
        self._advance(Stage.LISTED, actor)
        if deadline < moment.date():
            raise RuleViolation(
                "supervision.deadline", f"deadline {deadline} is before today ({moment.date()})"
            )
        self._append(
            self.Listed, actor=actor, moment=moment, deadline=deadline.isoformat(), note=note
        )

    def report_rectification(self, note: str, actor: Actor, moment: datetime) -> None:
        """Rectification reported, after at least one action."""
        self._advance(Stage.RECTIFIED, actor)
        if self.actions == 0:
            raise RuleViolation(
                "supervision.order", "rectification follows at least one supervision action"
            )
        if not note.strip():
            raise RuleViolation("supervision.rectification", "describe the rectification")
        self._append(self.RectificationReported, actor=actor, moment=moment, note=note)

    def close(self, evidence: str, actor: Actor, moment: datetime) -> None:
        """Closure (销号) after reported rectification, with a document reference as evidence."""
        self._advance(Stage.CLOSED, actor)
        if self.stage != Stage.RECTIFIED:
            raise RuleViolation(
                "supervision.order",
                f"closure needs reported rectification; the case is {self.stage}",
            )
        if not EVIDENCE_PATTERN.fullmatch(evidence):
            raise RuleViolation(
                "supervision.evidence", "closure requires evidence: a document reference"
            )
        self._append(self.Closed, actor=actor, moment=moment, evidence=evidence)

    class Opened(LedgerAggregate.Created):
        TOPIC = "supervision.CaseOpened"
        target_kind: str
        target: str
        reason: str
        detail: str
        trigger: str | None
        source: str | None

        def assign(self, aggregate: Any) -> None:
            aggregate.target_kind = self.target_kind
            aggregate.target = self.target
            aggregate.reason = self.reason
            aggregate.stage = Stage.OPENED.value
            aggregate.actions = 0
            aggregate.deadline = ""
            aggregate.closed_on = ""

    class Talked(LedgerAggregate.Event):
        TOPIC = "supervision.TalkHeld"
        note: str

        def assign(self, aggregate: Any) -> None:
            aggregate.stage = Stage.TALK.value
            aggregate.actions += 1

    class Guided(LedgerAggregate.Event):
        TOPIC = "supervision.GuidanceGiven"
        instructor: str
        note: str

        def assign(self, aggregate: Any) -> None:
            aggregate.stage = Stage.GUIDANCE.value
            aggregate.actions += 1

    class Listed(LedgerAggregate.Event):
        TOPIC = "supervision.CaseListed"
        deadline: str
        note: str

        def assign(self, aggregate: Any) -> None:
            aggregate.stage = Stage.LISTED.value
            aggregate.deadline = self.deadline
            aggregate.actions += 1

    class RectificationReported(LedgerAggregate.Event):
        TOPIC = "supervision.RectificationReported"
        note: str

        def assign(self, aggregate: Any) -> None:
            aggregate.stage = Stage.RECTIFIED.value

    class Closed(LedgerAggregate.Event):
        TOPIC = "supervision.CaseClosed"
        evidence: str

        def assign(self, aggregate: Any) -> None:
            aggregate.stage = Stage.CLOSED.value
            aggregate.closed_on = self.at[:10]
