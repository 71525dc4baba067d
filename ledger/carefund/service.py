"""Care-fund commands: load, check, record, save — atomically across case and fund year."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from ledger.actor import Actor
from ledger.app import LedgerApp, retry_on_conflict
from ledger.carefund.case import Case
from ledger.carefund.config import FundConfig, Hardship, Industry, Source, Violation
from ledger.carefund.fund import FundYear, fund_year_id
from ledger.errors import RuleViolation
from ledger.ledger import Ledger


class CareFund:
    """The care fund's command handlers over a Ledger. Every method stores all or nothing."""

    def __init__(self, ledger: Ledger, config: FundConfig | None = None) -> None:
        self.ledger = ledger
        self.config = config or FundConfig()

    @property
    def _app(self) -> LedgerApp:
        return self.ledger.app

    def fund_year(self, year: int) -> FundYear:
        return self._app.get(FundYear, fund_year_id(self.config.fund, year))

    def case(self, case_id: UUID) -> Case:
        return self._app.get(Case, case_id)

    def overdue_follow_ups(self, year: int, today: date) -> list[Case]:
        """Disbursed grants of ``year`` whose first follow-up is past due on ``today``."""
        fund = self.fund_year(year)
        cases = (self.case(UUID(a)) for a in fund.granted_applications)
        return [case for case in cases if case.follow_up_overdue(today)]

    def open_year(self, year: int, actor: Actor) -> UUID:
        stream = fund_year_id(self.config.fund, year)
        if self._app.exists(stream):
            raise RuleViolation("carefund.year_open", f"fund year {year} is already open")
        fund = FundYear.open(self.config, year, actor, self.ledger.clock())
        self._app.save(fund)
        return stream

    def receive(
        self,
        year: int,
        source: Source,
        amount_fen: int,
        reference: str,
        actor: Actor,
        donor: UUID | None = None,
    ) -> None:
        if donor is not None:
            self.ledger.require_subject(donor)

        def attempt() -> None:
            fund = self.fund_year(year)
            fund.receive(
                Source(source),
                amount_fen,
                reference,
                actor,
                self.ledger.clock(),
                donor=None if donor is None else str(donor),
            )
            self._app.save(fund)

        retry_on_conflict(attempt)

    def submit(
        self,
        *,
        year: int,
        subject: UUID,
        industry: Industry,
        hardship: Hardship,
        requested_tier: int,
        priority: bool,
        actor: Actor,
    ) -> UUID:
        fund = self.fund_year(year)
        fund.tier_amount(requested_tier)
        self.ledger.require_subject(subject)
        case_id = self.ledger.new_id()
        case = Case.submit(
            id=case_id,
            fund_year=fund.id,
            subject=subject,
            industry=Industry(industry),
            hardship=Hardship(hardship),
            requested_tier=requested_tier,
            priority=priority,
            actor=actor,
            moment=self.ledger.clock(),
        )
        self._app.save(case)
        return case_id

    def review(self, case_id: UUID, approve: bool, reason: str, actor: Actor) -> None:
        case = self.case(case_id)
        case.review(approve, reason, actor, self.ledger.clock())
        self._app.save(case)

    def approve(self, case_id: UUID, tier: int, actor: Actor) -> int:
        """Approve with the final tier; commits the tier amount against the year's budget."""

        def attempt() -> int:
            case = self.case(case_id)
            fund = self._app.get(FundYear, UUID(case.fund_year))
            case._check_union_step(actor)
            moment = self.ledger.clock()
            amount = fund.commit_grant(case_id, tier, actor, moment)
            case.approve(tier, amount, actor, moment)
            self._app.save(fund, case)
            return amount

        return retry_on_conflict(attempt)

    def reject(self, case_id: UUID, reason: str, actor: Actor) -> None:
        case = self.case(case_id)
        case.reject(reason, actor, self.ledger.clock())
        self._app.save(case)

    def disburse(self, case_id: UUID, reference: str, actor: Actor) -> int:
        def attempt() -> int:
            case = self.case(case_id)
            fund = self._app.get(FundYear, UUID(case.fund_year))
            case.check_disbursable(actor)
            moment = self.ledger.clock()
            fund.book_disbursement(case_id, case.amount_fen, actor, moment)
            case.disburse(reference, fund.first_follow_up_days, actor, moment)
            self._app.save(fund, case)
            return case.amount_fen

        return retry_on_conflict(attempt)

    def follow_up(
        self, case_id: UUID, visited_on: str, outcome: str, note: str, actor: Actor
    ) -> None:
        """Record a return visit; the free-text note goes to the vault, its commitment here."""
        case = self.case(case_id)
        moment = self.ledger.clock()
        case.check_follow_up(visited_on, outcome, actor, moment)  # before the vault write
        label = f"follow-up/{case_id}/{case.version + 1}"
        commitment = self.ledger.vault.attach(case.subject, label, {"note": note})
        case.follow_up(visited_on, outcome, commitment, actor, moment)
        self._app.save(case)

    def revoke(
        self,
        case_id: UUID,
        *,
        violation: Violation,
        reason: str,
        recover_fen: int,
        discipline_referral: bool,
        judicial_referral: bool,
        accountable_organisation: str,
        responsible: list[UUID],
        actor: Actor,
    ) -> None:
        for person in responsible:
            self.ledger.require_subject(person)
        case = self.case(case_id)
        case.revoke(
            violation=violation,
            reason=reason,
            recover_fen=recover_fen,
            discipline_referral=discipline_referral,
            judicial_referral=judicial_referral,
            accountable_organisation=accountable_organisation,
            responsible=responsible,
            actor=actor,
            moment=self.ledger.clock(),
        )
        self._app.save(case)

    def recover(self, case_id: UUID, amount_fen: int, reference: str, actor: Actor) -> None:
        def attempt() -> None:
            case = self.case(case_id)
            fund = self._app.get(FundYear, UUID(case.fund_year))
            case.check_recoverable(amount_fen, actor)
            moment = self.ledger.clock()
            fund.book_recovery(case_id, amount_fen, actor, moment)
            case.recover(amount_fen, reference, actor, moment)
            self._app.save(fund, case)

        retry_on_conflict(attempt)

    def record_audit_result(
        self, year: int, title: str, conclusion: str, findings: list[str], actor: Actor
    ) -> None:
        def attempt() -> None:
            fund = self.fund_year(year)
            fund.record_audit_result(title, conclusion, findings, actor, self.ledger.clock())
            self._app.save(fund)

        retry_on_conflict(attempt)
