"""The care-fund projections: the public disbursement list, the fund ledger, audit results."""

from __future__ import annotations

import json
from datetime import date, timedelta
from uuid import UUID

from ledger.actor import Actor, Role
from ledger.carefund.config import Source
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.principal import Scope
from ledger.settings import Settings
from projections.disbursements import in_public_view
from projections.rebuild import rebuild, rebuild_all
from tests.integration.helpers import (
    AFTER_POSTING,
    AUDIT,
    FINANCE,
    FINANCE_2,
    INTAKE,
    UNION,
    YEAR,
    approved,
    disbursed,
    erase,
    funded,
    revoke,
)
from tests.integration.projection_helpers import projected, refresh, rows_of
from tests.support.principals import enrol


def test_disbursement_row_masks_the_name_and_names_roles_not_principals(
    ledger: Ledger, settings: Settings
) -> None:
    fund = funded(ledger)
    case = fund.submit(
        year=YEAR,
        subject=ledger.register_subject(
            {"name": "欧阳娜娜", "phone": "13912345678", "id_number": "340811199001011234",
             "bank_account": "6222020200112233445", "hardship_details": "肺病住院"},
            "worker", INTAKE,
        ),
        industry="food_delivery", hardship="illness", requested_tier=2, priority=False,
        actor=INTAKE,
    )  # fmt: skip
    food = Actor("ipc-food-01", Role.INDUSTRY_PARTY_COMMITTEE)
    enrol(ledger, food, scope=Scope(industry="food_delivery"))
    fund.review(case, True, "", food)
    fund.approve(case, 2, UNION)
    fund.disburse(case, "TX-9", FINANCE)
    projections = projected(ledger, settings)
    row = rows_of(projections, "disbursements")[str(case)]
    assert row["masked_name"] == "欧阳*"
    assert row["approval_chain"] == ["intake", "industry_party_committee", "trade_union", "finance"]
    assert (row["tier"], row["industry"], row["follow_ups"], row["revocation"]) == (
        2, "food_delivery", 0, None,
    )  # fmt: skip
    assert row["amount_fen"] == fund.application(case).amount_fen
    assert row["leaf"] == ledger.log.leaf_of(str(case), 4)
    everything = json.dumps(
        {n: rows_of(projections, n) for n in projections.runners}, ensure_ascii=False
    )
    for private in ("娜娜", "13912345678", "340811199001011234", "6222020200112233445",
                    "肺病", "intake-01", "ipc-01", "union-01", "finance-01"):  # fmt: skip
        assert private not in everything, private


def test_posting_window_boundary_is_thirty_days(ledger: Ledger, settings: Settings) -> None:
    case = disbursed(funded(ledger))
    row = rows_of(projected(ledger, settings), "disbursements")[str(case)]
    posted = date.fromisoformat(row["posted_on"])
    assert row["withdrawn_on"] == (posted + timedelta(days=30)).isoformat()
    assert not in_public_view(row, posted - timedelta(days=1))
    assert in_public_view(row, posted)
    assert in_public_view(row, posted + timedelta(days=29))
    assert not in_public_view(row, posted + timedelta(days=30))


def test_posting_window_is_the_fund_years(ledger: Ledger, settings: Settings) -> None:
    """The posting window (公示期) is what finance set when the year opened (its
    FundYearOpened.posting_days), not the list param (30 here)."""
    from ledger.carefund.config import FundConfig
    from ledger.carefund.service import CareFund

    fund = CareFund(ledger, FundConfig(posting_days=7))
    fund.open_year(YEAR, FINANCE)
    fund.receive(YEAR, Source.TRADE_UNION, 1_000_000, "R-1", FINANCE)
    case = disbursed(fund)
    projections = projected(ledger, settings)
    row = rows_of(projections, "disbursements")[str(case)]
    assert (
        row["withdrawn_on"]
        == (date.fromisoformat(row["posted_on"]) + timedelta(days=7)).isoformat()
    )


