"""The public disbursement list (公示): one row per grant paid, with a posting window.

docs/FORMAT.md §8 ``disbursements``. Internal state: each fund year's fund and year, each
application's steps before payment, each subject's applications (for erasure).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import ClassVar

from projections.base import ERASED_NAME, Handler, Leaf, NameLookup, Projection
from projections.names import mask_name
from projections.rows import ROW, Rows

DEFAULT_POSTING_WINDOW_DAYS = 30


class Disbursements(Projection):
    name: ClassVar[str] = "disbursements"
    defaults: ClassVar[dict[str, int]] = {"posting_window_days": DEFAULT_POSTING_WINDOW_DAYS}

    def __init__(self, names: NameLookup, params: Mapping[str, int] | None = None) -> None:
        """Requires posting_window_days >= 1 (a row is in the public view for that many days)."""
        super().__init__(names, params)
        if self.params["posting_window_days"] < 1:
            raise ValueError(f"{self.name}: posting_window_days must be at least 1")

    @property
    def window(self) -> int:
        return self.params["posting_window_days"]

    def fund_opened(self, rows: Rows, leaf: Leaf) -> None:
        rows.put("fund", leaf.stream, {"fund": leaf.data["fund"], "year": leaf.data["year"]})

    def submitted(self, rows: Rows, leaf: Leaf) -> None:
        d = leaf.data
        rows.put("app", leaf.stream, {
            "fund_year": d["fund_year"], "subject": d["subject"], "industry": d["industry"],
            "submitted_on": leaf.date, "chain": [leaf.role, None, None],
        })  # fmt: skip
        person = rows.get("subject", d["subject"]) or {"applications": [], "erased": False}
        person["applications"].append(leaf.stream)
        rows.put("subject", d["subject"], person)

    def _step(self, rows: Rows, leaf: Leaf, when: str, slot: int) -> None:
        app = rows.get("app", leaf.stream)
        if app is not None:
            app[when] = leaf.date
            app["chain"][slot] = leaf.role
            if leaf.type == "carefund.ApplicationApproved":
                app["tier"] = leaf.data["tier"]
            rows.put("app", leaf.stream, app)

    def reviewed(self, rows: Rows, leaf: Leaf) -> None:
        self._step(rows, leaf, "reviewed_on", 1)

    def approved(self, rows: Rows, leaf: Leaf) -> None:
        self._step(rows, leaf, "approved_on", 2)

    def disbursed(self, rows: Rows, leaf: Leaf) -> None:
        app = rows.get("app", leaf.stream)
        if app is None:
            return
        fund = rows.get("fund", app["fund_year"]) or {"fund": None, "year": None}
        person = rows.get("subject", app["subject"]) or {"erased": False}
        name = self.name_of(app["subject"], person["erased"])
        paid = leaf.data["disbursed_on"]
        rows.put(ROW, leaf.stream, {
            "application": leaf.stream, "fund_year": app["fund_year"], "fund": fund["fund"],
            "year": fund["year"], "masked_name": name if name == ERASED_NAME else mask_name(name),
            "industry": app["industry"], "tier": app.get("tier"),
            "amount_fen": leaf.data["amount_fen"], "disbursed_on": paid,
            "submitted_on": app["submitted_on"], "reviewed_on": app.get("reviewed_on"),
            "approved_on": app.get("approved_on"), "approval_chain": [*app["chain"], leaf.role],
            "follow_ups": 0, "revocation": None, "leaf": leaf.index, "posted_on": paid,
            "withdrawn_on": (date.fromisoformat(paid) + timedelta(days=self.window)).isoformat(),
        })  # fmt: skip

    def followed_up(self, rows: Rows, leaf: Leaf) -> None:
        row = rows.get(ROW, leaf.stream)
        if row is not None:
            row["follow_ups"] += 1
            rows.put(ROW, leaf.stream, row)

    def revoked(self, rows: Rows, leaf: Leaf) -> None:
        row = rows.get(ROW, leaf.stream)
        if row is not None:
            row["revocation"] = {
                "violation": leaf.data["violation"],
                "recover_fen": leaf.data["recover_fen"],
                "recovered_fen": 0,
            }
            rows.put(ROW, leaf.stream, row)

    def recovered(self, rows: Rows, leaf: Leaf) -> None:
        row = rows.get(ROW, leaf.stream)
        if row is not None and row["revocation"] is not None:
            row["revocation"]["recovered_fen"] += leaf.data["amount_fen"]
            rows.put(ROW, leaf.stream, row)

    def erased(self, rows: Rows, leaf: Leaf) -> None:
        person = rows.get("subject", leaf.stream)
        if person is None:
            return
        person["erased"] = True
        rows.put("subject", leaf.stream, person)
        for application in person["applications"]:
            row = rows.get(ROW, application)
            if row is not None:
                row["masked_name"] = ERASED_NAME
                rows.put(ROW, application, row)

    handlers: ClassVar[dict[str, Handler]] = {
        "carefund.FundYearOpened": fund_opened,
        "carefund.ApplicationSubmitted": submitted,
        "carefund.ApplicationReviewed": reviewed,
        "carefund.ApplicationApproved": approved,
        "carefund.GrantDisbursed": disbursed,
        "carefund.FollowUpRecorded": followed_up,
        "carefund.GrantRevoked": revoked,
        "carefund.RecoveryReceived": recovered,
        "subject.Erased": erased,
    }


def in_public_view(row: dict[str, object], today: date) -> bool:
    """Posted on or before ``today`` and not yet withdrawn (posted_on <= today < withdrawn_on)."""
    return str(row["posted_on"]) <= today.isoformat() < str(row["withdrawn_on"])
