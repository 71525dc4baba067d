"""The public disbursement list (公示): one row per grant paid, with a posting window.

docs/FORMAT.md §8 ``disbursements``. Internal state: each fund year's fund and year, each
application's records so far, each subject's applications (for erasure).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, ClassVar

from projections.base import ERASED_NAME, Handler, Leaf, Projection
from projections.names import mask_name
from projections.rows import ROW, Rows


class Disbursements(Projection):
    """Each application's state (kind ``app``) holds what its row shows, whatever the order
    of its records; the row is rewritten from it whenever it changes (docs/FORMAT.md §8:
    a repeated record's last one gives the value, counts and sums take every one)."""

    name: ClassVar[str] = "disbursements"

    @property
    def window(self) -> int:
        """The list param: the posting window of a row whose fund year is not among the
        leaves (only a log breaking ``stream.reference`` has one)."""
        return self.params["posting_window_days"]

    def fund_opened(self, rows: Rows, leaf: Leaf) -> None:
        d = leaf.data
        rows.put("fund", leaf.stream, {"fund": d["fund"], "year": d["year"],
                                       "posting_days": d["posting_days"]})  # fmt: skip

    def submitted(self, rows: Rows, leaf: Leaf) -> None:
        d = leaf.data
        app = rows.get("app", leaf.stream) or _new_app()
        app |= {"fund_year": d["fund_year"], "subject": d["subject"], "industry": d["industry"],
                "submitted_on": leaf.date}  # fmt: skip
        app["chain"][0] = leaf.role
        person = rows.get("subject", d["subject"]) or {"applications": [], "erased": False}
        person["applications"].append(leaf.stream)
        rows.put("subject", d["subject"], person)
        self._save(rows, leaf.stream, app)

    def _app(self, rows: Rows, leaf: Leaf) -> dict[str, Any]:
        return rows.get("app", leaf.stream) or _new_app()

    def reviewed(self, rows: Rows, leaf: Leaf) -> None:
        app = self._app(rows, leaf)
        app["reviewed_on"], app["chain"][1] = leaf.date, leaf.role
        self._save(rows, leaf.stream, app)

    def approved(self, rows: Rows, leaf: Leaf) -> None:
        app = self._app(rows, leaf)
        app["approved_on"], app["chain"][2], app["tier"] = leaf.date, leaf.role, leaf.data["tier"]
        self._save(rows, leaf.stream, app)

    def disbursed(self, rows: Rows, leaf: Leaf) -> None:
        app, d = self._app(rows, leaf), leaf.data
        app["chain"][3] = leaf.role
        app["grant"] = {"amount_fen": d["amount_fen"], "disbursed_on": d["disbursed_on"],
                        "leaf": leaf.index}  # fmt: skip
        self._save(rows, leaf.stream, app)

    def followed_up(self, rows: Rows, leaf: Leaf) -> None:
        app = self._app(rows, leaf)
        app["follow_ups"] += 1
        self._save(rows, leaf.stream, app)

    def revoked(self, rows: Rows, leaf: Leaf) -> None:
        app = self._app(rows, leaf)
        app["revocation"] = {"violation": leaf.data["violation"],
                             "recover_fen": leaf.data["recover_fen"]}  # fmt: skip
        self._save(rows, leaf.stream, app)

    def recovered(self, rows: Rows, leaf: Leaf) -> None:
        app = self._app(rows, leaf)
        app["recovered_fen"] += leaf.data["amount_fen"]
        self._save(rows, leaf.stream, app)

    def _save(self, rows: Rows, application: str, app: dict[str, Any]) -> None:
        rows.put("app", application, app)
        if app["grant"] is None or app["subject"] is None:
            return
        grant, paid = app["grant"], app["grant"]["disbursed_on"]
        fund = rows.get("fund", app["fund_year"]) or {"fund": None, "year": None}
        window = fund.get("posting_days") or self.window  # the fund year's 公示期
        person = rows.get("subject", app["subject"]) or {"erased": False}
        name = self.name_of(app["subject"], person["erased"])
        revoked = app["revocation"]
        rows.put(ROW, application, {
            "application": application, "fund_year": app["fund_year"], "fund": fund["fund"],
            "year": fund["year"], "masked_name": name if name == ERASED_NAME else mask_name(name),
            "industry": app["industry"], "tier": app["tier"], "amount_fen": grant["amount_fen"],
            "disbursed_on": paid, "submitted_on": app["submitted_on"],
            "reviewed_on": app["reviewed_on"], "approved_on": app["approved_on"],
            "approval_chain": list(app["chain"]), "follow_ups": app["follow_ups"],
            "revocation": revoked and revoked | {"recovered_fen": app["recovered_fen"]},
            "leaf": grant["leaf"], "posted_on": paid,
            "withdrawn_on": (date.fromisoformat(paid) + timedelta(days=window)).isoformat(),
        })  # fmt: skip

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


def _new_app() -> dict[str, Any]:
    """An application before any of its records: every member its row reads."""
    return {
        "fund_year": None, "subject": None, "industry": None, "submitted_on": None,
        "reviewed_on": None, "approved_on": None, "tier": None, "chain": [None] * 4,
        "grant": None, "follow_ups": 0, "revocation": None, "recovered_fen": 0,
    }  # fmt: skip


def in_public_view(row: dict[str, object], today: date) -> bool:
    """Posted on or before ``today`` and not yet withdrawn (posted_on <= today < withdrawn_on)."""
    return str(row["posted_on"]) <= today.isoformat() < str(row["withdrawn_on"])
