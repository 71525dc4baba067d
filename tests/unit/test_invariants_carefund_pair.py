"""carefund.pair (verify/rules_carefund.py, docs/FORMAT.md §4 rule 42): a care-fund command
that changes an application and its fund year writes one record in each, in one commit, and
the two agree. Each mutation is a well-formed, chained record list in which one record breaks
the pair; each test fails with its check removed (the comparison, the unpaired half, the end
of the log)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.support.records import Log, sid
from tests.unit.test_invariants import APPLICATION, funded, registered
from verify.invariants import Invariants
from verify.record import parse_record
from verify.rules_carefund import PAIR

SUBMITTED, QUEUED = "carefund.ApplicationSubmitted", "carefund.ApplicationQueued"
GRANT, APPROVED = "carefund.GrantCommitted", "carefund.ApplicationApproved"
BOOKED, PAID = "carefund.DisbursementBooked", "carefund.GrantDisbursed"
RECOVERY_BOOKED, RECOVERED = "carefund.RecoveryBooked", "carefund.RecoveryReceived"
EVERY_PAIR = (QUEUED, APPROVED, PAID, RECOVERED)  # the pairs' second records
REVOCATION = {"violation": "rules", "reason": "虚报", "recover_fen": 30_000,
              "discipline_referral": False, "judicial_referral": False,
              "accountable_organisation": "快递行业党委", "responsible": []}  # fmt: skip


def history(
    changes: dict[str, dict[str, Any]] | None = None, drop: str = "", app_first: bool = False
) -> Log:
    """One application through every pair, each pair in the domain's order (the submission
    first, the fund year's record first otherwise; ``app_first``: the application's record
    first in every pair). ``changes``: per record type, members replaced (data members, or
    ``at`` and ``principal``); ``drop``: a record type left out."""
    log = Log()
    fund = funded(log)
    registered(log, "subject-a")
    app = sid("a")
    pairs: list[tuple[tuple[str, str, dict[str, Any]], ...]] = [
        (("a", SUBMITTED, {"fund_year": fund, "subject": sid("subject-a"), **APPLICATION}),
         ("fund", QUEUED, {"application": app, "priority": False, "requested_tier": 1})),
        (("a", "carefund.ApplicationReviewed", {"decision": "approve", "reason": ""}),),
        (("fund", GRANT, {"application": app, "tier": 1, "amount_fen": 100_000}),
         ("a", APPROVED, {"tier": 1, "amount_fen": 100_000})),
        (("fund", BOOKED, {"application": app, "amount_fen": 100_000}),
         ("a", PAID, {"amount_fen": 100_000, "reference": "TX", "disbursed_on": "2023-03-01",
                      "follow_up_due": "2023-03-31"})),
        (("a", "carefund.GrantRevoked", REVOCATION),),
        (("fund", RECOVERY_BOOKED, {"application": app, "amount_fen": 30_000}),
         ("a", RECOVERED, {"amount_fen": 30_000, "reference": "RR"})),
    ]  # fmt: skip
    for pair in pairs:
        if app_first and len(pair) == 2 and pair[0][0] == "fund":
            pair = pair[::-1]
        for name, kind, data in pair:
            if kind != drop:
                log.add(name, kind, **(data | (changes or {}).get(kind, {})))
    return log


def broken(log: Log) -> list[tuple[str, str, str, str]]:
    """Every failure of the log but the principal rules' (it enrols no one), at the end too,
    as (rule, the type of the record it is reported at, expected, found)."""
    rules, found, types = Invariants(), [], {}
    for number, line in enumerate(log.lines, start=1):
        record = parse_record(line)
        types[f"line {number}"] = record.type
        found += rules.add(record, f"line {number}")
    found += rules.end()
    return [(f.rule, types[f.where], f.expected or "", f.computed or "") for f in found
            if not f.rule.startswith("principal.")]  # fmt: skip


def pair_failures(log: Log) -> list[tuple[str, str, str, str]]:
    return [failure for failure in broken(log) if failure[0] == PAIR]


@pytest.mark.parametrize("app_first", [False, True], ids=["domains-order", "application-first"])
def test_the_domains_pairs_break_no_rule(app_first: bool) -> None:
    """The domain writes both records of a pair from one command's values, one commit; either
    record may come first."""
    assert broken(history(app_first=app_first)) == []


@pytest.mark.parametrize(
    ("kind", "members", "at", "differ"),
    [
        (QUEUED, {"priority": True}, QUEUED, ["priority"]),
        (QUEUED, {"requested_tier": 2}, QUEUED, ["requested_tier"]),
        (QUEUED, {"application": sid("b")}, QUEUED, ["application"]),
        (SUBMITTED, {"fund_year": sid("fund-2024")}, EVERY_PAIR, ["fund_year"]),
        (APPROVED, {"tier": 2, "amount_fen": 200_000}, APPROVED, ["tier", "amount_fen"]),
        (GRANT, {"at": "2023-03-02"}, APPROVED, ["at"]),
        (PAID, {"amount_fen": 120_000}, PAID, ["amount_fen"]),
        (BOOKED, {"principal": "finance-02"}, PAID, ["actor"]),
        (RECOVERED, {"amount_fen": 20_000}, RECOVERED, ["amount_fen"]),
    ],
    ids=[
        "queued-with-priority-it-was-not-submitted-with",
        "queued-for-another-tier-than-requested",
        "queued-naming-another-application",
        "submitted-to-another-fund-year-than-queued-in",
        "approved-at-tier-2-against-a-grant-of-tier-1",
        "grant-committed-at-another-moment-than-its-approval",
        "paid-more-than-the-disbursement-booked",
        "disbursement-booked-by-another-payer",
        "recovery-received-other-than-booked",
    ],
)
def test_a_pair_that_disagrees_is_caught(
    kind: str, members: dict[str, Any], at: str | tuple[str, ...], differ: list[str]
) -> None:
    """Reported once, at the pair's second record, with both records' values of the members
    they disagree on (the fund year's record's as expected), the changed values among them.
    An application submitted to another fund year disagrees with every record of its own."""
    failures = pair_failures(history({kind: members}))
    assert [(rule, where) for rule, where, _, _ in failures] == [
        (PAIR, second) for second in ((at,) if isinstance(at, str) else at)
    ]
    _, _, expected, found = failures[0]
    for text in (expected, found):
        assert re.findall(r"(?:: |, )([a-z_]+) ", text) == differ, text
    for value in members.values():
        assert str(value) in expected + found or json.dumps(value) in expected + found


@pytest.mark.parametrize(
    ("dropped", "at", "instead"),
    [
        (QUEUED, SUBMITTED, "next: carefund.ApplicationReviewed"),
        (APPROVED, GRANT, f"next: {BOOKED}"),
        (GRANT, APPROVED, f"next: {BOOKED}"),
        (PAID, BOOKED, "next: carefund.GrantRevoked"),
        (BOOKED, PAID, "next: carefund.GrantRevoked"),
        (RECOVERY_BOOKED, RECOVERED, "the end of the bundle"),
        (RECOVERED, RECOVERY_BOOKED, "the end of the bundle"),
    ],
    ids=[
        "submission-without-its-queueing",
        "grant-committed-without-its-approval",
        "approval-without-its-grant",
        "disbursement-booked-without-its-payment",
        "payment-without-its-disbursement-booked",
        "recovery-received-without-its-booking",
        "recovery-booked-last-without-its-receipt",
    ],
)
def test_a_record_without_its_other_half_is_caught(dropped: str, at: str, instead: str) -> None:
    """The half left is reported, with what is next to it instead (the last record of the
    log: the end of the bundle). (A submission can't be dropped: its stream begins with it.)"""
    ((rule, where, _, found),) = pair_failures(history(drop=dropped))
    assert (rule, where) == (PAIR, at) and found.startswith(instead), found
