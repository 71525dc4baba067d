"""A fund year: budget, money received, grants committed, disbursed and recovered.

Money rules (all in fen):
- granted = the sum of approved grants; it may never exceed the budget
  (``carefund.budget_cap``): the approval that would exceed it is refused. Recoveries do not
  free budget again, so disbursed <= granted <= budget always holds.
- cash on hand = received + recovered - disbursed; a disbursement may not exceed it
  (``carefund.cash_on_hand``).
- priority (优先考虑: "对主动参与城市基层治理、服从行业党委领导且生活有困难的新就业群体优先考虑"):
  every application is queued on its fund year when submitted (``ApplicationQueued``, with its
  priority and requested tier); the union may approve an application without priority only
  out of the budget that the pending priority applications of the year do not need
  (``carefund.priority_first``): its amount <= remaining budget - the requested tiers' amounts
  of the year's priority applications still pending (submitted or reviewed, not decided).
Because approval and disbursement save this aggregate together with the application, two processes
approving at once conflict on this stream's next version and one of them re-checks.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, UUID, uuid5

from ledger.actor import Actor, Role
from ledger.carefund.config import FundConfig, Source, yuan
from ledger.chained import LedgerAggregate
from ledger.errors import RuleViolation

FUND_NAMESPACE = uuid5(NAMESPACE_URL, "https://gongshi.example/carefund")


def fund_year_id(fund: str, year: int) -> UUID:
    """Deterministic stream id of a fund year, so it can be found and opened only once."""
    return uuid5(FUND_NAMESPACE, f"{fund}/{year}")


def _positive(amount_fen: int, what: str) -> None:
    if type(amount_fen) is not int or amount_fen <= 0:
        raise RuleViolation("carefund.amount", f"{what} must be a positive integer of fen")


class FundYear(LedgerAggregate):
    if TYPE_CHECKING:  # attributes set by events; not dataclass fields
        fund: str
        year: int
        budget_fen: int
        tiers_fen: dict[str, int]
        first_follow_up_days: int
        posting_days: int
        follow_up_interval_days: int
        follow_ups: int
        queue: dict[str, dict[str, Any]]
        received_fen: int
        granted_fen: int
        disbursed_fen: int
        recovered_fen: int
        grants: int
        granted_applications: list[str]
        disbursements: int
        audit_results: int

    @property
    def remaining_budget_fen(self) -> int:
        return self.budget_fen - self.granted_fen

    @property
    def cash_on_hand_fen(self) -> int:
        return self.received_fen + self.recovered_fen - self.disbursed_fen

    def follow_up_schedule(self, first_due: str) -> list[str]:
        """The follow-up due dates of a grant whose first visit is due on ``first_due``:
        ``follow_ups`` dates, ``follow_up_interval_days`` apart ("建立定期回访制度")."""
        first = date.fromisoformat(first_due)
        step = timedelta(days=self.follow_up_interval_days)
        return [(first + k * step).isoformat() for k in range(self.follow_ups)]

    def review_queue(self) -> list[str]:
        """The queued applications, priority first, then in the order they were submitted
        (only those not yet granted: the caller drops the decided ones)."""
        order = list(self.queue)
        return sorted(order, key=lambda a: (not self.queue[a]["priority"], order.index(a)))

    def reserved_for_priority(self, pending: set[str], besides: str) -> tuple[int, list[str]]:
        """The requested tiers' amounts of the queued priority applications in ``pending``
        (other than ``besides``), and which they are."""
        held = [a for a, q in self.queue.items() if q["priority"] and a in pending and a != besides]
        return sum(self.tiers_fen.get(str(self.queue[a]["requested_tier"]), 0) for a in held), held

    def tier_amount(self, tier: int) -> int:
        """The amount of ``tier`` in fen; RuleViolation if the fund year has no such tier."""
        if str(tier) not in self.tiers_fen:
            raise RuleViolation(
                "carefund.tier", f"tier {tier} not in {sorted(int(t) for t in self.tiers_fen)}"
            )
        return self.tiers_fen[str(tier)]

    # --- commands -----------------------------------------------------------------------

    @classmethod
    def open(cls, config: FundConfig, year: int, actor: Actor, moment: datetime) -> FundYear:
        """Open ``year`` of the fund with the configured budget and tiers (role finance)."""
        actor.require(Role.FINANCE)
        if not 2000 <= year <= 2100:
            raise RuleViolation("carefund.year", f"year {year} outside 2000..2100")
        return cls._start(
            cls.Opened,
            id=fund_year_id(config.fund, year),
            actor=actor,
            moment=moment,
            fund=config.fund,
            year=year,
            budget_fen=config.budget_fen,
            tiers_fen={str(k): v for k, v in sorted(config.tiers_fen.items())},
            first_follow_up_days=config.first_follow_up_days,
            posting_days=config.posting_days,
            follow_up_interval_days=config.follow_up_interval_days,
            follow_ups=config.follow_ups,
        )

    def enqueue(
        self, application: UUID, priority: bool, requested_tier: int, actor: Actor, moment: datetime
    ) -> None:
        """Queue a newly submitted application for review (role intake, with the submission)."""
        actor.require(Role.INTAKE)
        self.tier_amount(requested_tier)
        self._append(
            self.ApplicationQueued,
            actor=actor,
            moment=moment,
            application=str(application),
            priority=bool(priority),
            requested_tier=requested_tier,
        )

    def receive(
        self,
        source: Source,
        amount_fen: int,
        reference: str,
        actor: Actor,
        moment: datetime,
        donor: str | None = None,
    ) -> None:
        """A contribution (role finance): a positive amount from a co-founder or a named donor."""
        actor.require(Role.FINANCE)
        _positive(amount_fen, "contribution")
        if (source is Source.SOCIAL_DONOR) != (donor is not None):
            raise RuleViolation(
                "carefund.donor", "a social donor contribution names a donor subject; others don't"
            )
        self._append(
            self.ContributionReceived,
            actor=actor,
            moment=moment,
            source=source.value,
            amount_fen=amount_fen,
            reference=reference,
            donor=donor,
        )

    def commit_grant(
        self,
        application: UUID,
        tier: int,
        actor: Actor,
        moment: datetime,
        *,
        priority: bool = True,
        pending: set[str] | None = None,
    ) -> int:
        """Reserve the tier's amount for an approved application; returns the amount.

        ``priority``: the application's; ``pending``: the ids of the year's applications
        still undecided (submitted or reviewed), of which the priority ones hold their
        requested tier's amount against an approval without priority.
        """
        actor.require(Role.TRADE_UNION)
        amount = self.tier_amount(tier)
        if amount > self.remaining_budget_fen:
            raise RuleViolation(
                "carefund.budget_cap",
                f"grant of {yuan(amount)} yuan exceeds the {self.year} budget: remaining "
                f"{yuan(self.remaining_budget_fen)} of {yuan(self.budget_fen)} yuan",
            )
        reserved, held = self.reserved_for_priority(pending or set(), str(application))
        if not priority and amount > self.remaining_budget_fen - reserved:
            raise RuleViolation(
                "carefund.priority_first",
                f"grant of {yuan(amount)} yuan without priority: the {self.year} budget's "
                f"remaining {yuan(self.remaining_budget_fen)} yuan holds "
                f"{yuan(reserved)} yuan for {len(held)} pending priority application(s) "
                f"{', '.join(held)}; at most {yuan(self.remaining_budget_fen - reserved)} yuan "
                f"is free",
            )
        self._append(
            self.GrantCommitted,
            actor=actor,
            moment=moment,
            application=str(application),
            tier=tier,
            amount_fen=amount,
        )
        return amount

    def book_disbursement(
        self, application: UUID, amount_fen: int, actor: Actor, moment: datetime
    ) -> None:
        """Book a disbursement (role finance) against the cash received so far."""
        actor.require(Role.FINANCE)
        _positive(amount_fen, "disbursement")
        if amount_fen > self.cash_on_hand_fen:
            raise RuleViolation(
                "carefund.cash_on_hand",
                f"disbursement of {yuan(amount_fen)} yuan exceeds the money received so far: "
                f"cash on hand {yuan(self.cash_on_hand_fen)} yuan",
            )
        self._append(
            self.DisbursementBooked,
            actor=actor,
            moment=moment,
            application=str(application),
            amount_fen=amount_fen,
        )

    def book_recovery(
        self, application: UUID, amount_fen: int, actor: Actor, moment: datetime
    ) -> None:
        """Book money recovered on a revoked grant (role finance)."""
        actor.require(Role.FINANCE)
        _positive(amount_fen, "recovery")
        self._append(
            self.RecoveryBooked,
            actor=actor,
            moment=moment,
            application=str(application),
            amount_fen=amount_fen,
        )

    def record_audit_result(
        self, title: str, conclusion: str, findings: list[str], actor: Actor, moment: datetime
    ) -> None:
        """An audit result for publication (role audit): title, conclusion, findings."""
        actor.require(Role.AUDIT)
        if not title.strip() or not conclusion.strip():
            raise RuleViolation(
                "carefund.audit_result", "an audit result needs a title and a conclusion"
            )
        self._append(
            self.AuditResultRecorded,
            actor=actor,
            moment=moment,
            title=title,
            conclusion=conclusion,
            findings=list(findings),
        )

    # --- events -------------------------------------------------------------------------

    class Opened(LedgerAggregate.Created):
        TOPIC = "carefund.FundYearOpened"
        fund: str
        year: int
        budget_fen: int
        tiers_fen: dict[str, int]
        first_follow_up_days: int
        posting_days: int
        follow_up_interval_days: int
        follow_ups: int

        def assign(self, aggregate: Any) -> None:
            aggregate.fund = self.fund
            aggregate.year = self.year
            aggregate.budget_fen = self.budget_fen
            aggregate.tiers_fen = dict(self.tiers_fen)
            aggregate.first_follow_up_days = self.first_follow_up_days
            aggregate.posting_days = self.posting_days
            aggregate.follow_up_interval_days = self.follow_up_interval_days
            aggregate.follow_ups = self.follow_ups
            aggregate.queue = {}
            aggregate.received_fen = 0
            aggregate.granted_fen = 0
            aggregate.disbursed_fen = 0
            aggregate.recovered_fen = 0
            aggregate.grants = 0
            aggregate.granted_applications = []
            aggregate.disbursements = 0
            aggregate.audit_results = 0

    class ApplicationQueued(LedgerAggregate.Event):
        TOPIC = "carefund.ApplicationQueued"
        application: str
        priority: bool
        requested_tier: int

        def assign(self, aggregate: Any) -> None:
            aggregate.queue[self.application] = {
                "priority": self.priority,
                "requested_tier": self.requested_tier,
            }

    class ContributionReceived(LedgerAggregate.Event):
        TOPIC = "carefund.ContributionReceived"
        source: str
        amount_fen: int
        reference: str
        donor: str | None

        def assign(self, aggregate: Any) -> None:
            aggregate.received_fen += self.amount_fen

    class GrantCommitted(LedgerAggregate.Event):
        TOPIC = "carefund.GrantCommitted"
        application: str
        tier: int
        amount_fen: int

        def assign(self, aggregate: Any) -> None:
            aggregate.granted_fen += self.amount_fen
            aggregate.grants += 1
            aggregate.granted_applications.append(self.application)
            aggregate.queue.pop(self.application, None)

    class DisbursementBooked(LedgerAggregate.Event):
        TOPIC = "carefund.DisbursementBooked"
        application: str
        amount_fen: int

        def assign(self, aggregate: Any) -> None:
            aggregate.disbursed_fen += self.amount_fen
            aggregate.disbursements += 1

    class RecoveryBooked(LedgerAggregate.Event):
        TOPIC = "carefund.RecoveryBooked"
        application: str
        amount_fen: int

        def assign(self, aggregate: Any) -> None:
            aggregate.recovered_fen += self.amount_fen

    class AuditResultRecorded(LedgerAggregate.Event):
        TOPIC = "carefund.AuditResultRecorded"
        title: str
        conclusion: str
        findings: list[str]

        def assign(self, aggregate: Any) -> None:
            aggregate.audit_results += 1
