"""The fund's ledger: per fund year the budget, money in and out, tiers, industries, months
and the follow-ups still pending (docs/FORMAT.md §8 ``fund-ledger``)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, ClassVar

from projections.base import Handler, Leaf, Projection
from projections.rows import ROW, Document, Rows

MONTH = {"disbursed_fen": 0, "disbursements": 0, "received_fen": 0, "recovered_fen": 0}


def _add(bucket: dict[str, Any], key: str, amount: int) -> None:
    entry = bucket.setdefault(key, {"amount_fen": 0, "count": 0})
    entry["amount_fen"] += amount
    entry["count"] += 1


class FundLedger(Projection):
    name: ClassVar[str] = "fund-ledger"

    def _fund(self, rows: Rows, fund_year: str) -> Document | None:
        return rows.get(ROW, fund_year)

    def _save(self, rows: Rows, row: Document) -> None:
        row["remaining_budget_fen"] = row["budget_fen"] - row["granted_fen"]
        row["cash_on_hand_fen"] = row["received_fen"] - row["disbursed_fen"] + row["recovered_fen"]
        rows.put(ROW, row["fund_year"], row)

    def _month(self, row: Document, month: str) -> dict[str, int]:
        months: dict[str, dict[str, int]] = row["monthly"]
        return months.setdefault(month, dict(MONTH))

    def opened(self, rows: Rows, leaf: Leaf) -> None:
        d = leaf.data
        self._save(rows, {
            "fund_year": leaf.stream, "fund": d["fund"], "year": d["year"],
            "budget_fen": d["budget_fen"], "received_fen": 0, "received_by_source": {},
            "granted_fen": 0, "disbursed_fen": 0, "recovered_fen": 0, "by_tier": {},
            "by_industry": {}, "monthly": {}, "pending_follow_ups": [],
        })  # fmt: skip
        schedule = {"interval": d["follow_up_interval_days"], "visits": d["follow_ups"]}
        rows.put("schedule", leaf.stream, schedule)

    def _money(self, rows: Rows, leaf: Leaf, total: str, month: str | None = None) -> None:
        row = self._fund(rows, leaf.stream)
        if row is None:
            return
        amount = leaf.data["amount_fen"]
        row[total] += amount
        if total == "received_fen":
            by_source = row["received_by_source"]
            by_source[leaf.data["source"]] = by_source.get(leaf.data["source"], 0) + amount
        if month is not None:
            self._month(row, leaf.date[:7])[month] += amount
        self._save(rows, row)

    def received(self, rows: Rows, leaf: Leaf) -> None:
        self._money(rows, leaf, "received_fen", "received_fen")

    def granted(self, rows: Rows, leaf: Leaf) -> None:
        self._money(rows, leaf, "granted_fen")

    def booked(self, rows: Rows, leaf: Leaf) -> None:
        self._money(rows, leaf, "disbursed_fen")

    def recovery_booked(self, rows: Rows, leaf: Leaf) -> None:
        self._money(rows, leaf, "recovered_fen", "recovered_fen")

    def submitted(self, rows: Rows, leaf: Leaf) -> None:
        d = leaf.data
        rows.put("app", leaf.stream, {"fund_year": d["fund_year"], "industry": d["industry"]})

    def approved(self, rows: Rows, leaf: Leaf) -> None:
        app = rows.get("app", leaf.stream)
        if app is not None:
            app["tier"] = leaf.data["tier"]
            rows.put("app", leaf.stream, app)

    def disbursed(self, rows: Rows, leaf: Leaf) -> None:
        app = rows.get("app", leaf.stream)
        row = self._fund(rows, app["fund_year"]) if app is not None else None
        if app is None or row is None:
            return
        amount = leaf.data["amount_fen"]
        tier = app.get("tier")
        _add(row["by_tier"], "null" if tier is None else str(tier), amount)
        _add(row["by_industry"], app["industry"], amount)
        month = self._month(row, leaf.data["disbursed_on"][:7])
        month["disbursed_fen"] += amount
        month["disbursements"] += 1
        app["due"] = leaf.data["follow_up_due"]  # the last disbursement's
        rows.put("app", leaf.stream, app)
        self._pending(rows, row, leaf.stream, app)

    def visited(self, rows: Rows, leaf: Leaf) -> None:
        """A follow-up visit: it settles the next visit due on the fund year's schedule,
        whenever the disbursement comes."""
        self._settle(rows, leaf, "visits")

    def revoked(self, rows: Rows, leaf: Leaf) -> None:
        """A revocation: the application waits for no visit any more."""
        self._settle(rows, leaf, "revoked")

    def _settle(self, rows: Rows, leaf: Leaf, what: str) -> None:
        app = rows.get("app", leaf.stream)
        row = self._fund(rows, app["fund_year"]) if app is not None else None
        if app is None or row is None:
            return
        app[what] = app.get(what, 0) + 1
        rows.put("app", leaf.stream, app)
        self._pending(rows, row, leaf.stream, app)

    def _pending(self, rows: Rows, row: Document, application: str, app: Document) -> None:
        """Put ``application`` in the fund year's pending follow-ups with its next visit's
        due date (the first due + visits made x the fund year's interval), or take it out
        when revoked or every scheduled visit is made."""
        pending = [p for p in row["pending_follow_ups"] if p["application"] != application]
        schedule = rows.get("schedule", row["fund_year"]) or {"interval": 0, "visits": 1}
        visits = app.get("visits", 0)
        if app.get("due") is not None and not app.get("revoked") and visits < schedule["visits"]:
            step = timedelta(days=visits * schedule["interval"])
            due = (date.fromisoformat(app["due"]) + step).isoformat()
            pending.append({"application": application, "due": due})
            pending.sort(key=lambda p: (p["due"], p["application"]))
        row["pending_follow_ups"] = pending
        self._save(rows, row)

    handlers: ClassVar[dict[str, Handler]] = {
        "carefund.FundYearOpened": opened,
        "carefund.ContributionReceived": received,
        "carefund.GrantCommitted": granted,
        "carefund.DisbursementBooked": booked,
        "carefund.RecoveryBooked": recovery_booked,
        "carefund.ApplicationSubmitted": submitted,
        "carefund.ApplicationApproved": approved,
        "carefund.GrantDisbursed": disbursed,
        "carefund.FollowUpRecorded": visited,
        "carefund.GrantRevoked": revoked,
    }
