"""gongshi-verify on a real exported bundle in which one care-fund or erasure record breaks a
rule across records (docs/FORMAT.md §4 rules 1-5, 20, 21, 37, 38, 40, 42, 43), re-chained and
re-signed by the operator (who holds the log key), so that only the rule can catch it.
One mutation per case, named after the tampering; the clean bundle passes. A command that
writes a record in the fund year and one in the application (rule 42, ``carefund.pair``)
is forged in both where the case is about another rule, as a careful forger would.

The history (one fund year of 200,000 fen, tiers 50,000 / 80,000 / 150,000): ``first``
(priority, tier 2) is granted while ``waiting`` (priority, tier 3) is still pending
("优先考虑": only the budget holds a priority grant); ``second`` (no priority, tier 1) was
granted before ``waiting`` came, within the budget less ``first``'s reserve; the reviewer of
``first`` then moved to the trade union ("个人申请-所属行业党务审核-市总工会审批": four
different hands all the same); ``waiting``'s applicant's erasure is approved while the
application is pending, so held, and completed by the erasure job once the review rejects it
(PIPL art. 47); ``third`` (priority, tier 1) is paid last and visited ("建立定期回访制度");
``rejected`` is turned down by the union after its review; ``first``'s applicant, paid on
1 March, is erased on 10 April, once the posting window (公示期, 30 days) has ended;
``second``'s grant is revoked (违规) and its recovery received.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from ledger.actor import Actor, Role
from ledger.carefund.config import Hardship, Industry
from ledger.carefund.service import CareFund
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.log.checkpoints import sign_checkpoint
from ledger.principal import ERASURE_ACTOR, Principals, Scope
from ledger.settings import Settings
from tests.integration.bundles import (
    DROP,
    ORIGIN,
    Keys,
    export_cosigned,
    forge_one,
    lines,
    no_pinned_policy,  # noqa: F401 (autouse)
    run_json,
)
from tests.integration.helpers import (
    AFTER_POSTING,
    DATA_PROTECTION,
    DATA_PROTECTION_2,
    FINANCE,
    INTAKE,
    IPC,
    UNION,
    YEAR,
    erase,
    funded,
    log_signer,
    revoke,
    subject,
)
from tests.support.principals import ADMIN, enrol
from verify.rules_carefund import PARTNER

IPC_2 = Actor("ipc-02", Role.INDUSTRY_PARTY_COMMITTEE)  # reviews once ipc-01 has moved
BUDGET = 200_000  # fen: 130,000 granted + the 150,000 of a pending priority tier 3 exceed it
TOTAL = 180_000  # fen: granted, and paid, in the whole history


@dataclass
class Made:
    keys: Keys
    bundle: Path
    pinned: Path
    streams: dict[str, str]  # a name of the history above -> its stream id


def _applied(fund: CareFund, tier: int, priority: bool) -> tuple[UUID, UUID]:
    """A new applicant and its application (express delivery, illness): (application, subject)."""
    person = subject(fund.ledger)
    application = fund.submit(
        year=YEAR, subject=person, industry=Industry.EXPRESS_DELIVERY, hardship=Hardship.ILLNESS,
        requested_tier=tier, priority=priority, actor=INTAKE,
    )  # fmt: skip
    return application, person


def _paid(fund: CareFund, application: UUID, tier: int, reviewer: Actor) -> None:
    fund.review(application, True, "", reviewer)
    fund.approve(application, tier, UNION)
    fund.disburse(application, f"TX-{application}", FINANCE)


@pytest.fixture
def made(ledger: Ledger, settings: Settings, clock: SteppingClock, tmp_path: Path) -> Made:
    """The history of the module's docstring, in one signed, cosigned checkpoint; exported."""
    enrol(ledger, IPC_2)
    keys = Keys.fresh(log_signer(settings, ORIGIN))
    fund = funded(ledger, budget_fen=BUDGET)
    first, paid_person = _applied(fund, 2, priority=True)
    second, _ = _applied(fund, 1, priority=False)
    _paid(fund, second, 1, IPC)
    waiting, held = _applied(fund, 3, priority=True)
    fund.review(first, True, "", IPC)
    Principals(ledger).change_role(IPC.principal, Role.TRADE_UNION, Scope(), "调任市总工会", ADMIN)
    fund.approve(first, 2, UNION)
    fund.disburse(first, "TX-first", FINANCE)
    ledger.request_erasure(held, "本人申请删除", DATA_PROTECTION)
    ledger.approve_erasure(held, DATA_PROTECTION_2)  # held: its application is pending
    fund.review(waiting, False, "不符合条件", IPC_2)
    ledger.erase_subject(held, actor=ERASURE_ACTOR)  # what the erasure job does then
    third, _ = _applied(fund, 1, priority=True)
    _paid(fund, third, 1, IPC_2)
    fund.follow_up(third, "2023-03-01", "stable", "回访", INTAKE)
    rejected, _ = _applied(fund, 1, priority=False)
    fund.review(rejected, True, "", IPC_2)
    fund.reject(rejected, "超出帮扶范围", UNION)
    clock.set(AFTER_POSTING)
    erase(ledger, paid_person)
    revoke(fund, second, recover_fen=20_000)
    fund.recover(second, 20_000, "RR-second", FINANCE)
    sign_checkpoint(ledger.log, keys.log, ORIGIN, clock)
    pinned = export_cosigned(ledger, settings, keys, tmp_path / "bundle")
    streams = {"first": first, "second": second, "waiting": waiting, "held": held,
               "rejected": rejected, "paid_person": paid_person}  # fmt: skip
    return Made(keys, tmp_path / "bundle", pinned, {k: str(v) for k, v in streams.items()})


