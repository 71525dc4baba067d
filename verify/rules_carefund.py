"""Care-fund rules across records (docs/FORMAT.md §4 "Rules across records": 1-5, and
``carefund.priority_first``, ``carefund.visit_date``, ``carefund.tier``, ``carefund.pair``,
``carefund.disbursement_dates`` further down the list).

- per fund year, as running totals: approved grants (``GrantCommitted``) never exceed the
  budget; disbursements (``DisbursementBooked``) never exceed the grants, nor the money
  received (``ContributionReceived``) plus recovered (``RecoveryBooked``);
- per application: submitted, reviewed (approve), approved, disbursed, in that order; a
  rejecting review or a rejection ends it; follow-ups only once disbursed (or revoked), a
  revocation of a disbursed grant, recoveries of a revoked one (the domain's own order); the
  reviewer does not decide the approval or rejection, and the approver does not disburse;
- priority (优先考虑): a grant to an application without priority leaves, of the budget, at
  least the requested tiers' amounts of the fund year's undecided priority applications;
- a follow-up visit is dated from the disbursement to the day it is recorded ("建立定期回访制度");
- a payment's derived dates (``carefund.disbursement_dates``): ``disbursed_on`` is the
  business date of its record's ``at`` (the domain takes no other: ledger/carefund/
  application.py ``disburse``), ``follow_up_due`` that plus the fund year's
  ``first_follow_up_days`` (a backdated payment would leave the 公示 list early and let visits
  be backdated);
- a grant's amount is its tier's amount in the fund year's ``tiers_fen`` (``carefund.tier``);
- the fund year's record of a command and the application's agree, in one commit
  (``carefund.pair``, ``CareFundRules.every``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta, tzinfo
from typing import Any

from verify.days import DEFAULT_TIMEZONE, business_day, zone_named
from verify.failure import Failure, Handler
from verify.record import Record

BUDGET, GRANTED, CASH = "carefund.budget_cap", "carefund.granted", "carefund.cash_on_hand"
DUTIES, ORDER = "carefund.separation_of_duties", "carefund.order"
PRIORITY, VISIT = "carefund.priority_first", "carefund.visit_date"
TIER, PAIR = "carefund.tier", "carefund.pair"
DATES = "carefund.disbursement_dates"

# A command that changes both an application and its fund year writes one record in each, in
# one commit: (the fund year's type, the application's type, the data members both carry).
PAIRS = (
    ("carefund.ApplicationQueued", "carefund.ApplicationSubmitted", ("priority", "requested_tier")),
    ("carefund.GrantCommitted", "carefund.ApplicationApproved", ("tier", "amount_fen")),
    ("carefund.DisbursementBooked", "carefund.GrantDisbursed", ("amount_fen",)),
    ("carefund.RecoveryBooked", "carefund.RecoveryReceived", ("amount_fen",)),
)
PARTNER = {a: b for fund, app, _ in PAIRS for a, b in ((fund, app), (app, fund))}
SHARED = {kind: members for fund, app, members in PAIRS for kind in (fund, app)}
FUND_SIDE = frozenset(fund for fund, _, _ in PAIRS)


@dataclass
class _Fund:
    budget: int
    tiers: dict[str, int] = field(default_factory=dict)
    first_follow_up_days: int = 0
    granted: int = 0
    disbursed: int = 0
    cash_in: int = 0  # received + recovered


@dataclass
class _Application:
    stage: str = "submitted"
    submitter: str = ""
    reviewer: str = ""
    approver: str = ""
    fund_year: str = ""
    priority: bool = False
    requested_tier: int = 0
    disbursed_on: str = ""

    @property
    def pending(self) -> bool:
        return self.stage in ("submitted", "reviewed")


@dataclass
class CareFundRules:
    # the business timezone (Invariants gives it the bundle's MANIFEST.json ``timezone``)
    zone: tzinfo = field(default_factory=lambda: zone_named(DEFAULT_TIMEZONE))
    funds: dict[str, _Fund] = field(default_factory=dict)
    applications: dict[str, _Application] = field(default_factory=dict)
    half: tuple[Record, str] | None = None  # a pair's first record and its where

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
            "carefund.FollowUpRecorded": self._visited,
            "carefund.GrantRevoked": self._revoked,
            "carefund.RecoveryReceived": self._recovered,
        }

    # --- care fund: the two records of one command ---------------------------------------

    def every(self, r: Record, where: str) -> list[Failure]:
        """Before the handlers, on every record: the records of a pair (``PAIRS``) are next to
        each other in the log, in either order (one commit), and agree on everything both
        record: ``actor``, ``at``, the application (the fund year's ``application``, the
        application's stream), the fund year (its stream, the application's ``fund_year``)
        and the shared data members ("坚持把监督贯穿先锋基金发放的全过程": the fund's books
        and the application's file tell one story). The domain writes both halves from one
        command's values (ledger/carefund/service.py: one actor, one moment, the amount the
        fund committed), so its records agree by construction; a forged half is caught."""
        found: list[Failure] = []
        if self.half is not None:
            (half, half_where), self.half = self.half, None
            if r.type == PARTNER[half.type]:
                return self._disagreement(half, r, where)
            found.append(self._unpaired(half, half_where, f"next: {r.type} {r.stream}"))
        if r.type in PARTNER:
            self.half = (r, where)
        return found

    def end(self) -> list[Failure]:
        """After the last record: a pair's first record is not the bundle's last."""
        if self.half is None:
            return []
        (half, where), self.half = self.half, None
        return [self._unpaired(half, where, "the end of the bundle")]

    def _shared(self, r: Record) -> dict[str, Any]:
        """What both records of ``r``'s pair state, as ``r`` states it."""
        if r.type in FUND_SIDE:
            application, fund_year = r.data["application"], r.stream
        elif "fund_year" in r.data:  # the submission
            application, fund_year = r.stream, r.data["fund_year"]
        else:
            application = r.stream
            fund_year = self.applications.get(r.stream, _Application()).fund_year
        head = {"actor": f"{r.role} {r.principal}", "at": r.at, "application": application,
                "fund_year": fund_year}  # fmt: skip
        return head | {member: r.data[member] for member in SHARED[r.type]}

    def _disagreement(self, first: Record, second: Record, where: str) -> list[Failure]:
        fund, app = (first, second) if first.type in FUND_SIDE else (second, first)
        said, filed = self._shared(fund), self._shared(app)
        differ = [member for member in said if said[member] != filed[member]]
        if not differ:
            return []

        def stated(record: Record, values: dict[str, Any]) -> str:
            shown = ", ".join(f"{m} {json.dumps(values[m], ensure_ascii=False)}" for m in differ)
            return f"{record.type}: {shown}"

        message = f"application {app.stream}: {app.type} and its {fund.type} disagree"
        return [Failure(where, PAIR, message, stated(fund, said), stated(app, filed))]

    def _unpaired(self, half: Record, where: str, instead: str) -> Failure:
        application = self._shared(half)["application"]
        message = f"application {application}: {half.type} without its {PARTNER[half.type]}"
        expected = f"{PARTNER[half.type]} of {application} next to it (one commit)"
        return Failure(where, PAIR, message, expected, instead)

    # --- care fund: money per fund year ---------------------------------------------------

    def _fund_opened(self, r: Record, where: str) -> list[Failure]:
        d = r.data
        first_visit = d["first_follow_up_days"]
        self.funds[r.stream] = _Fund(d["budget_fen"], dict(d["tiers_fen"]), first_visit)
        return []

    def _money(self, r: Record, where: str) -> list[Failure]:
        fund, amount = self.funds.get(r.stream), r.data["amount_fen"]
        if fund is None:  # reported by the stream check
            return []
        limits: list[tuple[int, int, str, str, str]] = []
        found: list[Failure] = []
        if r.type == "carefund.GrantCommitted":
            fund.granted += amount
            limits.append((fund.granted, fund.budget, BUDGET, "approved grants", "the budget"))
            found = _tier(fund, r, where) + self._priority_first(r, where, fund)
        elif r.type == "carefund.DisbursementBooked":
            fund.disbursed += amount
            limits.append((fund.disbursed, fund.granted, GRANTED, "disbursements", "the grants"))
            limits.append((fund.disbursed, fund.cash_in, CASH, "disbursements", "the money in"))
        else:  # ContributionReceived, RecoveryBooked: the money in
            fund.cash_in += amount
        return found + [
            Failure(where, rule, f"fund year {r.stream}: {what} total exceeds {bound}",
                    f"at most {limit} fen", f"{total} fen")
            for total, limit, rule, what, bound in limits
            if total > limit
        ]  # fmt: skip

    def _priority_first(self, r: Record, where: str, fund: _Fund) -> list[Failure]:
        """After a grant (already added to ``fund.granted``) to an application without
        priority, the budget left covers the requested tiers of the fund year's priority
        applications still undecided (the granted one aside)."""
        granted = self.applications.get(r.data["application"])
        if granted is None or granted.priority:
            return []
        held = sorted(
            (key, fund.tiers.get(str(app.requested_tier), 0))
            for key, app in self.applications.items()
            if app.fund_year == r.stream and app.priority and app.pending
            and key != r.data["application"]
        )  # fmt: skip
        reserved = sum(amount for _, amount in held)
        if fund.granted + reserved <= fund.budget:
            return []
        message = (
            f"fund year {r.stream}: grant to {r.data['application']} (no priority) leaves less "
            f"than the {reserved} fen requested by pending priority applications "
            f"{', '.join(key for key, _ in held)}"
        )
        return [Failure(where, PRIORITY, message, f"grants at most {fund.budget - reserved} fen",
                        f"{fund.granted} fen")]  # fmt: skip

    # --- care fund: the steps of an application -----------------------------------------

    def _submitted(self, r: Record, where: str) -> list[Failure]:
        d = r.data
        self.applications[r.stream] = _Application(
            fund_year=d["fund_year"], priority=d["priority"], requested_tier=d["requested_tier"],
            submitter=r.principal,
        )  # fmt: skip
        return []

    def _step(
        self, r: Record, where: str, needs: str, becomes: str | None = None
    ) -> tuple[_Application, list[Failure]]:
        """``r`` needs the application at stage ``needs`` (stages separated by "|": one of
        them) and takes it to ``becomes`` (None: it stays)."""
        app = self.applications.setdefault(r.stream, _Application(stage="unknown"))
        found = []
        if app.stage not in needs.split("|"):
            message = f"application {r.stream}: {r.type} out of order"
            expected = f"stage {needs.replace('|', ' or ')}"
            found.append(Failure(where, ORDER, message, expected, app.stage))
        app.stage = becomes or app.stage
        return app, found

    def _reviewed(self, r: Record, where: str) -> list[Failure]:
        approve = r.data["decision"] == "approve"
        app, found = self._step(r, where, "submitted", "reviewed" if approve else "rejected")
        found += _other_hands(app, r, where, "reviewed", 1)
        app.reviewer = r.principal
        return found

    def _decided(self, r: Record, where: str) -> list[Failure]:
        approved = r.type == "carefund.ApplicationApproved"
        app, found = self._step(r, where, "reviewed", "approved" if approved else "rejected")
        found += _other_hands(app, r, where, "approved" if approved else "rejected", 2)
        app.approver = r.principal
        if approved and (fund := self.funds.get(app.fund_year)) is not None:
            found += _tier(fund, r, where)
        return found

    def _visited(self, r: Record, where: str) -> list[Failure]:
        """A visit follows the disbursement (``carefund.order``: "建立定期回访制度" for a grant
        paid), dated no earlier than the application's (last) disbursement and no later than
        the business date of its record's ``at`` (verify/days.py)."""
        app, found = self._step(r, where, "disbursed|revoked")
        visited = r.data["visited_on"]
        latest = business_day(r.at, self.zone)
        earliest = app.disbursed_on
        if earliest <= visited <= latest:
            return found
        message = f"application {r.stream}: follow-up visit dated outside its disbursement..record"
        expected = f"a date {earliest or '(disbursed)'}..{latest}"
        return [*found, Failure(where, VISIT, message, expected, visited)]

    def _revoked(self, r: Record, where: str) -> list[Failure]:
        """A grant is revoked (违规、违纪、违法) once paid, and once."""
        return self._step(r, where, "disbursed", "revoked")[1]

    def _recovered(self, r: Record, where: str) -> list[Failure]:
        """Money is recovered on a revoked grant."""
        return self._step(r, where, "revoked")[1]

    def _disbursed_case(self, r: Record, where: str) -> list[Failure]:
        app, found = self._step(r, where, "approved", "disbursed")
        app.disbursed_on = r.data["disbursed_on"]
        return found + _other_hands(app, r, where, "disbursed", 3) + self._dates(app, r, where)

    def _dates(self, app: _Application, r: Record, where: str) -> list[Failure]:
        """``disbursed_on`` is the business date of ``at``; ``follow_up_due`` is it plus the
        fund year's ``first_follow_up_days`` ("建立定期回访制度": the first visit's due date)."""
        paid, fund = business_day(r.at, self.zone), self.funds.get(app.fund_year)
        derived = {"disbursed_on": paid}
        if fund is not None:  # an unknown fund year is reported by the stream check
            due = date.fromisoformat(paid) + timedelta(days=fund.first_follow_up_days)
            derived["follow_up_due"] = due.isoformat()
        stated = {k: r.data[k] for k in derived}
        wrong = [k for k in derived if stated[k] != derived[k]]
        if not wrong:
            return []
        message = f"application {r.stream}: {r.type} {' and '.join(wrong)} not as derived"
        show = ", ".join
        return [Failure(where, DATES, message, show(f"{k} {derived[k]}" for k in wrong),
                        show(f"{k} {stated[k]}" for k in wrong))]  # fmt: skip


