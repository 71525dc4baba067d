"""A cadre's post: leading (领导岗位) or not, and the observation period (观察使用).

"2 名领导干部调整到非领导岗位观察使用" (Wangjiang): a leading cadre whose political-quality
examination finds so is moved to a non-leading post for an observation period that ends on
a date set when it starts; at its end (not before) the period is reviewed: restored to a
leading post, or kept in the non-leading one (``cadrepost.observation``,
``cadrepost.review``). One stream per cadre, derived from the cadre's subject id, so it is
found again and opened once.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.actor import Actor, Role
from ledger.chained import LedgerAggregate
from ledger.errors import RuleViolation

POST_ROLES = (Role.ORGANISATION_DEPARTMENT,)
POSTS_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://gongshi.example/posts")
OBSERVATION, REVIEW = "cadrepost.observation", "cadrepost.review"


def post_id(cadre: UUID) -> UUID:
    """The stream id of ``cadre``'s post record (docs/FORMAT.md §4 "Stream ids")."""
    return uuid.uuid5(POSTS_NAMESPACE, str(cadre))


class Decision(StrEnum):
    RESTORED = "restored_leading"  # back to a leading post
    KEPT = "kept_non_leading"  # stays in a non-leading post


class CadrePost(LedgerAggregate):
    if TYPE_CHECKING:
        cadre: str
        county: str
        post: str
        leading: bool
        observing_until: str  # "" when no observation is in progress
        reviewed: int  # observation periods reviewed
        inspection: str | None

    @classmethod
    def assign_post(
        cls, *, cadre: UUID, county: str, post: str, leading: bool, actor: Actor, moment: datetime
    ) -> CadrePost:
        """Record a cadre's post (its first record: the stream is ``post_id(cadre)``)."""
        actor.require(*POST_ROLES)
        if not post.strip() or not county.strip():
            raise RuleViolation("cadrepost.post", "a post has a title and a county")
        return cls._start(
            cls.Assigned,
            id=post_id(cadre),
            actor=actor,
            moment=moment,
            cadre=str(cadre),
            county=county,
            post=post,
            leading=leading,
        )

    def start_observation(
        self,
        *,
        post: str,
        until: date,
        reason: str,
        inspection: UUID | None,
        actor: Actor,
        moment: datetime,
    ) -> None:
        """Move a cadre in a leading post to the non-leading ``post`` for observation until
        ``until`` (after today); ``inspection``: the examination that found so, if any."""
        actor.require(*POST_ROLES)
        if not self.leading or self.observing_until:
            raise RuleViolation(
                OBSERVATION, f"cadre {self.cadre} is not in a leading post ({self.post})"
            )
        if until <= moment.date():
            raise RuleViolation(OBSERVATION, f"the observation ends after today, not on {until}")
        if not post.strip() or not reason.strip():
            raise RuleViolation(OBSERVATION, "name the non-leading post and the reason")
        self._append(
            self.ObservationStarted,
            actor=actor,
            moment=moment,
            post=post,
            until=until.isoformat(),
            reason=reason,
            inspection=None if inspection is None else str(inspection),
        )

    def review(
        self, decision: Decision, post: str, reason: str, actor: Actor, moment: datetime
    ) -> None:
        """Review an observation at its end (on or after ``until``), once: restored to the
        leading ``post``, or kept in the non-leading one."""
        actor.require(*POST_ROLES)
        decision = Decision(decision)
        if not self.observing_until:
            raise RuleViolation(REVIEW, f"cadre {self.cadre} is not under observation")
        if moment.date().isoformat() < self.observing_until:
            raise RuleViolation(
                REVIEW, f"the observation ends {self.observing_until}: reviewed at its end"
            )
        if not reason.strip():
            raise RuleViolation(REVIEW, "a review states its reason")
        if decision is Decision.KEPT:
            post = self.post
        elif not post.strip():
            raise RuleViolation(REVIEW, "name the leading post the cadre is restored to")
        self._append(
            self.ObservationReviewed,
            actor=actor,
            moment=moment,
            decision=decision.value,
            post=post,
            reason=reason,
        )

    class Assigned(LedgerAggregate.Created):
        TOPIC = "cadrepost.Assigned"
        cadre: str
        county: str
        post: str
        leading: bool

        def assign(self, aggregate: Any) -> None:
            aggregate.cadre = self.cadre
            aggregate.county = self.county
            aggregate.post = self.post
            aggregate.leading = self.leading
            aggregate.observing_until = ""
            aggregate.inspection = None
            aggregate.reviewed = 0

    class ObservationStarted(LedgerAggregate.Event):
        TOPIC = "cadrepost.ObservationStarted"
        post: str
        until: str
        reason: str
        inspection: str | None

        def assign(self, aggregate: Any) -> None:
            aggregate.post = self.post
            aggregate.leading = False
            aggregate.observing_until = self.until
            aggregate.inspection = self.inspection

    class ObservationReviewed(LedgerAggregate.Event):
        TOPIC = "cadrepost.ObservationReviewed"
        decision: str
        post: str
        reason: str

        def assign(self, aggregate: Any) -> None:
            aggregate.post = self.post
            aggregate.leading = self.decision == Decision.RESTORED
            aggregate.observing_until = ""
            aggregate.reviewed += 1