def _check(capsys: pytest.CaptureFixture[str], made: Made) -> tuple[int, set[str]]:
    """The exit code and each failure as "RULE at TYPE" (a record's type, or where else)."""
    code, report = run_json(capsys, "bundle", str(made.bundle), "--policy", str(made.pinned))
    types = [json.loads(line)["type"] for line in lines(made.bundle)]
    at = {f"records.jsonl line {n}": kind for n, kind in enumerate(types, start=1)}
    return code, {f"{f['rule']} at {at.get(f['where'], f['where'])}" for f in report["failures"]}


def test_clean_bundle_passes(made: Made, capsys: pytest.CaptureFixture[str]) -> None:
    assert _check(capsys, made) == (0, set())


def _visited_after_its_record(record: dict[str, Any]) -> None:
    later = date.fromisoformat(record["at"][:10]) + timedelta(days=2)  # after the day anywhere
    record["data"]["visited_on"] = later.isoformat()


def _erased_the_day_after_payment(record: dict[str, Any]) -> None:
    record["at"] = "2023-03-02" + record["at"][10:]  # 17:00 Beijing, in the 30-day 公示期


def _paid_earlier(days: int, due_too: bool) -> Change:
    """The payment's ``disbursed_on`` moved ``days`` back (with ``due_too``, its
    ``follow_up_due`` too, as a careful forger would: the first visit stays 90 days on)."""

    def change(record: dict[str, Any]) -> None:
        for member in ("disbursed_on", "follow_up_due") if due_too else ("disbursed_on",):
            moved = date.fromisoformat(record["data"][member]) - timedelta(days=days)
            record["data"][member] = moved.isoformat()

    return change


def _by_its_reviewer(record: dict[str, Any]) -> None:  # ipc-01, in its new role
    record["actor"] = {"principal": IPC.principal, "role": Role.TRADE_UNION.value}


def _by_its_requester(record: dict[str, Any]) -> None:
    record["actor"] = {"principal": DATA_PROTECTION.principal, "role": "data_protection"}


