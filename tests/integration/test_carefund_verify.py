"""The verifier's care-fund rules across records added for issue 13 (docs/FORMAT.md §4,
"Rules across records"): ``carefund.priority_first`` and ``carefund.visit_date``.

Each log is hand-built with valid chains and schemas (tests/support/records.py), so only the
rule across records can catch the one record that breaks it; each test fails with the check
removed. The same rules are enforced by the ledger (tests/integration/test_carefund_priority.py)
and over the API (tests/api/test_carefund_priority.py)."""

from __future__ import annotations

from typing import Any

from tests.support.records import Log, sid
from verify.days import zone_named
from verify.failure import Failure
from verify.invariants import Invariants
from verify.record import parse_record

TIERS = {"1": 50_000, "2": 80_000, "3": 150_000}


def failures(log: Log, family: str = "carefund.") -> list[tuple[str, str, str | None, str | None]]:
    rules, found = Invariants(), []
    for number, line in enumerate(log.lines, start=1):
        found += rules.add(parse_record(line), f"records.jsonl line {number}")
    return [(f.where, f.rule, f.expected, f.computed) for f in found if f.rule.startswith(family)]


def rules_broken(log: Log) -> list[Failure]:
    """Every rule the log breaks but the principal rules' (it enrols no one)."""
    rules, found = Invariants(), []
    for number, line in enumerate(log.lines, start=1):
        found += rules.add(parse_record(line), f"records.jsonl line {number}")
    return [f for f in found if not f.rule.startswith("principal.")]


def opened(log: Log, budget: int) -> str:
    fund = log.add("fund", "carefund.FundYearOpened", fund="tongcheng-pioneer-care", year=2023,
                   budget_fen=budget, tiers_fen=TIERS, first_follow_up_days=90,
                   posting_days=30, follow_up_interval_days=90, follow_ups=4)  # fmt: skip
    log.add("fund", "carefund.ContributionReceived", source="trade_union", amount_fen=budget,
            reference="r", donor=None)  # fmt: skip
    return fund


def submitted(log: Log, name: str, fund: str, tier: int, priority: bool) -> str:
    log.add(f"subject-{name}", "subject.Registered", commitment="0" * 64, kind="worker")
    data: dict[str, Any] = {"industry": "food_delivery", "hardship": "illness",
                            "requested_tier": tier, "priority": priority}  # fmt: skip
    app = log.add(name, "carefund.ApplicationSubmitted", fund_year=fund,
                  subject=sid(f"subject-{name}"), **data)  # fmt: skip
    log.add("fund", "carefund.ApplicationQueued", application=app, priority=priority,
            requested_tier=tier)  # fmt: skip
    return app


def approved(log: Log, name: str, app: str, tier: int, on: str = "2023-03-01") -> None:
    log.add(name, "carefund.ApplicationReviewed", decision="approve", reason="")
    log.add("fund", "carefund.GrantCommitted", application=app, tier=tier,
            amount_fen=TIERS[str(tier)])  # fmt: skip
    log.add(name, "carefund.ApplicationApproved", tier=tier, amount_fen=TIERS[str(tier)])


def paid(log: Log, name: str, app: str, on: str) -> None:
    log.add("fund", "carefund.DisbursementBooked", application=app, amount_fen=50_000, at=on)
    log.add(name, "carefund.GrantDisbursed", amount_fen=50_000, reference="TX", at=on,
            disbursed_on=on, follow_up_due="2023-06-08")  # fmt: skip


# --- carefund.priority_first ----------------------------------------------------------------


def priority_log(budget: int, reject_priority: bool = False, priority: bool = True) -> Log:
    """Budget ``budget``: a tier-3 application (``priority``) waits; a tier-2 one without
    priority is granted (line 10 is its GrantCommitted)."""
    log = Log()
    fund = opened(log, budget)
    first = submitted(log, "first", fund, 3, priority)  # lines 3-5
    if reject_priority:
        log.add("first", "carefund.ApplicationReviewed", decision="reject", reason="不符合")
    plain = submitted(log, "plain", fund, 2, False)
    approved(log, "plain", plain, 2)
    assert first
    return log


def test_grant_without_priority_that_eats_a_pending_priority_share_is_caught() -> None:
    log = priority_log(200_000)
    assert failures(log) == [
        ("records.jsonl line 10", "carefund.priority_first", "grants at most 50000 fen",
         "80000 fen"),
    ]  # fmt: skip


def test_grant_without_priority_within_the_free_budget_breaks_no_rule() -> None:
    assert failures(priority_log(230_000)) == []  # 2,300 - 800 >= 1,500


def test_a_rejected_or_non_priority_application_holds_nothing() -> None:
    assert failures(priority_log(200_000, reject_priority=True)) == []
    assert failures(priority_log(200_000, priority=False)) == []


def test_a_priority_grant_is_not_held_back() -> None:
    log = Log()
    fund = opened(log, 200_000)
    one = submitted(log, "one", fund, 3, True)
    submitted(log, "two", fund, 3, True)
    approved(log, "one", one, 3)
    assert rules_broken(log) == []


# --- carefund.visit_date --------------------------------------------------------------------


def visited(at: str, visited_on: str) -> Log:
    log = Log()
    fund = opened(log, 200_000)
    app = submitted(log, "a", fund, 1, False)
    approved(log, "a", app, 1)
    paid(log, "a", app, "2023-03-10")
    log.add("a", "carefund.FollowUpRecorded", at=at, visited_on=visited_on, outcome="stable",
            note_commitment="0" * 64)  # fmt: skip
    return log


def test_visit_dated_after_its_record_is_caught() -> None:
    """Recorded 2023-04-01 08:00 UTC (16:00 in Beijing, the 1st everywhere but UTC+14's
    2023-04-01 22:00): a visit of 2023-04-02 had not happened yet."""
    assert failures(visited("2023-04-01T08:00:00.000000Z", "2023-04-02")) == [
        ("records.jsonl line 11", "carefund.visit_date", "a date 2023-03-10..2023-04-01",
         "2023-04-02"),
    ]  # fmt: skip


def test_visit_before_the_disbursement_is_caught() -> None:
    found = failures(visited("2023-04-01T08:00:00.000000Z", "2023-03-09"))
    assert [(f[1], f[3]) for f in found] == [("carefund.visit_date", "2023-03-09")]


def test_visit_on_the_business_day_of_its_record_breaks_no_rule() -> None:
    """07:00 in Beijing on 2 April is 23:00 UTC on 1 April: the visit of 2 April is today."""
    assert failures(visited("2023-04-01T23:00:00.000000Z", "2023-04-02")) == []
    assert failures(visited("2023-03-10T08:00:00.000000Z", "2023-03-10")) == []


def test_visit_dated_after_the_business_date_of_its_record_is_caught() -> None:
    """The bundle's timezone decides (MANIFEST.json ``timezone``, Invariants' ``zone``):
    recorded 2023-04-01 12:00 UTC, 20:00 in Beijing, a visit of 2 April had not happened yet
    (though it was already 2 April at UTC+14); in Pacific/Kiritimati (UTC+14) it had."""
    log = visited("2023-04-01T12:00:00.000000Z", "2023-04-02")
    assert failures(log) == [
        ("records.jsonl line 11", "carefund.visit_date", "a date 2023-03-10..2023-04-01",
         "2023-04-02"),
    ]  # fmt: skip
    rules, found = Invariants(zone=zone_named("Pacific/Kiritimati")), []
    for number, line in enumerate(log.lines, start=1):
        found += rules.add(parse_record(line), f"records.jsonl line {number}")
    assert [f for f in found if f.rule == "carefund.visit_date"] == []
