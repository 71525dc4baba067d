"""Rules across records an auditor recomputes from the records alone (docs/FORMAT.md §4,
"Rules across records"), checked after every record: at every prefix of the log, not only
at its end, so a rule broken and later made good again is still reported where it broke.

- streams: each record in a stream of its type's aggregate; references to earlier streams
  (verify/streams.py);
- care fund, per fund year, as running totals: approved grants (``GrantCommitted``) never
  exceed the budget; disbursements (``DisbursementBooked``) never exceed the grants, nor the
  money received (``ContributionReceived``) plus recovered (``RecoveryBooked``);
- care fund, per application: submitted, reviewed (approve), approved, disbursed, in that
  order; a rejecting review or a rejection ends it; the reviewer does not decide the
  approval or rejection, and the approver does not disburse;
- points: a book's bonus total never exceeds its ``bonus_cap_tenths`` (its scheme's); a
  closed form's result is computed from its scores, and the entry it feeds from that result.

Fed one record at a time; state is per stream, so memory grows with streams, not records.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from verify.failure import Failure
from verify.record import Record
from verify.schema import INDICATORS
from verify.streams import StreamCheck

BUDGET, GRANTED, CASH = "carefund.budget_cap", "carefund.granted", "carefund.cash_on_hand"
DUTIES, BONUS_CAP, FORM = "carefund.separation_of_duties", "points.bonus_cap", "points.form"


def half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up; requires numerator >= 0 < denominator."""
    return (2 * numerator + denominator) // (2 * denominator)


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
class _Form:
    book: str
    quarter: int
    sums: dict[str, int] = field(default_factory=lambda: dict.fromkeys(INDICATORS, 0))
    scored: int = 0
    overall: int | None = None  # once closed
    fed_entry: int | None = None


@dataclass
class Invariants:
    streams: StreamCheck = field(default_factory=StreamCheck)
    funds: dict[str, _Fund] = field(default_factory=dict)
    applications: dict[str, _Application] = field(default_factory=dict)
    schemes: dict[str, tuple[int, int]] = field(default_factory=dict)  # (bonus cap, form %)
    books: dict[str, tuple[str, int]] = field(default_factory=dict)  # (scheme, bonus cap)
    bonuses: dict[str, int] = field(default_factory=dict)
    forms: dict[str, _Form] = field(default_factory=dict)
    checked: int = 0

    def add(self, record: Record, where: str) -> list[Failure]:
        """Apply one record (well-formed, §4); returns the rules it breaks, with evidence."""
        found = self.streams.add(record, where)
        handler = _HANDLERS.get(record.type)
        if handler is not None:
            self.checked += 1
            found += handler(self, record, where)
        return found

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

    # --- points ---------------------------------------------------------------------------

    def _scheme_opened(self, r: Record, where: str) -> list[Failure]:
        self.schemes[r.stream] = (r.data["bonus_cap_tenths"], r.data["evaluation_form_percent"])
        return []

    def _book_opened(self, r: Record, where: str) -> list[Failure]:
        cap, scheme = r.data["bonus_cap_tenths"], r.data["scheme"]
        self.books[r.stream], self.bonuses[r.stream] = (scheme, cap), 0
        if scheme in self.schemes and cap != self.schemes[scheme][0]:
            message = f"book {r.stream}: bonus_cap_tenths is not its scheme's"
            return [Failure(where, BONUS_CAP, message, str(self.schemes[scheme][0]), str(cap))]
        return []

    def _score(self, r: Record, where: str) -> list[Failure]:
        found = self._form_fed_entry(r, where) if r.data["form"] is not None else []
        if r.data["component"] != "bonus" or r.stream not in self.books:
            return found
        total = self.bonuses[r.stream] = self.bonuses[r.stream] + r.data["points_tenths"]
        cap = self.books[r.stream][1]
        if total > cap:
            message = f"book {r.stream}: bonus total exceeds its cap"
            found.append(Failure(where, BONUS_CAP, message, f"at most {cap}", str(total)))
        return found

    def _form_opened(self, r: Record, where: str) -> list[Failure]:
        self.forms[r.stream] = _Form(r.data["book"], r.data["quarter"])
        return []

    def _form_scored(self, r: Record, where: str) -> list[Failure]:
        if (form := self.forms.get(r.stream)) is None:  # reported by the stream check
            return []
        form.scored += 1
        for indicator, score in r.data["scores"].items():
            form.sums[indicator] += score
        return []

    def _form_closed(self, r: Record, where: str) -> list[Failure]:
        form, d = self.forms.get(r.stream), r.data
        if form is None:
            return []
        n = form.scored
        means = {k: half_up(10 * total, n) for k, total in form.sums.items()} if n else None
        form.overall = half_up(10 * sum(form.sums.values()), 4 * n) if n else None
        computed = {
            "participants": n,
            "indicator_means_tenths": means,
            "overall_tenths": form.overall,
        }
        return [
            Failure(where, FORM, f"form {r.stream}: {member} is not computed from its scores",
                    str(value), str(d[member]))
            for member, value in computed.items()
            if d[member] != value
        ]  # fmt: skip

    def _form_fed_entry(self, r: Record, where: str) -> list[Failure]:
        form, d = self.forms.get(r.data["form"]), r.data
        if form is None or r.stream not in self.books:  # reported by the stream check
            return []
        percent = self.schemes.get(self.books[r.stream][0], (0, 0))[1]
        expected = {
            "form's book": r.stream, "component": "evaluation", "quarter": form.quarter,
            "task": None, "corrects": None, "form fed once": None,
            "points_tenths": None if form.overall is None else half_up(form.overall * percent, 100),
        }  # fmt: skip
        computed = {"form's book": form.book, "form fed once": form.fed_entry} | {
            member: d[member]
            for member in ("component", "quarter", "task", "corrects", "points_tenths")
        }
        form.fed_entry = d["entry"]
        return [
            Failure(where, FORM, f"entry fed by form {d['form']}: {member}",
                    str(expected[member]), str(computed[member]))
            for member in expected
            if expected[member] != computed[member]
        ]  # fmt: skip

    def _form_fed(self, r: Record, where: str) -> list[Failure]:
        form = self.forms.get(r.stream)
        if form is not None and form.fed_entry != r.data["book_entry"]:
            message = f"form {r.stream}: book_entry is not the entry it fed"
            return [Failure(where, FORM, message, str(form.fed_entry), str(r.data["book_entry"]))]
        return []


_HANDLERS = {
    "carefund.FundYearOpened": Invariants._fund_opened,
    "carefund.ContributionReceived": Invariants._money,
    "carefund.GrantCommitted": Invariants._money,
    "carefund.DisbursementBooked": Invariants._money,
    "carefund.RecoveryBooked": Invariants._money,
    "carefund.ApplicationSubmitted": Invariants._submitted,
    "carefund.ApplicationReviewed": Invariants._reviewed,
    "carefund.ApplicationApproved": Invariants._decided,
    "carefund.ApplicationRejected": Invariants._decided,
    "carefund.GrantDisbursed": Invariants._disbursed_case,
    "points.SchemeOpened": Invariants._scheme_opened,
    "points.BookOpened": Invariants._book_opened,
    "points.ScoreEntered": Invariants._score,
    "points.EvaluationFormOpened": Invariants._form_opened,
    "points.EvaluationScored": Invariants._form_scored,
    "points.EvaluationFormClosed": Invariants._form_closed,
    "points.EvaluationFormFed": Invariants._form_fed,
}
