"""Care-fund rules across records (docs/FORMAT.md §4 "Rules across records", 1-5).

- per fund year, as running totals: approved grants (``GrantCommitted``) never exceed the
  budget; disbursements (``DisbursementBooked``) never exceed the grants, nor the money
  received (``ContributionReceived``) plus recovered (``RecoveryBooked``);
- per application: submitted, reviewed (approve), approved, disbursed, in that order; a
  rejecting review or a rejection ends it; the reviewer does not decide the approval or
  rejection, and the approver does not disburse.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from verify.failure import Failure
from verify.record import Record

BUDGET, GRANTED, CASH = "carefund.budget_cap", "carefund.granted", "carefund.cash_on_hand"
DUTIES = "carefund.separation_of_duties"
Handler = Callable[[Record, str], list[Failure]]


@dataclass
class _Fund:
    budget: int
    granted: int = 0
    disbursed: int = 0
    cash_in: int = 0  # received + recovered


@dataclass
class _Application:
    stage: str = "submitted"
    reviewer: str = ""
    approver: str = ""


@dataclass
class CareFundRules:
    funds: dict[str, _Fund] = field(default_factory=dict)
    applications: dict[str, _Application] = field(default_factory=dict)

    def handlers(self) -> dict[str, Handler]:
        """Record type -> this object's check of it."""
        return {
            "carefund.FundYearOpened": self._fund_opened,
            "carefund.ContributionReceived": self._money,
            "carefund.GrantCommitted": self._money,
            "carefund.DisbursementBooked": self._money,
            "carefund.RecoveryBooked": self._money,
            "carefund.ApplicationSubmitted": self._submitted,
            "carefund.ApplicationReviewed": self._reviewed,
            "carefund.ApplicationApproved": self._decided,
            "carefund.ApplicationRejected": self._decided,
            "carefund.GrantDisbursed": self._disbursed_case,
        }

    # --- care fund: money per fund year ---------------------------------------------------

    def _fund_opened(self, r: Record, where: str) -> list[Failure]:
        self.funds[r.stream] = _Fund(r.data["budget_fen"])
        return []

    def _money(self, r: Record, where: str) -> list[Failure]:
        fund, amount = self.funds.get(r.stream), r.data["amount_fen"]
        if fund is None:  # reported by the stream check
            return []
        limits: list[tuple[int, int, str, str, str]] = []
        if r.type == "carefund.GrantCommitted":
            fund.granted += amount
            limits.append((fund.granted, fund.budget, BUDGET, "approved grants", "the budget"))
        elif r.type == "carefund.DisbursementBooked":
            fund.disbursed += amount
            limits.append((fund.disbursed, fund.granted, GRANTED, "disbursements", "the grants"))
            limits.append((fund.disbursed, fund.cash_in, CASH, "disbursements", "the money in"))
        else:  # ContributionReceived, RecoveryBooked: the money in
            fund.cash_in += amount
        return [
            Failure(where, rule, f"fund year {r.stream}: {what} total exceeds {bound}",
                    f"at most {limit} fen", f"{total} fen")
            for total, limit, rule, what, bound in limits
            if total > limit
        ]  # fmt: skip

    # --- care fund: the steps of an application -----------------------------------------

    def _submitted(self, r: Record, where: str) -> list[Failure]:
        self.applications[r.stream] = _Application()
        return []

    def _step(
        self, r: Record, where: str, needs: str, becomes: str
    ) -> tuple[_Application, list[Failure]]:
        app = self.applications.setdefault(r.stream, _Application(stage="unknown"))
        found = []
        if app.stage != needs:
            message = f"application {r.stream}: {r.type} out of order"
            found.append(Failure(where, "carefund.order", message, f"stage {needs}", app.stage))
        app.stage = becomes
        return app, found

    def _reviewed(self, r: Record, where: str) -> list[Failure]:
        approve = r.data["decision"] == "approve"
        app, found = self._step(r, where, "submitted", "reviewed" if approve else "rejected")
        app.reviewer = r.principal
        return found

    def _decided(self, r: Record, where: str) -> list[Failure]:
        approved = r.type == "carefund.ApplicationApproved"
        app, found = self._step(r, where, "reviewed", "approved" if approved else "rejected")
        app.approver = r.principal
        if r.principal == app.reviewer:
            decided = "approved" if approved else "rejected"
            message = f"application {r.stream} {decided} by its reviewer {r.principal}"
            found.append(Failure(where, DUTIES, message, "another principal", r.principal))
        return found

    def _disbursed_case(self, r: Record, where: str) -> list[Failure]:
        app, found = self._step(r, where, "approved", "disbursed")
        if r.principal == app.approver:
            message = f"application {r.stream} disbursed by its approver {r.principal}"
            found.append(Failure(where, DUTIES, message, "another principal", r.principal))
        return found
