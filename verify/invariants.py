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
  closed form's result is computed from its scores, and the entry it feeds from that result;
  a book's entries are numbered 1, 2, 3, ...; an original entry is positive (0 allowed when
  a form fed it); a correction reverses an earlier entry of the book not yet corrected (as
  ledger/points/book.py ``correct`` writes it); an appraisal's pay is its scheme's percent of
  the base, half up.

Fed one record at a time; state is per stream (and per book entry: three small values), so
memory grows with streams and score entries, not with other records.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from verify.failure import Failure
from verify.record import Record
from verify.schema import INDICATORS
from verify.streams import StreamCheck

BUDGET, GRANTED, CASH = "carefund.budget_cap", "carefund.granted", "carefund.cash_on_hand"
DUTIES, BONUS_CAP, FORM = "carefund.separation_of_duties", "points.bonus_cap", "points.form"
ENTRY, AMOUNT, CORRECTION, PAY = "points.entry", "points.amount", "points.correction", "points.pay"


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
class _Book:
    scheme: str
    cap: int  # bonus_cap_tenths
    bonus: int = 0  # running sum of the bonus entries, corrections with their sign
    entries: list[tuple[str, int, int]] = field(default_factory=list)  # component, quarter, points
    corrected: set[int] = field(default_factory=set)  # entry numbers reversed


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
    schemes: dict[str, Mapping[str, Any]] = field(default_factory=dict)  # SchemeOpened data
    books: dict[str, _Book] = field(default_factory=dict)
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
        self.schemes[r.stream] = r.data
        return []

    def _book_opened(self, r: Record, where: str) -> list[Failure]:
        cap, scheme = r.data["bonus_cap_tenths"], r.data["scheme"]
        self.books[r.stream] = _Book(scheme, cap)
        if scheme in self.schemes and cap != (expected := self.schemes[scheme]["bonus_cap_tenths"]):
            message = f"book {r.stream}: bonus_cap_tenths is not its scheme's"
            return [Failure(where, BONUS_CAP, message, str(expected), str(cap))]
        return []

    def _score(self, r: Record, where: str) -> list[Failure]:
        found = self._form_fed_entry(r, where) if r.data["form"] is not None else []
        if (book := self.books.get(r.stream)) is None:  # reported by the stream check
            return found
        d, number = r.data, len(book.entries) + 1
        if d["entry"] != number:
            message = f"book {r.stream}: entry is not the book's count of entries + 1"
            found.append(Failure(where, ENTRY, message, str(number), str(d["entry"])))
        if d["corrects"] is None:
            least = 0 if d["form"] is not None else 1
            if d["points_tenths"] < least:
                message = f"book {r.stream}: an original entry is positive (0 if a form fed it)"
                found.append(Failure(where, AMOUNT, message, f"at least {least}",
                                     str(d["points_tenths"])))  # fmt: skip
        else:
            found += _correction(book, r, where)
        book.entries.append((d["component"], d["quarter"], d["points_tenths"]))
        if d["component"] == "bonus":
            book.bonus += d["points_tenths"]
            if book.bonus > book.cap:
                message = f"book {r.stream}: bonus total exceeds its cap"
                found.append(Failure(where, BONUS_CAP, message, f"at most {book.cap}",
                                     str(book.bonus)))  # fmt: skip
        return found

    def _appraised(self, r: Record, where: str) -> list[Failure]:
        book, d = self.books.get(r.stream), r.data
        scheme = self.schemes.get(book.scheme) if book is not None else None
        if scheme is None:  # reported by the stream check
            return []
        expected = {
            "pay_percent": scheme["pay_percent"][d["grade"]],
            "adjusted_pay_fen": half_up(d["base_pay_fen"] * d["pay_percent"], 100),
        }
        return [
            Failure(where, PAY, f"book {r.stream} appraised {d['grade']}: {member}",
                    str(value), str(d[member]))
            for member, value in expected.items()
            if d[member] != value
        ]  # fmt: skip

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
        book = self.books.get(r.stream)
        if form is None or book is None:  # reported by the stream check
            return []
        percent = self.schemes.get(book.scheme, {}).get("evaluation_form_percent", 0)
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


def _correction(book: _Book, r: Record, where: str) -> list[Failure]:
    """A correction reverses an earlier entry of its book not yet corrected (a correction is
    an entry too, so it may be corrected once in turn): that entry's component and quarter,
    minus its points, no task (ledger/points/book.py ``correct``)."""
    d, corrects = r.data, r.data["corrects"]
    if not 1 <= corrects <= len(book.entries):
        message = f"book {r.stream}: corrects an entry the book does not have"
        return [Failure(where, CORRECTION, message, f"1..{len(book.entries)}", str(corrects))]
    if corrects in book.corrected:
        message = f"book {r.stream}: entry {corrects} was already corrected"
        return [Failure(where, CORRECTION, message, "an entry not yet corrected", str(corrects))]
    book.corrected.add(corrects)
    component, quarter, points = book.entries[corrects - 1]
    expected = {"component": component, "quarter": quarter, "points_tenths": -points,
                "task": None}  # fmt: skip
    return [
        Failure(where, CORRECTION, f"book {r.stream}: correction of entry {corrects}: {member}",
                str(value), str(d[member]))
        for member, value in expected.items()
        if d[member] != value
    ]  # fmt: skip


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
    "points.Appraised": Invariants._appraised,
    "points.EvaluationFormOpened": Invariants._form_opened,
    "points.EvaluationScored": Invariants._form_scored,
    "points.EvaluationFormClosed": Invariants._form_closed,
    "points.EvaluationFormFed": Invariants._form_fed,
}
