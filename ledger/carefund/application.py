"""An aid application and everything that happens to it, in strict order.

    submitted (intake)
      -> reviewed by the industry party committee (approve, or reject with reason)
      -> approved by the city trade union with the final tier (or rejected)
      -> disbursed by finance (amount = the tier amount)
      -> follow-up visits ("建立定期回访制度": due on the fund year's schedule; a visit is
         dated between the disbursement and the day it is recorded, ``carefund.visit_date``);
         revocation for a violation (supervision); recoveries of the revoked amount (finance)

No step is skipped, repeated or reordered (``carefund.order``); a rejection ends the
application. The submitter, reviewer, approver (or rejecter) and payer are four different
principals (``carefund.separation_of_duties``): an account that acted in one step, in
whatever role it held then (one role at a time, changed by an event: ledger/principal.py),
acts in no other.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.actor import Actor, Role
from ledger.carefund.config import Hardship, Industry, Violation, yuan
from ledger.chained import LedgerAggregate
from ledger.errors import RuleViolation


class Stage(StrEnum):
    SUBMITTED = "submitted"
    REVIEWED = "reviewed"
    APPROVED = "approved"
    DISBURSED = "disbursed"
    REJECTED = "rejected"
    REVOKED = "revoked"


def _require_stage(stage: str, expected: Stage, step: str) -> None:
    if stage != expected:
        raise RuleViolation(
            "carefund.order", f"{step} needs stage {expected.value}; the application is {stage}"
        )


def _require_reason(reason: str, step: str) -> None:
    if not reason.strip():
        raise RuleViolation("carefund.reason", f"{step} needs a reason")


def _parse_date(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RuleViolation("carefund.date", f"{what} {text!r} is not YYYY-MM-DD") from None


class Application(LedgerAggregate):
    if TYPE_CHECKING:  # attributes set by events; not dataclass fields
        fund_year: str
        subject: str
        industry: str
        requested_tier: int
        priority: bool
        stage: str
        submitter: str
        reviewer: str
        approver: str
        tier: int
        amount_fen: int
        disbursed_on: str
        follow_up_due: str
        follow_ups: int
        violation: str
        recover_fen: int
        recovered_fen: int

    @property
    def outstanding_recovery_fen(self) -> int:
        return self.recover_fen - self.recovered_fen

    @property
    def pending(self) -> bool:
        """Submitted or reviewed, and not decided yet: waiting in the review queue."""
        return self.stage in (Stage.SUBMITTED, Stage.REVIEWED)

    def next_follow_up_due(self, schedule: list[str]) -> str | None:
        """The due date of the next visit on ``schedule`` (the fund year's due dates for
        this grant, FundYear.follow_up_schedule), or None: not disbursed, revoked, or every
        scheduled visit made. The k-th visit recorded settles the k-th due date."""
        if self.stage != Stage.DISBURSED or self.follow_ups >= len(schedule):
            return None
        return schedule[self.follow_ups]

    def follow_up_overdue(self, today: date, schedule: list[str] | None = None) -> bool:
        """True if the next scheduled visit's due date has passed on ``today`` (schedule:
        by default the first visit only)."""
        due = self.next_follow_up_due(schedule or [self.follow_up_due])
        return due is not None and today > date.fromisoformat(due)

    # --- commands -----------------------------------------------------------------------

    @classmethod
    def submit(
        cls,
        *,
        id: UUID,
        fund_year: UUID,
        subject: UUID,
        industry: Industry,
        hardship: Hardship,
        requested_tier: int,
        priority: bool,
        actor: Actor,
        moment: datetime,
    ) -> Application:
        """A new application (role intake) for a subject, with the requested tier."""
        actor.require(Role.INTAKE)
        if type(priority) is not bool:
            raise RuleViolation("carefund.priority", "priority is true or false")
        return cls._start(
            cls.Submitted,
            id=id,
            actor=actor,
            moment=moment,
            fund_year=str(fund_year),
            subject=str(subject),
            industry=Industry(industry).value,
            hardship=Hardship(hardship).value,
            requested_tier=requested_tier,
            priority=bool(priority),
        )

    def review(self, approve: bool, reason: str, actor: Actor, moment: datetime) -> None:
        """The industry party committee's review; requires stage submitted; a rejection needs a
        reason.

        Which committee ("所属行业党务审核": the applicant's own industry) is not checked here:
        the principal registry binds each industry party committee account to its industry
        (ledger/principal.py, an event) and refuses a record in this stream, whose
        ``industry`` is the opening record's, by an account of another industry
        (``principal.scope``, checked by the verifier too). This aggregate does not repeat it.
        """
        actor.require(Role.INDUSTRY_PARTY_COMMITTEE)
        _require_stage(self.stage, Stage.SUBMITTED, "review")
        self._require_new_hand(actor, "review")
        if not approve:
            _require_reason(reason, "a rejection")
        self._append(
            self.Reviewed,
            actor=actor,
            moment=moment,
            decision="approve" if approve else "reject",
            reason=reason,
        )

    def approve(self, tier: int, amount_fen: int, actor: Actor, moment: datetime) -> None:
        """Record the union's approval; ``amount_fen`` is the tier amount the fund committed."""
        self.check_union_decision(actor)
        self._append(self.Approved, actor=actor, moment=moment, tier=tier, amount_fen=amount_fen)

    def reject(self, reason: str, actor: Actor, moment: datetime) -> None:
        """The union's rejection (ends the application); requires stage reviewed and a reason."""
        self.check_union_decision(actor)
        _require_reason(reason, "a rejection")
        self._append(self.Rejected, actor=actor, moment=moment, reason=reason)

    def check_union_decision(self, actor: Actor) -> None:
        """Requires role trade_union, stage reviewed, and a decider other than the reviewer."""
        actor.require(Role.TRADE_UNION)
        _require_stage(self.stage, Stage.REVIEWED, "the union's decision")
        self._require_new_hand(actor, "decide its approval")

    def check_disbursable(self, actor: Actor) -> None:
        """Requires role finance, stage approved, and a payer other than the approver."""
        actor.require(Role.FINANCE)
        _require_stage(self.stage, Stage.APPROVED, "disbursement")
        self._require_new_hand(actor, "disburse it")

    def _require_new_hand(self, actor: Actor, step: str) -> None:
        """Four different principals: ``actor`` took no earlier step of this application."""
        earlier = {self.submitter: "submitted", self.reviewer: "reviewed",
                   self.approver: "approved"}  # fmt: skip
        if done := earlier.get(actor.principal):
            raise RuleViolation(
                "carefund.separation_of_duties",
                f"{actor.principal} {done} this application and may not also {step}",
            )

    def disburse(self, reference: str, follow_up_days: int, actor: Actor, moment: datetime) -> None:
        """Pay the approved amount; sets the first follow-up's due date."""
        self.check_disbursable(actor)
        disbursed_on = moment.date()
        self._append(
            self.Disbursed,
            actor=actor,
            moment=moment,
            amount_fen=self.amount_fen,
            reference=reference,
            disbursed_on=disbursed_on.isoformat(),
            follow_up_due=(disbursed_on + timedelta(days=follow_up_days)).isoformat(),
        )

    def check_follow_up(
        self, visited_on: str, outcome: str, actor: Actor, moment: datetime
    ) -> None:
        """Requires a visiting role, a disbursed (or revoked) application, a known outcome and a
        visit date between disbursement and today.
        """
        actor.require(Role.INTAKE, Role.INDUSTRY_PARTY_COMMITTEE, Role.TRADE_UNION)
        if self.stage not in (Stage.DISBURSED, Stage.REVOKED):
            raise RuleViolation(
                "carefund.order",
                f"a follow-up needs a disbursed application; the application is {self.stage}",
            )
        visited = _parse_date(visited_on, "visit date")
        if visited < date.fromisoformat(self.disbursed_on) or visited > moment.date():
            raise RuleViolation(
                "carefund.visit_date",
                f"visit date {visited_on} must lie between the disbursement "
                f"({self.disbursed_on}) and today ({moment.date().isoformat()})",
            )
        if outcome not in FOLLOW_UP_OUTCOMES:
            raise RuleViolation(
                "carefund.outcome", f"outcome {outcome!r} not in {FOLLOW_UP_OUTCOMES}"
            )

    def follow_up(
        self, visited_on: str, outcome: str, note_commitment: str, actor: Actor, moment: datetime
    ) -> None:
        """Record a return visit (the note itself is in the vault; its commitment here)."""
        self.check_follow_up(visited_on, outcome, actor, moment)
        self._append(
            self.FollowedUp,
            actor=actor,
            moment=moment,
            visited_on=visited_on,
            outcome=outcome,
            note_commitment=note_commitment,
        )

    def revoke(
        self,
        *,
        violation: Violation,
        reason: str,
        recover_fen: int,
        discipline_referral: bool,
        judicial_referral: bool,
        accountable_organisation: str,
        responsible: list[UUID],
        actor: Actor,
        moment: datetime,
    ) -> None:
        """Revoke a disbursed grant (role supervision) with its handling: amount to recover
        (0..disbursed), referrals, accountable organisation.
        """
        actor.require(Role.SUPERVISION)
        _require_stage(self.stage, Stage.DISBURSED, "revocation")
        _require_reason(reason, "a revocation")
        violation = Violation(violation)
        if type(recover_fen) is not int or not 0 <= recover_fen <= self.amount_fen:
            raise RuleViolation(
                "carefund.recovery",
                f"amount to recover must be 0..{yuan(self.amount_fen)} yuan (the amount disbursed)",
            )
        if violation is Violation.DISCIPLINE and not discipline_referral:
            raise RuleViolation(
                "carefund.handling", "a breach of party discipline is referred for discipline"
            )
        if violation is Violation.LAW and not judicial_referral:
            raise RuleViolation(
                "carefund.handling", "a breach of law is referred to the judicial organs"
            )
        if not accountable_organisation.strip():
            raise RuleViolation("carefund.handling", "name the accountable party organisation")
        self._append(
            self.Revoked,
            actor=actor,
            moment=moment,
            violation=violation.value,
            reason=reason,
            recover_fen=recover_fen,
            discipline_referral=discipline_referral,
            judicial_referral=judicial_referral,
            accountable_organisation=accountable_organisation,
            responsible=[str(r) for r in responsible],
        )

    def check_recoverable(self, amount_fen: int, actor: Actor) -> None:
        """Requires role finance, a revoked application, 0 < amount <= what is left to recover."""
        actor.require(Role.FINANCE)
        _require_stage(self.stage, Stage.REVOKED, "a recovery")
        if type(amount_fen) is not int or not 0 < amount_fen <= self.outstanding_recovery_fen:
            raise RuleViolation(
                "carefund.recovery",
                f"recovery must be 0.01..{yuan(self.outstanding_recovery_fen)} yuan "
                f"(still to recover)",
            )

    def recover(self, amount_fen: int, reference: str, actor: Actor, moment: datetime) -> None:
        """Record money recovered on a revoked grant."""
        self.check_recoverable(amount_fen, actor)
        self._append(
            self.RecoveryReceived,
            actor=actor,
            moment=moment,
            amount_fen=amount_fen,
            reference=reference,
        )

    # --- events -------------------------------------------------------------------------

    class Submitted(LedgerAggregate.Created):
        TOPIC = "carefund.ApplicationSubmitted"
        fund_year: str
        subject: str
        industry: str
        hardship: str
        requested_tier: int
        priority: bool

        def assign(self, aggregate: Any) -> None:
            aggregate.fund_year = self.fund_year
            aggregate.subject = self.subject
            aggregate.industry = self.industry
            aggregate.requested_tier = self.requested_tier
            aggregate.priority = self.priority
            aggregate.stage = Stage.SUBMITTED.value
            aggregate.submitter = self.principal
            aggregate.reviewer = ""
            aggregate.approver = ""
            aggregate.tier = 0
            aggregate.amount_fen = 0
            aggregate.disbursed_on = ""
            aggregate.follow_up_due = ""
            aggregate.follow_ups = 0
            aggregate.violation = ""
            aggregate.recover_fen = 0
            aggregate.recovered_fen = 0

    class Reviewed(LedgerAggregate.Event):
        TOPIC = "carefund.ApplicationReviewed"
        decision: str
        reason: str

        def assign(self, aggregate: Any) -> None:
            aggregate.reviewer = self.principal
            aggregate.stage = (
                Stage.REVIEWED.value if self.decision == "approve" else Stage.REJECTED.value
            )

    class Approved(LedgerAggregate.Event):
        TOPIC = "carefund.ApplicationApproved"
        tier: int
        amount_fen: int

        def assign(self, aggregate: Any) -> None:
            aggregate.approver = self.principal
            aggregate.tier = self.tier
            aggregate.amount_fen = self.amount_fen
            aggregate.stage = Stage.APPROVED.value

    class Rejected(LedgerAggregate.Event):
        TOPIC = "carefund.ApplicationRejected"
        reason: str

        def assign(self, aggregate: Any) -> None:
            aggregate.approver = self.principal
            aggregate.stage = Stage.REJECTED.value

    class Disbursed(LedgerAggregate.Event):
        TOPIC = "carefund.GrantDisbursed"
        amount_fen: int
        reference: str
        disbursed_on: str
        follow_up_due: str

        def assign(self, aggregate: Any) -> None:
            aggregate.disbursed_on = self.disbursed_on
            aggregate.follow_up_due = self.follow_up_due
            aggregate.stage = Stage.DISBURSED.value

    class FollowedUp(LedgerAggregate.Event):
        TOPIC = "carefund.FollowUpRecorded"
        visited_on: str
        outcome: str
        note_commitment: str

        def assign(self, aggregate: Any) -> None:
            aggregate.follow_ups += 1

    class Revoked(LedgerAggregate.Event):
        TOPIC = "carefund.GrantRevoked"
        violation: str
        reason: str
        recover_fen: int
        discipline_referral: bool
        judicial_referral: bool
        accountable_organisation: str
        responsible: list[str]

        def assign(self, aggregate: Any) -> None:
            aggregate.violation = self.violation
            aggregate.recover_fen = self.recover_fen
            aggregate.stage = Stage.REVOKED.value

    class RecoveryReceived(LedgerAggregate.Event):
        TOPIC = "carefund.RecoveryReceived"
        amount_fen: int
        reference: str

        def assign(self, aggregate: Any) -> None:
            aggregate.recovered_fen += self.amount_fen


FOLLOW_UP_OUTCOMES = ("stable", "improved", "needs_further_help")
