"""Care-fund commands: load, check, record, save — atomically across application and fund year.

Every command reloads and retries when a concurrent writer took the stream's next version
first, so the rules are always checked against the state the write lands on.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar
from uuid import UUID

from ledger.actor import Actor
from ledger.app import LedgerApp, retry_on_conflict
from ledger.carefund.application import Application, Stage
from ledger.carefund.config import FundConfig, Hardship, Industry, Source, Violation
from ledger.carefund.fund import FundYear, fund_year_id
from ledger.enums import parse_enum
from ledger.errors import RuleViolation
from ledger.ledger import Ledger

T = TypeVar("T")


class CareFund:
    """The care fund's command handlers over a Ledger. Every method stores all or nothing."""

    def __init__(self, ledger: Ledger, config: FundConfig | None = None) -> None:
        self.ledger = ledger
        self.config = config or FundConfig()

    @property
    def _app(self) -> LedgerApp:
        return self.ledger.app

    def fund_year(self, year: int) -> FundYear:
        """The fund year; NotFound if it was never opened."""
        return self._app.get(FundYear, fund_year_id(self.config.fund, year), year=year)

    def application(self, application_id: UUID) -> Application:
        """The application; NotFound if there is none."""
        return self._app.get(Application, application_id)

    def _on_application(self, application_id: UUID, change: Callable[[Application], T]) -> T:
        return self._app.update(Application, application_id, change)

    def _on_application_and_fund(
        self, application_id: UUID, change: Callable[[Application, FundYear], T]
    ) -> T:
        def attempt() -> T:
            application = self.application(application_id)
            fund = self._app.get(FundYear, UUID(application.fund_year))
            result = change(application, fund)
            self._app.save(fund, application)
            return result

        return retry_on_conflict(attempt)

    def follow_ups_due(self, year: int) -> list[tuple[Application, str]]:
        """Each disbursed, unrevoked grant of ``year`` with a scheduled visit still to make,
        and that visit's due date (the fund year's schedule), earliest first."""
        fund = self.fund_year(year)
        found = []
        for a in fund.granted_applications:
            application = self.application(UUID(a))
            if application.stage == Stage.DISBURSED:
                due = application.next_follow_up_due(
                    fund.follow_up_schedule(application.follow_up_due)
                )
                if due is not None:
                    found.append((application, due))
        return sorted(found, key=lambda item: (item[1], str(item[0].id)))

    def overdue_follow_ups(self, year: int, today: date) -> list[Application]:
        """Disbursed grants of ``year`` whose next scheduled visit is past due on ``today``."""
        return [
            application for application, due in self.follow_ups_due(year) if today.isoformat() > due
        ]

    def review_queue(self, year: int) -> list[Application]:
        """The year's applications waiting for a decision (submitted or reviewed): priority
        first (优先考虑), then in the order they were submitted."""
        fund = self.fund_year(year)
        applications = (self.application(UUID(a)) for a in fund.review_queue())
        return [application for application in applications if application.pending]

    def open_year(self, year: int, actor: Actor, **params: object) -> UUID:
        """Open the fund year (once; role finance) with this fund's parameters, any of them
        replaced by ``params`` (budget_fen, tiers_fen, posting_days, first_follow_up_days,
        follow_up_interval_days, follow_ups; None keeps the default): finance sets them when
        the year opens and the ``FundYearOpened`` record keeps them."""
        try:
            config = self.config.with_params(**params)
        except (TypeError, ValueError) as error:
            raise RuleViolation("carefund.year_params", str(error)) from None

        def attempt() -> UUID:
            stream = fund_year_id(config.fund, year)
            if self._app.exists(stream):
                raise RuleViolation("carefund.year_open", f"fund year {year} is already open")
            self._app.save(FundYear.open(config, year, actor, self.ledger.clock()))
            return stream

        return retry_on_conflict(attempt)

    def receive(
        self,
        year: int,
        source: Source | str,
        amount_fen: int,
        reference: str,
        actor: Actor,
        donor: UUID | None = None,
    ) -> None:
        """A contribution received from ``source`` (a social donor names a donor subject)."""
        source = parse_enum(Source, source, "carefund.source")
        if donor is not None:
            self.ledger.require_subject(donor)

        self._app.update(
            FundYear,
            fund_year_id(self.config.fund, year),
            lambda fund: fund.receive(
                source, amount_fen, reference, actor, self.ledger.clock(),
                donor=None if donor is None else str(donor),
            ),
            year=year,
        )  # fmt: skip

    def submit(
        self,
        *,
        year: int,
        subject: UUID,
        industry: Industry | str,
        hardship: Hardship | str,
        requested_tier: int,
        priority: bool,
        actor: Actor,
    ) -> UUID:
        """A new application for a registered, not erased subject; returns its id."""
        industry = parse_enum(Industry, industry, "carefund.industry")
        hardship = parse_enum(Hardship, hardship, "carefund.hardship")
        self.ledger.require_subject(subject)
        application_id = self.ledger.new_id()

        def attempt() -> UUID:
            fund = self.fund_year(year)
            fund.tier_amount(requested_tier)
            moment = self.ledger.clock()
            application = Application.submit(
                id=application_id,
                fund_year=fund.id,
                subject=subject,
                industry=industry,
                hardship=hardship,
                requested_tier=requested_tier,
                priority=priority,
                actor=actor,
                moment=moment,
            )
            fund.enqueue(application.id, priority, requested_tier, actor, moment)
            self._app.save(application, fund)
            return application.id

        return retry_on_conflict(attempt)

    def review(self, application_id: UUID, approve: bool, reason: str, actor: Actor) -> None:
        """The industry party committee's review (a rejection needs a reason)."""
        self._on_application(
            application_id, lambda c: c.review(approve, reason, actor, self.ledger.clock())
        )

    def approve(self, application_id: UUID, tier: int, actor: Actor) -> int:
        """The union's approval with the final tier; commits its amount against the budget."""

        def change(application: Application, fund: FundYear) -> int:
            application.check_union_decision(actor)
            moment = self.ledger.clock()
            amount = fund.commit_grant(
                application.id, tier, actor, moment,
                priority=application.priority, pending=self._pending_priority(fund),
            )  # fmt: skip
            application.approve(tier, amount, actor, moment)
            return amount

        return self._on_application_and_fund(application_id, change)

    def _pending_priority(self, fund: FundYear) -> set[str]:
        """The fund year's queued priority applications still waiting for a decision."""
        queued = (a for a, q in fund.queue.items() if q["priority"])
        return {a for a in queued if self.application(UUID(a)).pending}

    def reject(self, application_id: UUID, reason: str, actor: Actor) -> None:
        """The union's rejection, which ends the application."""
        self._on_application(application_id, lambda c: c.reject(reason, actor, self.ledger.clock()))

    def disburse(self, application_id: UUID, reference: str, actor: Actor) -> int:
        """Pay the approved tier amount out of the money received; returns it."""

        def change(application: Application, fund: FundYear) -> int:
            application.check_disbursable(actor)
            moment = self.ledger.clock()
            fund.book_disbursement(application.id, application.amount_fen, actor, moment)
            application.disburse(reference, fund.first_follow_up_days, actor, moment)
            return application.amount_fen

        return self._on_application_and_fund(application_id, change)

    def follow_up(
        self, application_id: UUID, visited_on: str, outcome: str, note: str, actor: Actor
    ) -> None:
        """Record a return visit; the free-text note goes to the vault, its commitment here."""

        def attempt() -> None:
            application = self.application(application_id)
            moment = self.ledger.clock()
            application.check_follow_up(
                visited_on, outcome, actor, moment
            )  # before the vault write
            self.ledger.require_subject(UUID(application.subject))
            label = f"follow-up/{application_id}/{self.ledger.new_id()}"
            commitment = self.ledger.vault.attach(application.subject, label, {"note": note})
            try:
                application.follow_up(visited_on, outcome, commitment, actor, moment)
                self._app.save(application)
            except BaseException:
                self.ledger.vault.discard(application.subject, label)
                raise

        retry_on_conflict(attempt)

    def revoke(
        self,
        application_id: UUID,
        *,
        violation: Violation | str,
        reason: str,
        recover_fen: int,
        discipline_referral: bool,
        judicial_referral: bool,
        accountable_organisation: str,
        responsible: list[UUID],
        actor: Actor,
    ) -> None:
        """Revoke a disbursed grant for a violation, with its handling."""
        violation = parse_enum(Violation, violation, "carefund.violation")
        for person in responsible:
            self.ledger.require_subject(person)
        self._on_application(
            application_id,
            lambda c: c.revoke(
                violation=violation,
                reason=reason,
                recover_fen=recover_fen,
                discipline_referral=discipline_referral,
                judicial_referral=judicial_referral,
                accountable_organisation=accountable_organisation,
                responsible=responsible,
                actor=actor,
                moment=self.ledger.clock(),
            ),
        )

    def recover(self, application_id: UUID, amount_fen: int, reference: str, actor: Actor) -> None:
        """Money recovered on a revoked grant: back to the fund's cash on hand."""

        def change(application: Application, fund: FundYear) -> None:
            application.check_recoverable(amount_fen, actor)
            moment = self.ledger.clock()
            fund.book_recovery(application.id, amount_fen, actor, moment)
            application.recover(amount_fen, reference, actor, moment)

        self._on_application_and_fund(application_id, change)

    def record_audit_result(
        self, year: int, title: str, conclusion: str, findings: list[str], actor: Actor
    ) -> None:
        """An audit result against the fund year, for publication (role audit)."""

        self._app.update(
            FundYear,
            fund_year_id(self.config.fund, year),
            lambda fund: fund.record_audit_result(
                title, conclusion, findings, actor, self.ledger.clock()
            ),
            year=year,
        )