def test_erasure_shows_deleted_and_a_rebuild_agrees(
    ledger: Ledger, settings: Settings, clock: SteppingClock
) -> None:
    fund = funded(ledger)
    case = disbursed(fund)
    projections = projected(ledger, settings)
    assert rows_of(projections, "disbursements")[str(case)]["masked_name"] == "测*"
    clock.set(AFTER_POSTING)
    erase(ledger, UUID(fund.application(case).subject), "本人申请")
    refresh(ledger, projections)
    assert rows_of(projections, "disbursements")[str(case)]["masked_name"] == "已删除"
    report = rebuild(projections, "disbursements")
    assert report.identical, report
    assert rows_of(projections, "disbursements")[str(case)]["masked_name"] == "已删除"


def test_fund_ledger_follows_money_tiers_months_and_follow_ups(
    ledger: Ledger, settings: Settings
) -> None:
    fund = funded(ledger, received_fen=300_000)
    fund.receive(YEAR, Source.YOUTH_LEAGUE, 20_000, "R-2", FINANCE)
    paid, revoked, waiting = disbursed(fund, 1), disbursed(fund, 2), approved(fund, 1)
    fund.follow_up(paid, ledger.clock().date().isoformat(), "stable", "回访", INTAKE)
    revoke(fund, revoked, recover_fen=30_000)
    fund.recover(revoked, 10_000, "RR-1", FINANCE_2)
    fund.record_audit_result(YEAR, "2023年度审计", "合规", ["台账完整"], AUDIT)
    projections = projected(ledger, settings)
    (row,) = rows_of(projections, "fund-ledger").values()
    tier = {t: fund.fund_year(YEAR).tiers_fen[t] for t in ("1", "2")}  # type: ignore[attr-defined]
    granted = 2 * tier["1"] + tier["2"]
    assert row["received_fen"] == 320_000
    assert row["received_by_source"] == {"trade_union": 300_000, "youth_league": 20_000}
    assert row["granted_fen"] == granted
    assert row["remaining_budget_fen"] == 5_000_000 - granted
    assert row["disbursed_fen"] == tier["1"] + tier["2"]
    assert row["recovered_fen"] == 10_000
    assert row["cash_on_hand_fen"] == 320_000 - tier["1"] - tier["2"] + 10_000
    assert row["by_tier"] == {
        "1": {"amount_fen": tier["1"], "count": 1}, "2": {"amount_fen": tier["2"], "count": 1},
    }  # fmt: skip
    # one visited once (its second visit, 90 days after the first due, is next), one revoked,
    # 'waiting' not paid: the fund year's schedule (every 90 days for a year)
    second = date.fromisoformat(fund.application(paid).follow_up_due) + timedelta(days=90)
    assert row["pending_follow_ups"] == [{"application": str(paid), "due": second.isoformat()}]
    month = ledger.clock().date().isoformat()[:7]
    assert row["monthly"][month]["disbursements"] == 2
    assert str(waiting) not in rows_of(projections, "disbursements")
    revoked_row = rows_of(projections, "disbursements")[str(revoked)]
    assert revoked_row["revocation"] == {
        "recover_fen": 30_000, "recovered_fen": 10_000, "violation": "rules",
    }  # fmt: skip
    (audit,) = rows_of(projections, "audit-results").values()
    assert (audit["title"], audit["findings"], audit["year"]) == (
        "2023年度审计",
        ["台账完整"],
        2023,
    )


def test_rebuild_after_an_erasure_the_projection_has_not_seen_yet_is_identical(
    ledger: Ledger, settings: Settings, clock: SteppingClock
) -> None:
    """The vault forgets at once; the rebuild compares at the log's end, where the erasure
    record is, so the live rows (built with the name) are caught up before comparing."""
    fund = funded(ledger)
    case = disbursed(fund)
    projections = projected(ledger, settings)
    clock.set(AFTER_POSTING)
    erase(ledger, UUID(fund.application(case).subject), "本人申请")
    ledger.log.integrate()
    for report in (rebuild(projections, "disbursements"), *rebuild_all(projections)):
        assert report.identical, report
    assert rows_of(projections, "disbursements")[str(case)]["masked_name"] == "已删除"
