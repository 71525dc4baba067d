"""Domain invariants an auditor recomputes from the records alone.

- care fund: a fund year's approved grants, and its disbursements, never exceed its budget;
- care fund: every disbursement followed a review (approve) and an approval, in that order,
  and the reviewer did not approve and the approver did not disburse;
- points: a book's bonus total never exceeds the book's cap (``bonus_cap_tenths``).

Fed one record at a time; state is per stream, so memory grows with streams, not records.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from verify.record import Record


@dataclass
class _Application:
    stage: str = "submitted"
    reviewer: str = ""
    approver: str = ""


@dataclass
class Invariants:
    budgets: dict[str, int] = field(default_factory=dict)
    granted: dict[str, int] = field(default_factory=dict)
    disbursed: dict[str, int] = field(default_factory=dict)
    applications: dict[str, _Application] = field(default_factory=dict)
    bonus_caps: dict[str, int] = field(default_factory=dict)
    bonuses: dict[str, int] = field(default_factory=dict)
    checked: int = 0

    def add(self, record: Record, where: str) -> list[str]:
        """Apply one record; returns the invariants it breaks, each with its evidence."""
        handler = _HANDLERS.get(record.type)
        if handler is None:
            return []
        self.checked += 1
        return handler(self, record, where)

    def _fund_opened(self, r: Record, where: str) -> list[str]:
        self.budgets[r.stream] = int(r.data.get("budget_fen", 0))
        self.granted[r.stream] = self.disbursed[r.stream] = 0
        return []

    def _money(self, r: Record, where: str, book: dict[str, int], what: str) -> list[str]:
        book[r.stream] = book.get(r.stream, 0) + int(r.data.get("amount_fen", 0))
        budget = self.budgets.get(r.stream)
        if budget is None:
            return [f"{where}: {what} for fund year {r.stream}, which was never opened"]
        if book[r.stream] > budget:
            return [
                f"{where}: fund year {r.stream} {what} total {book[r.stream]} fen exceeds its "
                f"budget {budget} fen"
            ]
        return []

    def _granted(self, r: Record, where: str) -> list[str]:
        return self._money(r, where, self.granted, "approved grants")

    def _disbursed(self, r: Record, where: str) -> list[str]:
        return self._money(r, where, self.disbursed, "disbursements")

    def _submitted(self, r: Record, where: str) -> list[str]:
        self.applications[r.stream] = _Application()
        return []

    def _step(
        self, r: Record, where: str, needs: str, becomes: str
    ) -> tuple[_Application, list[str]]:
        app = self.applications.setdefault(r.stream, _Application(stage="unknown"))
        found = []
        if app.stage != needs:
            found.append(f"{where}: application {r.stream} {r.type} after stage {app.stage!r}")
        app.stage = becomes
        return app, found

    def _reviewed(self, r: Record, where: str) -> list[str]:
        approve = r.data.get("decision") == "approve"
        app, found = self._step(r, where, "submitted", "reviewed" if approve else "rejected")
        app.reviewer = r.principal
        return found

    def _approved(self, r: Record, where: str) -> list[str]:
        app, found = self._step(r, where, "reviewed", "approved")
        app.approver = r.principal
        if r.principal == app.reviewer:
            found.append(f"{where}: application {r.stream} approved by its reviewer {r.principal}")
        return found

    def _disbursed_case(self, r: Record, where: str) -> list[str]:
        app, found = self._step(r, where, "approved", "disbursed")
        if r.principal == app.approver:
            found.append(f"{where}: application {r.stream} disbursed by its approver {r.principal}")
        return found

    def _book_opened(self, r: Record, where: str) -> list[str]:
        self.bonus_caps[r.stream] = int(r.data.get("bonus_cap_tenths", 0))
        self.bonuses[r.stream] = 0
        return []

    def _score(self, r: Record, where: str) -> list[str]:
        if r.data.get("component") != "bonus":
            return []
        total = self.bonuses.get(r.stream, 0) + int(r.data.get("points_tenths", 0))
        self.bonuses[r.stream] = total
        cap = self.bonus_caps.get(r.stream, 0)
        if total > cap:
            return [f"{where}: book {r.stream} bonus total {total} tenths exceeds its cap {cap}"]
        return []


_HANDLERS = {
    "carefund.FundYearOpened": Invariants._fund_opened,
    "carefund.GrantCommitted": Invariants._granted,
    "carefund.DisbursementBooked": Invariants._disbursed,
    "carefund.ApplicationSubmitted": Invariants._submitted,
    "carefund.ApplicationReviewed": Invariants._reviewed,
    "carefund.ApplicationApproved": Invariants._approved,
    "carefund.GrantDisbursed": Invariants._disbursed_case,
    "points.BookOpened": Invariants._book_opened,
    "points.ScoreEntered": Invariants._score,
}
