"""Priority (优先考虑), the follow-up schedule (定期回访), visit dates and the fund year's
parameters, through the service: each rejection names its rule and stores nothing.

"对主动参与城市基层治理、服从行业党委领导且生活有困难的新就业群体优先考虑"; "建立定期回访制度".
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

from ledger.carefund.config import FundConfig, Hardship, Industry, Source
from ledger.carefund.service import CareFund
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from tests.integration.helpers import (
    FINANCE,
    INTAKE,
    IPC,
    UNION,
    UNION_2,
    YEAR,
    disbursed,
    funded,
    rejected,
    revoke,
    subject,
)


def applied(fund: CareFund, tier: int, priority: bool, review: bool = True) -> UUID:
    case = fund.submit(
        year=YEAR, subject=subject(fund.ledger), industry=Industry.EXPRESS_DELIVERY,
        hardship=Hardship.FRONTLINE, requested_tier=tier, priority=priority, actor=INTAKE,
    )  # fmt: skip
    if review:
        fund.review(case, True, "", IPC)
    return case


def test_priority_is_true_or_false(ledger: Ledger) -> None:
    """优先考虑 is a yes or no of the application (carefund.priority), never another value."""
    fund = funded(ledger)
    not_a_bool: Any = "yes"
    application: dict[str, Any] = dict(
        year=YEAR, subject=subject(ledger), industry=Industry.EXPRESS_DELIVERY,
        hardship=Hardship.FRONTLINE, requested_tier=2, actor=INTAKE,
    )  # fmt: skip
    rejected(ledger, "carefund.priority", lambda: fund.submit(**application, priority=not_a_bool))


# --- carefund.priority_first ----------------------------------------------------------------


def test_non_priority_approval_that_eats_a_pending_priority_share_is_refused(
    ledger: Ledger,
) -> None:
    """Budget 2,000 yuan: a pending priority application asks for tier 3 (1,500 yuan); a
    non-priority tier 2 (800 yuan) would leave 1,200: refused, until the priority one is
    decided."""
    fund = funded(ledger, budget_fen=200_000)
    plain = applied(fund, 2, priority=False)
    first = applied(fund, 3, priority=True, review=False)  # submitted, not yet reviewed
    error = rejected(ledger, "carefund.priority_first", lambda: fund.approve(plain, 2, UNION))
    assert str(first) in error.message and "1,500.00" in error.message
    fund.review(first, True, "", IPC)
    fund.approve(first, 3, UNION)  # the priority one goes first
    rejected(ledger, "carefund.budget_cap", lambda: fund.approve(plain, 2, UNION))
    fund.approve(plain, 1, UNION)  # 500 yuan still fits


def test_a_rejected_priority_application_holds_no_budget(ledger: Ledger) -> None:
    fund = funded(ledger, budget_fen=200_000)
    plain = applied(fund, 2, priority=False)
    first = applied(fund, 3, priority=True)
    fund.reject(first, "不符合条件", UNION_2)
    assert fund.approve(plain, 2, UNION) == 80_000


def test_non_priority_approval_within_the_free_budget_is_accepted(ledger: Ledger) -> None:
    fund = funded(ledger, budget_fen=300_000)
    plain = applied(fund, 2, priority=False)
    applied(fund, 3, priority=True)
    assert fund.approve(plain, 2, UNION) == 80_000  # 3,000 - 800 >= 1,500


def test_priority_application_is_not_held_back_by_other_priority_ones(ledger: Ledger) -> None:
    fund = funded(ledger, budget_fen=200_000)
    one = applied(fund, 3, priority=True)
    applied(fund, 3, priority=True)
    assert fund.approve(one, 3, UNION) == 150_000


def test_review_queue_puts_priority_first_then_submission_order(ledger: Ledger) -> None:
    fund = funded(ledger)
    a = applied(fund, 1, priority=False, review=False)
    b = applied(fund, 1, priority=True, review=False)
    c = applied(fund, 1, priority=False)
    d = applied(fund, 1, priority=True)
    assert [x.id for x in fund.review_queue(YEAR)] == [b, d, a, c]
    fund.approve(d, 1, UNION)
    fund.review(a, False, "不符合", IPC)
    assert [x.id for x in fund.review_queue(YEAR)] == [b, c]


# --- follow-up schedule, overdue visits, carefund.visit_date --------------------------------


def test_visits_recur_every_90_days_for_a_year_by_default(ledger: Ledger) -> None:
    fund = funded(ledger)
    case = disbursed(fund)
    year = fund.fund_year(YEAR)
    paid = date.fromisoformat(fund.application(case).disbursed_on)
    schedule = year.follow_up_schedule(fund.application(case).follow_up_due)
    assert schedule == [(paid + timedelta(days=90 * k)).isoformat() for k in (1, 2, 3, 4)]
    first = date.fromisoformat(schedule[0])
    assert fund.overdue_follow_ups(YEAR, first) == []
    assert [c.id for c in fund.overdue_follow_ups(YEAR, first + timedelta(days=1))] == [case]
    fund.follow_up(case, paid.isoformat(), "stable", "第一次", INTAKE)
    assert fund.overdue_follow_ups(YEAR, first + timedelta(days=1)) == []
    second = date.fromisoformat(schedule[1])
    assert [c.id for c in fund.overdue_follow_ups(YEAR, second + timedelta(days=1))] == [case]
    assert fund.follow_ups_due(YEAR)[0][1] == schedule[1]


def test_fund_chosen_schedule_and_its_end(ledger: Ledger, clock: SteppingClock) -> None:
    fund = CareFund(ledger, FundConfig(first_follow_up_days=30, follow_up_interval_days=60,
                                       follow_ups=2))  # fmt: skip
    fund.open_year(YEAR, FINANCE)
    fund.receive(YEAR, Source.TRADE_UNION, 1_000_000, "R", FINANCE)
    case = disbursed(fund)
    paid = date.fromisoformat(fund.application(case).disbursed_on)
    ((due_case, due),) = fund.follow_ups_due(YEAR)
    assert (due_case.id, due) == (case, (paid + timedelta(days=30)).isoformat())
    fund.follow_up(case, paid.isoformat(), "stable", "1", INTAKE)
    assert fund.follow_ups_due(YEAR)[0][1] == (paid + timedelta(days=90)).isoformat()
    fund.follow_up(case, paid.isoformat(), "stable", "2", INTAKE)
    assert fund.follow_ups_due(YEAR) == []  # both visits made
    assert fund.overdue_follow_ups(YEAR, date(2030, 1, 1)) == []


def test_revoked_grant_waits_for_no_visit(ledger: Ledger) -> None:
    fund = funded(ledger)
    case = disbursed(fund)
    revoke(fund, case)
    assert fund.overdue_follow_ups(YEAR, date(2030, 1, 1)) == []


def test_visit_dated_in_the_future_is_refused(ledger: Ledger, clock: SteppingClock) -> None:
    fund = funded(ledger)
    case = disbursed(fund)
    today = clock().date()
    tomorrow = (today + timedelta(days=1)).isoformat()
    error = rejected(
        ledger, "carefund.visit_date", lambda: fund.follow_up(case, tomorrow, "stable", "n", INTAKE)
    )
    assert tomorrow in error.message
    fund.follow_up(case, today.isoformat(), "stable", "n", INTAKE)  # today is fine


# --- fund year parameters -------------------------------------------------------------------


def test_fund_year_parameters_are_finances_and_recorded(ledger: Ledger) -> None:
    fund = CareFund(ledger)
    fund.open_year(YEAR, FINANCE, budget_fen=3_000_000, tiers_fen={1: 30_000, 2: 60_000},
                   posting_days=14, follow_up_interval_days=30, follow_ups=6)  # fmt: skip
    year = fund.fund_year(YEAR)
    assert (year.budget_fen, year.tiers_fen, year.posting_days) == (
        3_000_000, {"1": 30_000, "2": 60_000}, 14)  # fmt: skip
    assert (year.first_follow_up_days, year.follow_up_interval_days, year.follow_ups) == (90, 30, 6)
    fund.open_year(YEAR + 1, FINANCE)
    seed = fund.fund_year(YEAR + 1)
    assert (seed.budget_fen, seed.tiers_fen) == (5_000_000, {"1": 50_000, "2": 80_000,
                                                             "3": 150_000})  # fmt: skip
    assert (seed.posting_days, seed.follow_up_interval_days, seed.follow_ups) == (30, 90, 4)


def test_fund_year_parameters_out_of_range_are_refused(ledger: Ledger) -> None:
    fund = CareFund(ledger)
    bad_params: list[dict[str, object]] = [
        {"budget_fen": 0}, {"posting_days": 0}, {"follow_ups": 0}, {"tiers_fen": {}},
        {"tiers_fen": {1: -5}}, {"follow_up_interval_days": -1},
    ]  # fmt: skip
    for bad in bad_params:
        rejected(
            ledger, "carefund.year_params", lambda bad=bad: fund.open_year(YEAR, FINANCE, **bad)
        )