def _tier(fund: _Fund, r: Record, where: str) -> list[Failure]:
    """A grant (``GrantCommitted``, ``ApplicationApproved``) is of a tier the fund year
    recorded, for that tier's amount ("分三个档次设立帮扶资金": the year's ``tiers_fen``)."""
    tier, amount = str(r.data["tier"]), r.data["amount_fen"]
    if fund.tiers.get(tier) == amount:
        return []
    expected = (
        f"{fund.tiers[tier]} fen" if tier in fund.tiers else f"a tier of {sorted(fund.tiers)}"
    )
    message = f"{r.stream}: {r.type} of tier {tier} for {amount} fen"
    return [Failure(where, TIER, message, expected, f"tier {tier}, {amount} fen")]


def _other_hands(app: _Application, r: Record, where: str, did: str, earlier: int) -> list[Failure]:
    """Submitter, reviewer, approver (or rejecter) and payer are four different principals:
    ``r``'s principal took none of the ``earlier`` steps before it, in whatever role it held
    (a second decision is an order failure, not this one)."""
    steps = (("submitter", app.submitter), ("reviewer", app.reviewer), ("approver", app.approver))
    for step, who in steps[:earlier]:
        if who and r.principal == who:
            message = f"application {r.stream} {did} by its {step} {r.principal}"
            return [Failure(where, DUTIES, message, "another principal", r.principal)]
    return []
