"""The dates a record derives from its ``at``, on the business date of the bundle's timezone
(docs/FORMAT.md §2, §4 rules 38, 43, 44; verify/days.py): 23:30 UTC on 1 March is 2 March in
Asia/Shanghai. A rule whose owner never receives the MANIFEST's ``timezone`` from
``Invariants`` would judge every bundle in the default zone; each case here passes in one zone
and fails in the other."""

from __future__ import annotations

from datetime import tzinfo
from zoneinfo import ZoneInfo

import pytest

from tests.support.records import Log, sid
from tests.unit.test_invariants import applied, funded, registered
from verify.invariants import Invariants
from verify.record import parse_record

LATE = "2023-03-01T23:30:00.000000Z"  # 1 March in UTC, 2 March in Asia/Shanghai
SHANGHAI, UTC = ZoneInfo("Asia/Shanghai"), ZoneInfo("UTC")


def _rules(log: Log, zone: tzinfo) -> set[str]:
    """The rules the log's records break, judged with ``zone`` as the bundle's timezone."""
    rules, found = Invariants(zone=zone), []
    for number, line in enumerate(log.lines, start=1):
        found += rules.add(parse_record(line), f"records.jsonl line {number}")
    return {f.rule for f in found if not f.rule.startswith(("principal.", "carefund.pair"))}


def _paid_late(disbursed_on: str, follow_up_due: str) -> Log:
    """An application paid at ``LATE``, its record stating the given dates (first visit due
    30 days after payment: ``funded``)."""
    log = Log()
    fund = funded(log)
    applied(log, "a", fund)
    log.add("a", "carefund.ApplicationReviewed", principal="ipc-01", decision="approve", reason="")
    log.add("a", "carefund.ApplicationApproved", principal="union-01", tier=1, amount_fen=100_000)
    log.add("a", "carefund.GrantDisbursed", at=LATE, amount_fen=100_000, reference="TX",
            disbursed_on=disbursed_on, follow_up_due=follow_up_due)  # fmt: skip
    return log


def _listed_late(deadline: str) -> Log:
    log = Log()
    registered(log, "cadre")
    log.add("case", "supervision.CaseOpened", reason="complaint", target=sid("cadre"),
            target_kind="cadre", detail="群众反映", trigger=None, source=None,
            county="太湖县")  # fmt: skip
    log.add("case", "supervision.CaseListed", at=LATE, deadline=deadline, note="挂牌督办")
    return log


def _erased_late() -> Log:
    """``a``'s applicant erased at ``LATE``, its grant paid on 1 February and posted for 29
    days: up to 1 March, the hold ending on 2 March."""
    log = Log()
    fund = log.add("fund", "carefund.FundYearOpened", fund="f", year=2023, budget_fen=100_000,
                   tiers_fen={"1": 100_000}, first_follow_up_days=30, posting_days=29,
                   follow_up_interval_days=90, follow_ups=4)  # fmt: skip
    applied(log, "a", fund)
    subject = "subject-a"
    log.add("a", "carefund.GrantDisbursed", at="2023-02-01", amount_fen=100_000,
            reference="TX", disbursed_on="2023-02-01", follow_up_due="2023-03-03")  # fmt: skip
    log.add(subject, "subject.ErasureRequested", reason="本人申请")
    log.add(
        subject, "subject.ErasureApproved", principal="dpo-02", requested_by="data_protection-01"
    )
    log.add(subject, "subject.Erased", at=LATE, principal="dpo-02", reason="本人申请",
            approved_by="dpo-02")  # fmt: skip
    return log


@pytest.mark.parametrize(
    ("log", "rule", "broken_in"),
    [
        (_paid_late("2023-03-02", "2023-04-01"), "carefund.disbursement_dates", UTC),
        (_paid_late("2023-03-01", "2023-03-31"), "carefund.disbursement_dates", SHANGHAI),
        (_listed_late("2023-03-01"), "supervision.deadline", SHANGHAI),
        (_erased_late(), "subject.erasure_hold", UTC),
    ],
    ids=[
        "paid-on-the-beijing-day-judged-in-utc",
        "paid-on-the-utc-day-judged-in-beijing",
        "listed-with-the-utc-day-as-deadline",
        "erased-on-the-beijing-day-the-posting-window-ended",
    ],
)
def test_each_date_rule_takes_the_bundles_timezone(log: Log, rule: str, broken_in: tzinfo) -> None:
    other = UTC if broken_in is SHANGHAI else SHANGHAI
    assert rule in _rules(log, broken_in)
    assert rule not in _rules(log, other)
