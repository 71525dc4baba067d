"""Every care-fund rule, its accepted path and its rejection path, on SQLite and PostgreSQL.

Every rejection names its rule and stores nothing (the notification log does not grow).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ledger.actor import Actor, Role
from ledger.carefund.application import Stage
from ledger.carefund.config import Hardship, Industry, Source, Violation
from ledger.carefund.service import CareFund
from ledger.errors import NotFound
from ledger.ledger import Ledger
from ledger.principal import Principals, Scope
from tests.integration.helpers import (
    AUDIT,
    FINANCE,
    FINANCE_2,
    INTAKE,
    IPC,
    SUPERVISION,
    UNION,
    UNION_2,
    YEAR,
    approved,
    disbursed,
    erase,
    funded,
    rejected,
    reviewed,
    revoke,
    subject,
    submitted,
)
from tests.support.principals import ADMIN, enrol


def test_full_lifecycle_accepted(ledger: Ledger) -> None:
    fund = funded(ledger)
    case = disbursed(fund, tier=3)
    fund.follow_up(case, "2023-03-01", "stable", "回访", INTAKE)
    state = fund.application(case)
    assert (state.stage, state.amount_fen, state.follow_ups) == (Stage.DISBURSED, 150_000, 1)
    year = fund.fund_year(YEAR)
    assert (year.disbursed_fen, year.remaining_budget_fen, year.cash_on_hand_fen) == (
        150_000,
        4_850_000,
        4_850_000,
    )


# --- fund year and contributions -----------------------------------------------------------


def test_fund_year_opens_once(ledger: Ledger) -> None:
    fund = funded(ledger)
    rejected(ledger, "carefund.year_open", lambda: fund.open_year(YEAR, FINANCE))


def test_only_finance_opens_and_receives(ledger: Ledger) -> None:
    fund = CareFund(ledger)
    rejected(ledger, "role", lambda: fund.open_year(YEAR, UNION))
    fund.open_year(YEAR, FINANCE)
    rejected(ledger, "role", lambda: fund.receive(YEAR, Source.YOUTH_LEAGUE, 100, "R", AUDIT))


def test_contribution_must_be_positive_fen(ledger: Ledger) -> None:
    fund = funded(ledger)
    rejected(
        ledger, "carefund.amount", lambda: fund.receive(YEAR, Source.TRADE_UNION, 0, "R", FINANCE)
    )


def test_social_donor_names_a_donor_subject(ledger: Ledger) -> None:
    fund = funded(ledger)
    rejected(
        ledger, "carefund.donor", lambda: fund.receive(YEAR, Source.SOCIAL_DONOR, 100, "R", FINANCE)
    )
    donor = ledger.register_subject({"name": "捐赠人"}, "donor", FINANCE)
    fund.receive(YEAR, Source.SOCIAL_DONOR, 100, "R", FINANCE, donor=donor)
    assert fund.fund_year(YEAR).received_fen == 5_000_100


# --- application order ---------------------------------------------------------------------


def test_submit_requires_intake_role_known_tier_and_subject(ledger: Ledger) -> None:
    fund = funded(ledger)
    person = subject(ledger)

    def submit(actor: Actor = INTAKE, tier: int = 1) -> Any:
        return fund.submit(
            year=YEAR,
            subject=person,
            industry=Industry.FOOD_DELIVERY,
            hardship=Hardship.DISASTER,
            requested_tier=tier,
            priority=True,
            actor=actor,
        )

    rejected(ledger, "role", lambda: submit(actor=FINANCE))
    rejected(ledger, "carefund.tier", lambda: submit(tier=4))
    with pytest.raises(NotFound):
        fund.submit(
            year=2031,
            subject=person,
            industry=Industry.OTHER,
            hardship=Hardship.ILLNESS,
            requested_tier=1,
            priority=False,
            actor=INTAKE,
        )


def test_approval_cannot_skip_review(ledger: Ledger) -> None:
    fund = funded(ledger)
    case = submitted(fund)
    rejected(ledger, "carefund.order", lambda: fund.approve(case, 1, UNION), "needs stage reviewed")


def test_disbursement_cannot_skip_approval(ledger: Ledger) -> None:
    fund = funded(ledger)
    case = reviewed(fund)
    rejected(ledger, "carefund.order", lambda: fund.disburse(case, "TX", FINANCE))


def test_review_cannot_repeat(ledger: Ledger) -> None:
    fund = funded(ledger)
    case = reviewed(fund)
    rejected(ledger, "carefund.order", lambda: fund.review(case, True, "", IPC))


def test_approval_cannot_repeat(ledger: Ledger) -> None:
    fund = funded(ledger)
    case = approved(fund)
    rejected(ledger, "carefund.order", lambda: fund.approve(case, 1, UNION))


def test_disbursement_cannot_repeat(ledger: Ledger) -> None:
    fund = funded(ledger)
    case = disbursed(fund)
    rejected(ledger, "carefund.order", lambda: fund.disburse(case, "TX", FINANCE_2))


def test_committee_rejection_ends_the_case(ledger: Ledger) -> None:
    fund = funded(ledger)
    case = submitted(fund)
    rejected(ledger, "carefund.reason", lambda: fund.review(case, False, "  ", IPC))
    fund.review(case, False, "不符合条件", IPC)
    assert fund.application(case).stage == Stage.REJECTED
    rejected(ledger, "carefund.order", lambda: fund.approve(case, 1, UNION))
    rejected(ledger, "carefund.order", lambda: fund.review(case, True, "", IPC))


def test_union_rejection_ends_the_case(ledger: Ledger) -> None:
    fund = funded(ledger)
    case = reviewed(fund)
    rejected(ledger, "carefund.reason", lambda: fund.reject(case, "", UNION))
    fund.reject(case, "重复申请", UNION)
    rejected(ledger, "carefund.order", lambda: fund.approve(case, 1, UNION))
    rejected(ledger, "carefund.order", lambda: fund.disburse(case, "TX", FINANCE))


def test_each_step_requires_its_role(ledger: Ledger) -> None:
    fund = funded(ledger)
    case = submitted(fund)
    rejected(ledger, "role", lambda: fund.review(case, True, "", UNION))
    fund.review(case, True, "", IPC)
    rejected(ledger, "role", lambda: fund.approve(case, 1, IPC))
    fund.approve(case, 1, UNION)
    rejected(ledger, "role", lambda: fund.disburse(case, "TX", UNION_2))
    admin = Actor("admin-01", Role.ADMIN)
    rejected(ledger, "role", lambda: fund.disburse(case, "TX", admin))


# --- separation of duties ------------------------------------------------------------------


def test_reviewer_may_not_approve(ledger: Ledger) -> None:
    fund = funded(ledger)
    case = submitted(fund)
    enrol(ledger, Actor("dual-01", Role.INDUSTRY_PARTY_COMMITTEE))
    fund.review(case, True, "", Actor("dual-01", Role.INDUSTRY_PARTY_COMMITTEE))
    # one role at a time: the reviewer moves to the trade union, and the duties it acted
    # in for this application still count
    Principals(ledger).change_role("dual-01", Role.TRADE_UNION, Scope(), "transferred", ADMIN)
    same_as_union = Actor("dual-01", Role.TRADE_UNION)
    rejected(ledger, "carefund.separation_of_duties", lambda: fund.approve(case, 1, same_as_union))
    rejected(ledger, "carefund.separation_of_duties", lambda: fund.reject(case, "x", same_as_union))


def test_approver_may_not_disburse(ledger: Ledger) -> None:
    fund = funded(ledger)
    case = reviewed(fund)
    enrol(ledger, Actor("dual-02", Role.TRADE_UNION))
    fund.approve(case, 1, Actor("dual-02", Role.TRADE_UNION))
    Principals(ledger).change_role("dual-02", Role.FINANCE, Scope(), "transferred", ADMIN)
    same_as_finance = Actor("dual-02", Role.FINANCE)
    rejected(
        ledger, "carefund.separation_of_duties", lambda: fund.disburse(case, "TX", same_as_finance)
    )


# --- money ---------------------------------------------------------------------------------


def test_disbursement_amount_is_the_final_tier_amount(ledger: Ledger) -> None:
    fund = funded(ledger)
    case = reviewed(fund, tier=3)
    fund.approve(case, 2, UNION)
    assert fund.disburse(case, "TX", FINANCE) == 80_000


def test_over_budget_approval_rejected_with_remaining_amount(ledger: Ledger) -> None:
    fund = funded(ledger, budget_fen=200_000, received_fen=200_000)
    approved(fund, tier=3)
    case = reviewed(fund, tier=3)
    error = rejected(ledger, "carefund.budget_cap", lambda: fund.approve(case, 3, UNION))
    assert "remaining 500.00" in error.message
    fund.approve(case, 1, UNION)
    assert fund.fund_year(YEAR).remaining_budget_fen == 0


def test_disbursement_may_not_exceed_money_received(ledger: Ledger) -> None:
    fund = funded(ledger, received_fen=100_000)
    case = approved(fund, tier=3)
    error = rejected(ledger, "carefund.cash_on_hand", lambda: fund.disburse(case, "TX", FINANCE))
    assert "cash on hand 1,000.00" in error.message
    fund.receive(YEAR, Source.WOMENS_FEDERATION, 50_000, "R-2", FINANCE)
    fund.disburse(case, "TX", FINANCE)
    assert fund.fund_year(YEAR).cash_on_hand_fen == 0


# --- follow-ups, revocation, recovery, audit -----------------------------------------------


def test_follow_up_rules(ledger: Ledger) -> None:
    fund = funded(ledger)
    early = approved(fund)
    rejected(
        ledger, "carefund.order", lambda: fund.follow_up(early, "2023-03-01", "stable", "n", INTAKE)
    )
    case = disbursed(fund)
    rejected(ledger, "role", lambda: fund.follow_up(case, "2023-03-01", "stable", "n", AUDIT))
    rejected(
        ledger,
        "carefund.visit_date",
        lambda: fund.follow_up(case, "2023-02-01", "stable", "n", INTAKE),
    )
    rejected(
        ledger, "carefund.date", lambda: fund.follow_up(case, "2023-13-01", "stable", "n", INTAKE)
    )
    rejected(
        ledger, "carefund.outcome", lambda: fund.follow_up(case, "2023-03-01", "fine", "n", INTAKE)
    )
    fund.follow_up(case, "2023-03-01", "stable", "第一次回访", INTAKE)
    fund.follow_up(case, "2023-03-01", "improved", "第二次回访", IPC)
    assert fund.application(case).follow_ups == 2


def test_first_follow_up_due_within_90_days(ledger: Ledger) -> None:
    fund = funded(ledger)
    case = disbursed(fund)
    state = fund.application(case)
    due = date.fromisoformat(state.follow_up_due)
    assert (due - date.fromisoformat(state.disbursed_on)).days == 90
    assert not state.follow_up_overdue(due)
    assert state.follow_up_overdue(date.fromordinal(due.toordinal() + 1))
    fund.follow_up(case, state.disbursed_on, "stable", "n", INTAKE)
    assert not fund.application(case).follow_up_overdue(date(2030, 1, 1))


def test_revocation_rules(ledger: Ledger) -> None:
    fund = funded(ledger)
    early = approved(fund)
    rejected(ledger, "carefund.order", lambda: revoke(fund, early))
    case = disbursed(fund)
    rejected(ledger, "role", lambda: revoke(fund, case, actor=FINANCE))
    rejected(ledger, "carefund.reason", lambda: revoke(fund, case, reason=""))
    rejected(ledger, "carefund.recovery", lambda: revoke(fund, case, recover_fen=50_001))
    rejected(
        ledger,
        "carefund.handling",
        lambda: revoke(fund, case, violation=Violation.DISCIPLINE, discipline_referral=False),
    )
    rejected(
        ledger,
        "carefund.handling",
        lambda: revoke(fund, case, violation=Violation.LAW, judicial_referral=False),
    )
    rejected(ledger, "carefund.handling", lambda: revoke(fund, case, accountable_organisation=""))
    revoke(fund, case, violation=Violation.LAW, judicial_referral=True)
    assert fund.application(case).stage == Stage.REVOKED
    rejected(ledger, "carefund.order", lambda: revoke(fund, case))


def test_recoveries_up_to_the_amount_to_recover(ledger: Ledger) -> None:
    fund = funded(ledger)
    case = disbursed(fund)
    rejected(ledger, "carefund.order", lambda: fund.recover(case, 100, "R", FINANCE))
    revoke(fund, case, recover_fen=40_000)
    rejected(ledger, "role", lambda: fund.recover(case, 100, "R", SUPERVISION))
    rejected(ledger, "carefund.recovery", lambda: fund.recover(case, 40_001, "R", FINANCE))
    fund.recover(case, 30_000, "R-1", FINANCE)
    rejected(ledger, "carefund.recovery", lambda: fund.recover(case, 10_001, "R", FINANCE))
    fund.recover(case, 10_000, "R-2", FINANCE)
    year = fund.fund_year(YEAR)
    assert (year.recovered_fen, year.remaining_budget_fen) == (40_000, 4_950_000)
    assert year.cash_on_hand_fen == 5_000_000 - 50_000 + 40_000


def test_audit_results_by_audit_only(ledger: Ledger) -> None:
    fund = funded(ledger)
    rejected(ledger, "role", lambda: fund.record_audit_result(YEAR, "t", "c", [], FINANCE))
    rejected(
        ledger, "carefund.audit_result", lambda: fund.record_audit_result(YEAR, " ", "c", [], AUDIT)
    )
    fund.record_audit_result(YEAR, "年度审计", "合规", ["程序完整"], AUDIT)
    assert fund.fund_year(YEAR).audit_results == 1


def test_erased_subject_cannot_apply(ledger: Ledger) -> None:
    fund = funded(ledger)
    person = subject(ledger)
    erase(ledger, person, "申请人要求删除")
    rejected(
        ledger,
        "subject.erased",
        lambda: fund.submit(
            year=YEAR,
            subject=person,
            industry=Industry.OTHER,
            hardship=Hardship.ILLNESS,
            requested_tier=1,
            priority=False,
            actor=INTAKE,
        ),
    )
