"""A supervision case and its actions, in order, to closure with evidence.

    opened -> talk and reminder (约谈提醒) -> on-site guidance (现场指导)
           -> listed supervision (挂牌督办, with a deadline)
           -> rectification reported -> closed (销号)

A bottom-ranking case ("年度得分处于同类别后 10% 的村干部，乡镇党委及时约谈提醒，包村党建指导员
现场指导、挂牌督办、销号管理，帮助整改提高") is opened only by the year-end close of a points
scheme (ledger/points/year_close.py, rule supervision.bottom_by_close) and takes every step in
that order, none skipped (talks and guidance may repeat at their own stage): the talk by the
cadre's own township party committee, the guidance by the village's party-building instructor
(ledger/supervision/hands.py, rule supervision.hands), the listing with a deadline, the
rectification reported with evidence, and the closure by a principal other than the reporter
(rule supervision.separation).

Other cases (complaints, inspections, overdue projects, care-fund violations) are opened by
hand or by their policy; their actions never go back to an earlier stage, a case is listed
once, rectification follows at least one action, and closure needs rectification and a
document reference as evidence. Nothing happens after closure. A listed case whose deadline
has passed (today > deadline) and that is not closed is overdue. Every case carries its county.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.actor import Actor, Role
from ledger.chained import LedgerAggregate
from ledger.errors import RuleViolation
from ledger.supervision import hands

SUPERVISION_ROLES = (
    Role.SUPERVISION,
    Role.TOWNSHIP_PARTY_COMMITTEE,
    Role.ORGANISATION_DEPARTMENT,
)
EVIDENCE_PATTERN = re.compile(r"^\S.{2,199}$")
YEAR_CLOSE_RULE = "points.year_close"  # the trigger of a bottom-ranking case


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


@dataclass(frozen=True, slots=True)
class Place:
    """Where a bottom-ranking case's cadre serves (from the cadre's points book)."""

    township: str
    village: str


class SupervisionCase(LedgerAggregate):
    if TYPE_CHECKING:
        target_kind: str
        target: str
        reason: str
        county: str
        stage: str
        actions: int
        deadline: str
        closed_on: str
        reporter: str  # the principal who reported the rectification
        trigger: str | None  # the rule that opened it (a policy's), or None
        source: str | None  # what opened it: PROJECT/ITEM, SCHEME/close-N

    @property
    def is_bottom(self) -> bool:
        return self.reason == Reason.BOTTOM_RANKING.value

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
        county: str,
        actor: Actor,
        moment: datetime,
        trigger: str | None = None,
        source: str | None = None,
    ) -> SupervisionCase:
        """Open a case against a cadre or unit head (subject id) or a unit (name), with its
        grounds and its county. A bottom-ranking case only with the year-end close's trigger
        (ledger/points/year_close.py opens them; rule supervision.bottom_by_close).
        """
        actor.require(*SUPERVISION_ROLES)
        target_kind, reason = TargetKind(target_kind), Reason(reason)
        if reason is Reason.BOTTOM_RANKING and trigger != YEAR_CLOSE_RULE:
            raise RuleViolation(
                "supervision.bottom_by_close",
                "bottom-10% cases are opened by the year-end close of the points scheme, "
                "not by hand",
            )
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
        if not county.strip():
            raise RuleViolation("supervision.county", "a case names its county")
        return cls._start(
            cls.Opened,
            id=id,
            actor=actor,
            moment=moment,
            target_kind=target_kind.value,
            target=target,
            reason=reason.value,
            detail=detail,
            county=county,
            trigger=trigger,
            source=source,
        )

    def _advance(self, to: Stage, actor: Actor) -> None:
        if self.stage == Stage.CLOSED:
            raise RuleViolation("supervision.closed", "the case is closed: nothing follows closure")
        now, target = ORDER[Stage(self.stage)], ORDER[to]
        repeatable = to in (Stage.TALK, Stage.GUIDANCE)
        if self.is_bottom:
            if not (target == now + 1 or (target == now and repeatable)):
                expected = ", ".join(
                    s.value
                    for s in Stage
                    if ORDER[s] == now + 1
                    or (ORDER[s] == now and s in (Stage.TALK, Stage.GUIDANCE))
                )
                raise RuleViolation(
                    "supervision.order",
                    f"{to.value} can't follow {self.stage}: a bottom-10% case takes every step "
                    f"in order (next: {expected})",
                )
            return
        guides = (Role.PARTY_BUILDING_INSTRUCTOR,) if to is Stage.GUIDANCE else ()
        actor.require(*SUPERVISION_ROLES, *guides)
        if target < now or (target == now and not repeatable):
            raise RuleViolation(
                "supervision.order", f"{to.value} can't follow {self.stage}: actions go forward"
            )

    def talk(
        self,
        note: str,
        actor: Actor,
        moment: datetime,
        place: Place | None = None,
        scope: hands.Scope | None = None,
    ) -> None:
        """A talk and reminder (约谈提醒); may repeat, never after a later stage. On a
        bottom-ranking case by the cadre's own township party committee: the principal's
        registry ``scope`` names the township of the cadre's ``place``."""
        self._advance(Stage.TALK, actor)
        if self.is_bottom and (place is None or not hands.may_talk(actor, scope, place.township)):
            where = place.township if place is not None else "(unknown)"
            raise RuleViolation(
                "supervision.hands",
                f"约谈提醒 is the party committee of the cadre's township {where}, not "
                f"{actor.role.value} {actor.principal} (scope {dict(scope or {})})",
            )
        self._append(self.Talked, actor=actor, moment=moment, note=note)

    def guide(
        self,
        instructor: str,
        note: str,
        actor: Actor,
        moment: datetime,
        place: Place | None = None,
        scope: hands.Scope | None = None,
    ) -> None:
        """On-site guidance (现场指导) by the village party-building instructor (an account
        id). On a bottom-ranking case the instructor is the acting principal, whose registry
        ``scope`` is the cadre's village (``place``)."""
        self._advance(Stage.GUIDANCE, actor)
        if not instructor.strip():
            raise RuleViolation("supervision.instructor", "name the party-building instructor")
        if self.is_bottom and (
            place is None
            or not hands.may_guide(actor, scope, place.township, place.village)
            or instructor != actor.principal
        ):
            where = place.village if place is not None else "(unknown)"
            raise RuleViolation(
                "supervision.hands",
                f"现场指导 is given by the party-building instructor of {where} in person, not "
                f"{actor.role.value} {actor.principal} (scope {dict(scope or {})}) for "
                f"{instructor!r}",
            )
        self._append(self.Guided, actor=actor, moment=moment, instructor=instructor, note=note)

    def list_case(self, deadline: date, note: str, actor: Actor, moment: datetime) -> None:
        """List the case for supervision (挂牌督办) with a deadline not before today; once."""
        self._advance(Stage.LISTED, actor)
        actor.require(*SUPERVISION_ROLES)
        if deadline < moment.date():
            raise RuleViolation(
                "supervision.deadline", f"deadline {deadline} is before today ({moment.date()})"
            )
        self._append(
            self.Listed, actor=actor, moment=moment, deadline=deadline.isoformat(), note=note
        )

    def report_rectification(
        self, note: str, actor: Actor, moment: datetime, evidence: str = ""
    ) -> None:
        """Rectification reported, after at least one action; on a bottom-ranking case with
        evidence (a document reference)."""
        self._advance(Stage.RECTIFIED, actor)
        actor.require(*SUPERVISION_ROLES)
        if self.actions == 0:
            raise RuleViolation(
                "supervision.order", "rectification follows at least one supervision action"
            )
        if not note.strip():
            raise RuleViolation("supervision.rectification", "describe the rectification")
        if self.is_bottom and not EVIDENCE_PATTERN.fullmatch(evidence):
            raise RuleViolation(
                "supervision.evidence", "rectification is reported with evidence: a document"
            )
        self._append(
            self.RectificationReported, actor=actor, moment=moment, note=note, evidence=evidence
        )

    def close(self, evidence: str, actor: Actor, moment: datetime) -> None:
        """Closure (销号) after reported rectification, with a document reference as evidence;
        on a bottom-ranking case by a principal other than the reporter."""
        self._advance(Stage.CLOSED, actor)
        actor.require(*SUPERVISION_ROLES)
        if self.stage != Stage.RECTIFIED:
            raise RuleViolation(
                "supervision.order",
                f"closure needs reported rectification; the case is {self.stage}",
            )
        if not EVIDENCE_PATTERN.fullmatch(evidence):
            raise RuleViolation(
                "supervision.evidence", "closure requires evidence: a document reference"
            )
        if self.is_bottom and actor.principal == self.reporter:
            raise RuleViolation(
                "supervision.separation",
                f"{actor.principal} reported the rectification: another principal closes the case",
            )
        self._append(self.Closed, actor=actor, moment=moment, evidence=evidence)

    class Opened(LedgerAggregate.Created):
        TOPIC = "supervision.CaseOpened"
        target_kind: str
        target: str
        reason: str
        detail: str
        county: str
        trigger: str | None
        source: str | None

        def assign(self, aggregate: Any) -> None:
            aggregate.target_kind = self.target_kind
            aggregate.target = self.target
            aggregate.reason = self.reason
            aggregate.county = self.county
            aggregate.stage = Stage.OPENED.value
            aggregate.actions = 0
            aggregate.deadline = ""
            aggregate.closed_on = ""
            aggregate.reporter = ""
            aggregate.trigger = self.trigger
            aggregate.source = self.source

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
        evidence: str

        def assign(self, aggregate: Any) -> None:
            aggregate.stage = Stage.RECTIFIED.value
            aggregate.reporter = self.principal

    class Closed(LedgerAggregate.Event):
        TOPIC = "supervision.CaseClosed"
        evidence: str

        def assign(self, aggregate: Any) -> None:
            aggregate.stage = Stage.CLOSED.value
            aggregate.closed_on = self.at[:10]