Change = dict[str, Any] | Callable[[dict[str, Any]], None]
REVOCATION = {"violation": "rules", "reason": "虚报", "recover_fen": 0,
              "discipline_referral": False, "judicial_referral": False,
              "accountable_organisation": "快递行业党委", "responsible": []}  # fmt: skip


def _rejection_as(kind: str, account: str, role: Role, **data: Any) -> dict[str, Any]:
    """The union's rejection replaced by a ``kind`` record of ``account``: the application
    was never paid."""
    return {"type": kind, "actor": {"principal": account, "role": role.value}, "data": data}


GRANT, PAYMENT = "carefund.GrantCommitted", "carefund.DisbursementBooked"
APPROVED, ERASED = "carefund.ApplicationApproved", "subject.Erased"
PAID, RECOVERED = "carefund.GrantDisbursed", "carefund.RecoveryReceived"
QUEUED, PAIR = "carefund.ApplicationQueued", "carefund.pair"
DATES = "carefund.disbursement_dates"


def _case(
    kind: str, change: Change, stream: str | None, *caught: str, id: str, both: bool = False
) -> Any:
    """Change the first ``kind`` record (of the history's ``stream``, if named), and with
    ``both`` its other half (``carefund.pair``) the same way; ``caught``: every failure it
    makes, as "RULE at TYPE" (the type of the record it is reported at)."""
    return pytest.param(kind, change, stream, both, set(caught), id=id)


CASES = [
    _case("carefund.FundYearOpened", {"data.budget_fen": TOTAL - 1}, None,
          f"carefund.budget_cap at {GRANT}", id="budget-lowered-below-the-grants"),
    _case("carefund.ContributionReceived", {"data.amount_fen": TOTAL - 1}, None,
          f"carefund.cash_on_hand at {PAYMENT}", id="money-received-short-of-the-payments"),
    _case(PAYMENT, {"data.amount_fen": 50_001}, None,
          f"carefund.granted at {PAYMENT}", id="disbursement-booked-above-its-grant",
          both=True),
    _case("carefund.ApplicationReviewed", {"data.decision": "reject"}, "second",
          f"carefund.order at {APPROVED}", id="approved-after-a-rejecting-review"),
    _case(APPROVED, _by_its_reviewer, "first", f"carefund.separation_of_duties at {APPROVED}",
          id="approved-by-its-reviewer-after-a-role-change", both=True),
    _case("carefund.ApplicationSubmitted", {"data.priority": False}, "first",
          f"carefund.priority_first at {GRANT}",
          id="priority-struck-from-a-grant-that-took-the-priority-reserve", both=True),
    _case(GRANT, {"data.tier": 4}, None, f"carefund.tier at {GRANT}",
          f"carefund.tier at {APPROVED}", id="grant-committed-at-a-tier-the-year-lacks",
          both=True),
    _case(APPROVED, {"data.amount_fen": 80_000}, "second", f"carefund.tier at {APPROVED}",
          f"{PAIR} at {APPROVED}",  # its grant raised too would break the budget as well
          id="approved-at-another-tiers-amount"),
    _case("carefund.FollowUpRecorded", _visited_after_its_record, None,
          "carefund.visit_date at carefund.FollowUpRecorded",
          id="follow-up-visit-dated-after-its-record"),
    _case("subject.ErasureApproved", _by_its_requester, None,
          "subject.erasure_approval at subject.ErasureApproved",
          f"subject.erasure_approval at {ERASED}",  # its approved_by names another now
          id="erasure-approved-by-its-requester"),
    _case(ERASED, {"data.approved_by": ERASURE_ACTOR.principal}, "held",
          f"subject.erasure_approval at {ERASED}",
          id="held-erasure-naming-the-job-as-its-approver"),
    _case("carefund.ApplicationRejected",
          _rejection_as("carefund.FollowUpRecorded", "intake-01", Role.INTAKE,
                        visited_on="2023-03-01", outcome="stable", note_commitment="0" * 64),
          "rejected", "carefund.order at carefund.FollowUpRecorded",
          id="visit-to-an-application-never-paid"),
    _case("carefund.ApplicationRejected",
          _rejection_as("carefund.GrantRevoked", "supervision-01", Role.SUPERVISION,
                        **REVOCATION),
          "rejected", "carefund.order at carefund.GrantRevoked",
          id="revocation-of-a-grant-never-paid"),
    _case("carefund.ApplicationRejected",
          _rejection_as("carefund.RecoveryReceived", "finance-01", Role.FINANCE,
                        amount_fen=10_000, reference="RR-x"),
          "rejected", "carefund.order at carefund.RecoveryReceived",
          f"{PAIR} at {RECOVERED}",  # and no RecoveryBooked beside it
          id="recovery-on-a-grant-never-revoked"),
    _case("carefund.ApplicationReviewed", {"data.decision": "approve"}, "waiting",
          f"subject.erasure_hold at {ERASED}", id="erased-while-its-application-was-pending"),
    _case(ERASED, _erased_the_day_after_payment, "paid_person",
          f"subject.erasure_hold at {ERASED}", id="erased-during-its-posting-window"),
    _case(PAID, _paid_earlier(30, due_too=True), "second", f"{DATES} at {PAID}",
          id="payment-backdated-30-days-with-its-first-visit"),
    _case(PAID, _paid_earlier(-365, due_too=False), "second", f"{DATES} at {PAID}",
          id="payment-dated-a-year-after-its-record"),
    _case(PAID, {"data.follow_up_due": "2024-03-01"}, "second", f"{DATES} at {PAID}",
          id="first-visit-due-a-year-after-the-payment"),
    _case(APPROVED, {"data.tier": 2, "data.amount_fen": 80_000}, "second",
          f"{PAIR} at {APPROVED}", id="approved-at-tier-2-against-its-grant-of-tier-1"),
    _case(PAID, {"data.amount_fen": 60_000}, "second", f"{PAIR} at {PAID}",
          id="paid-60000-against-a-disbursement-booked-of-50000"),
    _case(RECOVERED, {"data.amount_fen": 15_000}, "second", f"{PAIR} at {RECOVERED}",
          id="recovery-received-other-than-its-booking"),
    _case(QUEUED, {"data.priority": False}, None, f"{PAIR} at {QUEUED}",
          id="queued-without-the-priority-it-was-submitted-with"),
    _case(RECOVERED, DROP, "second", f"{PAIR} at carefund.RecoveryBooked",
          id="recovery-received-dropped-from-the-last-commit"),
]  # fmt: skip


def _other_half(bundle: Path, kind: str, pick: Callable[[dict[str, Any]], bool]) -> Any:
    """Which record is the other half (``carefund.pair``) of the first ``kind`` record that
    ``pick`` accepts: the same application's."""
    record = next(r for r in map(json.loads, lines(bundle)) if r["type"] == kind and pick(r))
    application = record["data"].get("application", record["stream"])
    return lambda r: application in (r["stream"], r["data"].get("application"))


@pytest.mark.parametrize(("kind", "change", "stream", "both", "caught"), CASES)
def test_one_record_breaking_a_rule_is_named(
    made: Made,
    capsys: pytest.CaptureFixture[str],
    kind: str,
    change: Change,
    stream: str | None,
    both: bool,
    caught: set[str],
) -> None:
    """Each tampering is caught by its rule alone: no other rule across records, nor the
    chain, the tree or the signatures (the operator re-signed) reports anything."""

    def pick(record: dict[str, Any]) -> bool:
        return stream is None or record["stream"] == made.streams[stream]

    other = _other_half(made.bundle, kind, pick) if both else None
    forge_one(made.bundle, made.keys, kind, change, pick)
    if other is not None:
        forge_one(made.bundle, made.keys, PARTNER[kind], change, other)
    assert _check(capsys, made) == (1, caught)
