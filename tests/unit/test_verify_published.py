"""The published lists of docs/FORMAT.md §8 recomputed by verify/ from hand-built records, and a
bundle's published/*.jsonl checked against them. Tamper tests are named after the tampering."""

from __future__ import annotations

import base64
import json
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.support.records import Log, close_year, enrolled, erase, sid
from verify.anchor import Anchor
from verify.bundle import BundleReport, verify_bundle
from verify.canonical import canonical_bytes
from verify.checkpoint import Checkpoint
from verify.cli import main
from verify.merkle import CompactRange, leaf_hash
from verify.note import Signer
from verify.params import LISTS
from verify.policy import parse_policy
from verify.published import (
    DEFAULTS,
    ERASED,
    VAULT,
    Lists,
    Row,
    compare,
    digest,
    masked_name_shape,
    read_published,
)
from verify.record import parse_record

ORIGIN = "gongshi.example/anqing"


# -- care fund ------------------------------------------------------------------------------


def open_fund(log: Log, name: str = "fund", posting_days: int = 30) -> str:
    return log.add(
        name, "carefund.FundYearOpened", role="finance", fund="tongcheng-pioneer-care",
        year=2023, budget_fen=1_000_000, tiers_fen={"1": 100_000, "2": 200_000},
        first_follow_up_days=30, posting_days=posting_days, follow_up_interval_days=90,
        follow_ups=1,
    )  # fmt: skip


def disburse(
    log: Log,
    app: str,
    tier: int = 1,
    amount: int = 100_000,
    on: str = "2023-03-10",
    due: str | None = None,
    industry: str = "express_delivery",
) -> str:
    """Application ``app`` submitted, reviewed, approved and paid ``on``; the first visit due
    30 days later (the fund year's first_follow_up_days: carefund.disbursement_dates)."""
    due = due or (date.fromisoformat(on) + timedelta(days=30)).isoformat()
    fund = log.sid("fund")
    log.add(
        app, "carefund.ApplicationSubmitted", at="2023-03-01", fund_year=fund,
        subject=sid(f"subject-{app}"), industry=industry, hardship="illness",
        requested_tier=tier, priority=False,
    )  # fmt: skip
    # the submission's other half, in the same commit (carefund.pair)
    log.add("fund", "carefund.ApplicationQueued", at="2023-03-01", application=sid(app),
            priority=False, requested_tier=tier)  # fmt: skip
    log.add(app, "carefund.ApplicationReviewed", at="2023-03-02",
            role="industry_party_committee", decision="approve", reason="符合条件")  # fmt: skip
    log.add(app, "carefund.ApplicationApproved", at="2023-03-03", tier=tier,
            amount_fen=amount)  # fmt: skip
    log.add("fund", "carefund.GrantCommitted", at="2023-03-03", application=sid(app),
            tier=tier, amount_fen=amount)  # fmt: skip
    log.add(app, "carefund.GrantDisbursed", at=on, role="finance", amount_fen=amount,
            reference=f"pay-{app}", disbursed_on=on, follow_up_due=due)  # fmt: skip
    log.add("fund", "carefund.DisbursementBooked", at=on, role="finance",
            application=sid(app), amount_fen=amount)  # fmt: skip
    return sid(app)


def revoke(log: Log, app: str, recover: int) -> None:
    log.add(
        app, "carefund.GrantRevoked", at="2023-05-01", role="supervision", violation="rules",
        reason="虚报", recover_fen=recover, discipline_referral=False, judicial_referral=False,
        accountable_organisation="x", responsible=[],
    )  # fmt: skip


def test_disbursement_row() -> None:
    log = Log()
    open_fund(log)
    app = disburse(log, "a", tier=2, amount=200_000)
    assert log.lists()["disbursements"] == [
        {
            "key": app, "application": app, "fund_year": log.sid("fund"),
            "fund": "tongcheng-pioneer-care", "year": 2023, "masked_name": VAULT,
            "industry": "express_delivery", "tier": 2, "amount_fen": 200_000,
            "disbursed_on": "2023-03-10", "submitted_on": "2023-03-01",
            "reviewed_on": "2023-03-02", "approved_on": "2023-03-03",
            "approval_chain": ["intake", "industry_party_committee", "trade_union",
                               "finance"],
            "follow_ups": 0, "revocation": None, "leaf": 6,
            "posted_on": "2023-03-10", "withdrawn_on": "2023-04-09",
        }
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("disbursed_on", "days", "withdrawn_on"),
    [
        ("2023-03-10", 30, "2023-04-09"),
        ("2023-01-31", 30, "2023-03-02"),  # month boundary, February of 28 days
        ("2024-02-15", 30, "2024-03-16"),  # leap year: 29 February counts
        ("2023-02-15", 30, "2023-03-17"),
        ("2023-12-15", 30, "2024-01-14"),
        ("2023-02-28", 1, "2023-03-01"),
        ("2024-02-28", 1, "2024-02-29"),
        ("2023-03-10", 7, "2023-03-17"),
    ],
)
def test_withdrawn_on_is_disbursed_on_plus_the_window(
    disbursed_on: str, days: int, withdrawn_on: str
) -> None:
    log = Log()
    open_fund(log, posting_days=days)  # the fund year's posting window, not the list param
    app = disburse(log, "a", on=disbursed_on)
    row = log.row("disbursements", app, disbursements={"posting_window_days": 99})
    assert (row["posted_on"], row["withdrawn_on"]) == (disbursed_on, withdrawn_on)


def test_follow_ups_revocation_recovery_and_pending_follow_ups() -> None:
    log = Log()
    open_fund(log)
    a = disburse(log, "a", due="2023-04-20")
    b = disburse(log, "b", due="2023-04-09")
    c = disburse(log, "c", due="2023-04-09")
    d = disburse(log, "d", due="2023-04-01")
    pending = log.row("fund-ledger", log.sid("fund"))["pending_follow_ups"]
    by_due = sorted([(d, "2023-04-01"), (b, "2023-04-09"), (c, "2023-04-09"), (a, "2023-04-20")],
                    key=lambda p: (p[1], p[0]))  # fmt: skip
    assert pending == [{"application": x, "due": due} for x, due in by_due]
    log.add("b", "carefund.FollowUpRecorded", at="2023-04-02", visited_on="2023-04-02",
            outcome="stable", note_commitment="0" * 64)  # fmt: skip
    revoke(log, "c", 50_000)
    for amount in (20_000, 10_000):
        log.add("c", "carefund.RecoveryReceived", role="finance", amount_fen=amount, reference="r")
        log.add("fund", "carefund.RecoveryBooked", at="2023-06-03", role="finance",
                application=c, amount_fen=amount)  # fmt: skip
    lists = log.lists()
    fund = lists["fund-ledger"][0]
    assert fund["pending_follow_ups"] == [
        {"application": d, "due": "2023-04-01"},
        {"application": a, "due": "2023-04-20"},
    ]
    rows = {row["key"]: row for row in lists["disbursements"]}
    assert rows[b]["follow_ups"] == 1 and rows[b]["revocation"] is None
    assert rows[c]["revocation"] == {
        "recover_fen": 50_000,
        "recovered_fen": 30_000,
        "violation": "rules",
    }
    assert fund["recovered_fen"] == 30_000 and fund["cash_on_hand_fen"] == -400_000 + 30_000
    assert fund["monthly"]["2023-06"] == {
        "disbursed_fen": 0,
        "disbursements": 0,
        "received_fen": 0,
        "recovered_fen": 30_000,
    }


def test_fund_ledger_sums() -> None:
    log = Log()
    fund = open_fund(log)
    for source, amount, at in [
        ("trade_union", 300_000, "2023-01-05"),
        ("social_donor", 50_000, "2023-01-20"),
        ("trade_union", 100_000, "2023-03-02"),
    ]:
        log.add("fund", "carefund.ContributionReceived", at=at, role="finance", source=source,
                amount_fen=amount, reference="r", donor=None)  # fmt: skip
    disburse(log, "a", tier=1, amount=100_000, on="2023-03-10")
    disburse(log, "b", tier=2, amount=200_000, on="2023-04-01", industry="food_delivery")
    disburse(log, "c", tier=1, amount=100_000, on="2023-04-30")
    row = log.lists()["fund-ledger"][0]
    assert row["key"] == row["fund_year"] == fund
    assert (row["fund"], row["year"], row["budget_fen"]) == ("tongcheng-pioneer-care", 2023, 10**6)
    assert row["received_fen"] == 450_000
    assert row["received_by_source"] == {"trade_union": 400_000, "social_donor": 50_000}
    assert (row["granted_fen"], row["disbursed_fen"], row["recovered_fen"]) == (400_000,) * 2 + (0,)
    assert row["remaining_budget_fen"] == 600_000 and row["cash_on_hand_fen"] == 50_000
    assert row["by_tier"] == {
        "1": {"amount_fen": 200_000, "count": 2},
        "2": {"amount_fen": 200_000, "count": 1},
    }
    assert row["by_industry"] == {
        "express_delivery": {"amount_fen": 200_000, "count": 2},
        "food_delivery": {"amount_fen": 200_000, "count": 1},
    }
    zero = {"disbursed_fen": 0, "disbursements": 0, "received_fen": 0, "recovered_fen": 0}
    assert row["monthly"] == {
        "2023-01": zero | {"received_fen": 350_000},
        "2023-03": zero | {"received_fen": 100_000, "disbursed_fen": 100_000, "disbursements": 1},
        "2023-04": zero | {"disbursed_fen": 300_000, "disbursements": 2},
    }


def test_audit_results() -> None:
    log = Log()
    fund = open_fund(log)
    log.add("fund", "carefund.AuditResultRecorded", at="2023-12-20", role="audit",
            title="年度审计", conclusion="合规", findings=["票据齐全"])  # fmt: skip
    assert log.lists()["audit-results"] == [
        {
            "key": f"{fund}/0000000002",
            "fund_year": fund,
            "fund": "tongcheng-pioneer-care",
            "year": 2023,
            "title": "年度审计",
            "conclusion": "合规",
            "findings": ["票据齐全"],
            "recorded_on": "2023-12-20",
            "leaf": 1,
        }
    ]


# -- points ---------------------------------------------------------------------------------


def open_scheme(log: Log, share: int = 10) -> str:
    return log.add(
        "scheme", "points.SchemeOpened", county="taihu", year=2023, staff="village_cadres",
        categories={"principal": "正职", "deputy": "副职"}, bonus_cap_tenths=50,
        pay_percent={"excellent": 120, "competent": 100, "basically_competent": 100,
                     "incompetent": 95},
        bottom_share_percent=share, excellent_share_percent=15,
    )  # fmt: skip


PLACE = {"county": "taihu", "township": "t", "village": "v"}  # the books' place


def open_book(log: Log, name: str, category: str = "principal", cap: int = 50) -> str:
    return log.add(
        name, "points.BookOpened", scheme=log.sid("scheme"), cadre=sid(f"cadre-{name}"),
        **PLACE, category=category, year=2023, bonus_cap_tenths=cap,
    )  # fmt: skip


def score(
    log: Log,
    book: str,
    entry: int,
    points: int,
    quarter: int = 1,
    component: str = "work",
    corrects: int | None = None,
) -> None:
    log.add(
        book, "points.ScoreEntered", role="township_party_committee", entry=entry,
        quarter=quarter, component=component, points_tenths=points, reason="r", task=None,
        corrects=corrects,
    )  # fmt: skip


def year_rows(log: Log, **params: dict[str, int]) -> list[Row]:
    return [row for row in log.lists(**params)["points"] if row["period"] == "year"]


@pytest.mark.parametrize(
    ("totals", "bottom"),
    [
        ([50], [50]),
        (list(range(10, 101, 10)), [10]),
        ([10, 10, *range(30, 101, 10)], [10, 10]),  # a tie at the cut-off
        (list(range(10, 111, 10)), [10, 20]),  # ceil(1.1) = 2
        ([10, 20, 20, 20, *range(50, 121, 10)], [10, 20, 20, 20]),
        (list(range(10, 191, 10)), [10, 20]),  # n = 19: ceil(1.9) = 2
        (list(range(10, 201, 10)), [10, 20]),  # n = 20: exactly 2
        ([10, 10, 10, *range(40, 201, 10)], [10, 10, 10]),
        (list(range(10, 211, 10)), [10, 20, 30]),  # n = 21: ceil(2.1) = 3
    ],
    ids=lambda v: f"n={len(v)}" if len(v) > 4 else str(v),
)
def test_bottom_ten_percent_with_ties(totals: list[int], bottom: list[int]) -> None:
    log = Log()
    open_scheme(log, share=10)
    for n, total in enumerate(totals):
        score(log, open_book(log, f"b{n}"), 1, total)
    open_book(log, "other", category="deputy")  # another category: ranked on its own
    rows = [row for row in year_rows(log) if row["category"] == "principal"]
    assert len(rows) == len(totals)
    assert sorted(row["total"] for row in rows if row["bottom"]) == bottom
    distinct = sorted(set(totals), reverse=True)
    assert all(row["rank"] == distinct.index(row["total"]) + 1 for row in rows)
    assert [row["bottom"] for row in year_rows(log) if row["category"] == "deputy"] == [True]


def test_dense_rank_per_scheme_period_and_category() -> None:
    log = Log()
    open_scheme(log)
    for name, quarter, total in [("a", 1, 30), ("b", 1, 30), ("c", 2, 20), ("d", 2, 10)]:
        score(log, open_book(log, name), 1, total, quarter=quarter)
    rows = {row["key"]: row for row in log.lists()["points"]}
    assert [rows[f"{log.sid(b)}/year"]["rank"] for b in "abcd"] == [1, 1, 2, 3]
    assert [rows[f"{log.sid(b)}/Q1"]["rank"] for b in "abcd"] == [1, 1, 2, 2]
    assert [rows[f"{log.sid(b)}/Q2"]["rank"] for b in "abcd"] == [3, 3, 1, 2]
    assert [rows[f"{log.sid(b)}/Q2"]["bottom"] for b in "abcd"] == [True, True, False, False]
    assert [rows[f"{log.sid(b)}/year"]["bottom"] for b in "abcd"] == [False, False, False, True]


def test_excellence_candidates_are_the_closes_top_set() -> None:
    """FORMAT.md §8 `points` `excellent_candidate`: the book's `closed_top`, `null` before a
    close and for quarters; the live totals (here b2's 95 after the close) choose nothing."""
    log = Log()
    open_scheme(log)
    totals = {"b0": 90, "b1": 80, "b2": 70}
    for name, total in totals.items():
        score(log, open_book(log, name), 1, total)

    def flags() -> list[Any]:
        lists = log.lists()["points"]
        assert all(row["excellent_candidate"] is None for row in lists if row["period"] != "year")
        rows = {row["key"]: row for row in lists}
        return [rows[f"{log.sid(name)}/year"]["excellent_candidate"] for name in totals]

    assert flags() == [None, None, None]
    ranking = [{"cadre": sid(f"cadre-{name}"), "book": log.sid(name), "category": "principal",
                "total_tenths": total, "rank": rank, "bottom": rank == 3, "top": rank == 1}
               for rank, (name, total) in enumerate(totals.items(), start=1)]  # fmt: skip
    close_year(log, "scheme", close=1, ranking=ranking, cases=[])
    log.add("scheme", "points.YearReopened", reason="补录")
    score(log, log.sid("b2"), 2, 250)
    assert flags() == [True, False, False]


def test_total_sums_the_components_and_corrections_count_with_their_sign() -> None:
    log = Log()
    open_scheme(log)
    book = open_book(log, "a", cap=50)
    score(log, book, 1, 100, quarter=1)
    score(log, book, 2, -100, quarter=1, corrects=1)  # reverses entry 1
    score(log, book, 3, 80, quarter=1)
    score(log, book, 4, 40, quarter=1, component="bonus")
    score(log, book, 5, 10, quarter=2, component="bonus")
    score(log, book, 6, 20, quarter=2, component="deduction")
    score(log, book, 7, -20, quarter=2, component="deduction", corrects=6)
    score(log, book, 8, 20, quarter=2, component="deduction", corrects=7)  # correction of one
    score(log, book, 9, 45, quarter=3, component="evaluation")
    rows = {row["period"]: row for row in log.lists()["points"]}
    q1, q2, q3, year = rows["Q1"], rows["Q2"], rows["Q3"], rows["year"]
    assert (q1["work"], q1["bonus"], q1["total"]) == (80, 40, 120)
    assert (q2["bonus"], q2["deduction"], q2["total"]) == (10, 20, -10)
    assert (q3["evaluation"], q3["total"], rows["Q4"]["total"]) == (45, 45, 0)
    assert (year["work"], year["evaluation"], year["bonus"], year["deduction"]) == (80, 45, 50, 20)
    assert year["total"] == 80 + 45 + 50 - 20


def test_points_row_members_and_the_last_appraisal() -> None:
    log = Log()
    open_scheme(log)
    book = open_book(log, "a")
    for grade, percent in [("competent", 100), ("excellent", 120)]:
        log.add("a", "points.Appraised", role="township_party_committee", grade=grade,
                base_pay_fen=300_000, pay_percent=percent,
                adjusted_pay_fen=3_000 * percent, close=1, reason="")  # fmt: skip
    rows = {row["period"]: row for row in log.lists()["points"]}
    assert list(rows) == ["Q1", "Q2", "Q3", "Q4", "year"]
    year = rows["year"]
    assert year["key"] == f"{book}/year" and year["book"] == book
    assert (year["scheme"], year["county"], year["year"]) == (log.sid("scheme"), "taihu", 2023)
    assert (year["cadre"], year["name"], year["category"]) == (sid("cadre-a"), VAULT, "principal")
    assert (year["grade"], year["pay_percent"], year["adjusted_pay_fen"]) == (
        "excellent",
        120,
        360_000,
    )
    assert all(rows["Q1"][m] is None for m in ("grade", "base_pay_fen", "adjusted_pay_fen"))


# -- vault members --------------------------------------------------------------------------


def test_erased_name_required_after_erasure_and_allowed_before() -> None:
    log = Log()
    open_scheme(log)
    book = open_book(log, "a")
    key = f"{book}/year"
    before = log.row("points", key)
    assert before["name"] == VAULT
    assert compare("p", [before | {"name": "张三"}], [before]) == []
    # erased after this list's tree size: the vault has forgotten the name already
    assert compare("p", [before | {"name": ERASED}], [before]) == []
    assert compare("p", [before | {"name": ""}], [before])
    assert compare("p", [{k: v for k, v in before.items() if k != "name"}], [before])
    log.add("cadre-a", "subject.Registered", commitment="0" * 64, kind="cadre")
    log.add("cadre-a", "subject.Erased", reason="本人申请", approved_by="dp-02")
    after = log.row("points", key)
    assert after["name"] == ERASED
    assert compare("p", [after], [after]) == []
    (problem,) = compare("p", [after | {"name": "张三"}], [after])
    assert problem == f'p row {key}: member name published "张三", recomputed "{ERASED}"'


def test_erased_applicant_and_case_target() -> None:
    log = Log()
    open_fund(log)
    app = disburse(log, "a")
    log.add("c", "supervision.CaseOpened", role="supervision", target_kind="cadre",
            target=sid("subject-a"), reason="complaint", detail="d", county="taihu", trigger=None,
            source=None)  # fmt: skip
    log.add("subject-a", "subject.Registered", commitment="0" * 64, kind="worker")
    log.add("subject-a", "subject.Erased", reason="本人申请", approved_by="dp-02")
    lists = log.lists()
    assert lists["disbursements"][0]["masked_name"] == ERASED
    assert lists["supervision-cases"][0]["target_name"] == ERASED
    assert app == lists["disbursements"][0]["key"]


@pytest.mark.parametrize(
    ("masked", "ok"),
    [
        ("张*", True),
        ("J*", True),
        ("欧阳*", True),
        ("诸葛*", True),
        ("张三*", False),  # two characters: only a compound surname
        ("张", False),
        ("*", False),
        ("**", False),
        ("张**", False),
        ("欧阳锋*", False),
        ("张三", False),
    ],
)
def test_masked_name_shape(masked: str, ok: bool) -> None:
    assert masked_name_shape(masked) is ok
    row = {"key": "k", "masked_name": VAULT}
    assert (compare("d", [{"key": "k", "masked_name": masked}], [row]) == []) is ok


# -- supervision and key projects -----------------------------------------------------------


def test_supervision_case_stages() -> None:
    log = Log()
    case = log.add(
        "c", "supervision.CaseOpened", at="2023-02-01", role="supervision", target_kind="unit",
        target="某某快递站点", reason="inspection", detail="d", county="taihu", trigger=None,
        source=None,
    )  # fmt: skip
    expect = {
        "key": case, "case": case, "target_kind": "unit", "target": "某某快递站点",
        "target_name": "某某快递站点", "reason": "inspection", "county": "taihu",
        "trigger": None, "source": None,
        "opened_on": "2023-02-01", "stage": "opened", "talks": 0, "guidance": 0,
        "deadline": None, "listed_on": None, "rectified_on": None, "closed_on": None,
        "evidence": None,
    }  # fmt: skip
    assert log.lists()["supervision-cases"] == [expect]
    steps: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
        ("supervision.TalkHeld", "2023-02-02", {"note": "n"}, {"stage": "talk", "talks": 1}),
        ("supervision.TalkHeld", "2023-02-03", {"note": "n"}, {"talks": 2}),
        ("supervision.GuidanceGiven", "2023-02-04", {"instructor": "i", "note": "n"},
         {"stage": "guidance", "guidance": 1}),
        ("supervision.CaseListed", "2023-02-05", {"deadline": "2023-03-31", "note": "n"},
         {"stage": "listed", "deadline": "2023-03-31", "listed_on": "2023-02-05"}),
        ("supervision.RectificationReported", "2023-03-01", {"note": "n", "evidence": ""},
         {"stage": "rectified", "rectified_on": "2023-03-01"}),
        ("supervision.RectificationReported", "2023-03-20", {"note": "n", "evidence": ""},
         {"rectified_on": "2023-03-20"}),
        ("supervision.TalkHeld", "2023-03-21", {"note": "n"}, {"stage": "talk", "talks": 3}),
        ("supervision.CaseClosed", "2023-03-30", {"evidence": "doc-7"},
         {"stage": "closed", "closed_on": "2023-03-30", "evidence": "doc-7"}),
    ]  # fmt: skip
    for kind, at, data, change in steps:
        log.add("c", kind, at=at, role="supervision", **data)
        expect |= change
        assert log.lists()["supervision-cases"] == [expect], kind


def test_case_on_a_cadre_and_an_escalated_project_item() -> None:
    log = Log()
    project = log.add(
        "p", "keyproject.Registered", name="驿站建设", owner_unit="邮政管理局",
        county="yuexi", lead="org-lead", year=2023, items=[
            {"item": "a1", "title": "选址", "due": "2023-03-31"},
            {"item": "a2", "title": "装修", "due": "2023-06-30"},
            {"item": "a3", "title": "开放", "due": "2023-09-30"},
        ],
    )  # fmt: skip
    log.add("p", "keyproject.ProgressReported", at="2023-03-15", item="a1", done=False,
            note="n", month="2023-03")  # fmt: skip
    log.add("p", "keyproject.ProgressReported", at="2023-04-10", item="a1", done=True,
            note="n", month="2023-04")  # fmt: skip
    log.add("p", "keyproject.ProgressReported", at="2023-05-10", item="a2", done=False,
            note="n", month="2023-05")  # fmt: skip
    case = log.add("case", "supervision.CaseOpened", role="supervision", target_kind="unit_head",
                   target=sid("head"), reason="overdue_project", detail="d", county="taihu",
                   trigger="keyproject.item_overdue", source=f"{project}/a2")  # fmt: skip
    log.add("p", "keyproject.ItemEscalated", role="supervision", item="a2", case=case,
            rule="keyproject.item_overdue")  # fmt: skip
    lists = log.lists()
    assert lists["key-projects"] == [
        {
            "key": project, "project": project, "name": "驿站建设", "owner_unit": "邮政管理局",
            "county": "yuexi", "lead": "org-lead", "year": 2023, "amendments": [],
            "items": [
                {"due": "2023-03-31", "done": True, "done_month": "2023-04",
                 "escalated_case": None, "item": "a1", "title": "选址", "verified": False},
                {"due": "2023-06-30", "done": False, "done_month": None,
                 "escalated_case": case, "item": "a2", "title": "装修", "verified": False},
                {"due": "2023-09-30", "done": False, "done_month": None,
                 "escalated_case": None, "item": "a3", "title": "开放", "verified": False},
            ],
            "progress": [
                {"done": False, "item": "a1", "month": "2023-03"},
                {"done": True, "item": "a1", "month": "2023-04"},
                {"done": False, "item": "a2", "month": "2023-05"},
            ],
        }
    ]  # fmt: skip
    (row,) = lists["supervision-cases"]
    assert (row["target_name"], row["trigger"], row["source"]) == (
        VAULT,
        "keyproject.item_overdue",
        f"{project}/a2",
    )


def test_the_fold_keeps_state_and_rows_do_not_change_it() -> None:
    log = Log()
    open_fund(log)
    disburse(log, "a")
    fold = Lists()
    for index, line in enumerate(log.lines):
        fold.add(index, parse_record(line))
    first = fold.rows("disbursements")
    first[0]["approval_chain"].append("tampered")
    assert fold.rows("disbursements") != first
    assert fold.rows("disbursements") == log.lists()["disbursements"]


def test_records_the_lists_cannot_be_folded_from_are_named() -> None:
    log = Log()
    log.add("a", "carefund.ApplicationSubmitted", fund_year=sid("never-opened"),
            subject=sid("subject-a"), industry="other", hardship="illness", requested_tier=1,
            priority=False)  # fmt: skip
    log.add("a", "carefund.GrantDisbursed", amount_fen=1, reference="r",
            disbursed_on="2023-03-01", follow_up_due="2023-04-01")  # fmt: skip
    with pytest.raises(ValueError, match=r"records\.jsonl line 2: carefund\.GrantDisbursed"):
        log.lists()


# -- a bundle with published lists ----------------------------------------------------------


def full_log() -> Log:
    """The records below with the registry they need before them (rule principal.role)."""
    return enrolled(records_log())


def records_log() -> Log:
    log = Log()
    for name, kind in [("subject-a", "worker"), ("subject-b", "worker"), ("subject-c", "worker"),
                       *((f"cadre-book{n}", "cadre") for n in range(3))]:  # fmt: skip
        log.add(name, "subject.Registered", commitment="0" * 64, kind=kind)
    open_fund(log)
    log.add("fund", "carefund.ContributionReceived", source="trade_union", amount_fen=500_000,
            reference="r", donor=None)  # fmt: skip
    disburse(log, "a", tier=2, amount=200_000)
    disburse(log, "b")
    erase(log, "subject-b", at="2023-04-10")  # after its grant's posting window (30 days)
    log.add("fund", "carefund.AuditResultRecorded", role="audit", title="审计", conclusion="合规",
            findings=[])  # fmt: skip
    open_scheme(log)
    for n, total in enumerate([30, 20, 20]):
        score(log, open_book(log, f"book{n}"), 1, total, component="evaluation")
    log.add("case", "supervision.CaseOpened", role="supervision", target_kind="cadre",
            target=sid("cadre-book1"), reason="complaint", detail="d", county="taihu", trigger=None,
            source=None)  # fmt: skip
    log.add("p", "keyproject.Registered", name="n", owner_unit="u", county="yuexi",
            principal="org-yuexi",
            lead="org-lead", year=2023,
            items=[{"item": "a1", "title": "t", "due": "2023-03-31"}])  # fmt: skip
    disburse(log, "c", on="2023-05-01")
    return log


def with_names(row: Row) -> Row:
    """What the ledger would publish: names from the vault where the verifier sees VAULT."""
    names = {"masked_name": "张*", "name": "张三", "target_name": "李四"}
    return {k: names[k] if v == VAULT else v for k, v in row.items()}


def write_list(
    bundle: Path, name: str, rows: list[Row], size: int, params: dict[str, int] | None = None
) -> Path:
    lines = [canonical_bytes(with_names(row)) for row in rows]
    header = {
        "digest": digest(lines),
        "format": "gongshi-published/v1",
        "list": name,
        "params": DEFAULTS.get(name, {}) if params is None else params,
        "rows": len(lines),
        "tree_size": size,
    }
    path = bundle / "published" / f"{name}.jsonl"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(b"".join(line + b"\n" for line in [canonical_bytes(header), *lines]))
    return path


def write_bundle(tmp_path: Path, log: Log, publish: bool = True) -> Path:
    bundle = tmp_path / "bundle"
    (bundle / "keys").mkdir(parents=True)
    (bundle / "records.jsonl").write_bytes(b"".join(line + b"\n" for line in log.lines))
    tree = CompactRange()
    for line in log.lines:
        tree.append(leaf_hash(line))
    signer = Signer(ORIGIN, Ed25519PrivateKey.generate())
    (bundle / "keys" / "log.vkey").write_text(signer.verifier.vkey() + "\n")
    (bundle / "policy").write_text(f"log {signer.verifier.vkey()}\nquorum none\n")
    text = Checkpoint(ORIGIN, tree.size, tree.root()).text()
    (bundle / "checkpoint").write_text(text + "\n" + signer.sign_line(text))
    (bundle / "checkpoints").mkdir()
    shutil.copy(bundle / "checkpoint", bundle / "checkpoints" / str(tree.size))
    manifest = {
        "files": {"records.jsonl": "the records"}, "format": "gongshi-bundle/v1",
        "origin": ORIGIN, "root": base64.b64encode(tree.root()).decode(),
        "timezone": "Asia/Shanghai", "tree_size": tree.size,
    }  # fmt: skip
    (bundle / "MANIFEST.json").write_bytes(canonical_bytes(manifest) + b"\n")
    if publish:
        for name, rows in log.lists().items():
            write_list(bundle, name, rows, len(log.lines))
    return bundle


def rewrite(path: Path, change: Any, fix_header: bool = True) -> None:
    """Apply ``change`` to the row lines (bytes), then (optionally) make the header agree."""
    header, *lines = path.read_bytes().split(b"\n")[:-1]
    lines = change(lines)
    value = json.loads(header)
    if fix_header:
        value |= {"digest": digest(lines), "rows": len(lines)}
    path.write_bytes(b"".join(line + b"\n" for line in [canonical_bytes(value), *lines]))


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    return write_bundle(tmp_path, full_log())


def verified(bundle: Path) -> BundleReport:
    """The bundle checked under its own policy (the log key, no witnesses)."""
    policy = parse_policy((bundle / "policy").read_text())
    return verify_bundle(bundle, Anchor(policy, "the test's policy"))


def failures(bundle: Path) -> list[str]:
    return [f"{failure.where}: {failure.message}" for failure in verified(bundle).failures]


def test_clean_bundle_with_published_lists_passes(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = verified(bundle)
    assert report.failures == []
    lists = full_log().lists()
    assert report.published_lists == len(LISTS)
    assert report.published_rows == sum(len(rows) for rows in lists.values()) == 3 + 1 + 1 + 15 + 2
    assert main(["bundle", str(bundle), "--policy", str(bundle / "policy")]) == 0
    assert f"{len(LISTS)} published lists (22 rows) recomputed" in capsys.readouterr().out


def test_bundle_without_published_lists_checks_none(tmp_path: Path) -> None:
    report = verified(write_bundle(tmp_path, full_log(), publish=False))
    assert report.ok and (report.published_lists, report.published_rows) == (0, 0)


def test_lists_at_different_tree_sizes(bundle: Path) -> None:
    log = full_log()
    prefix = Log()
    size = len(log.lines) - len(records_log().lines) + 14  # the registry, then
    prefix.lines = log.lines[:size]  # the subjects, the fund and the first disbursement
    write_list(bundle, "disbursements", prefix.lists()["disbursements"], size)
    write_list(bundle, "fund-ledger", [], 0)
    report = verified(bundle)
    assert report.failures == [] and report.published_lists == len(LISTS)
    write_list(bundle, "fund-ledger", log.lists()["fund-ledger"], 0)
    assert failures(bundle) == [
        f"published/fund-ledger.jsonl row {log.sid('fund')}: extra (not recomputed from the "
        "records)"
    ]


def test_list_at_an_earlier_size_with_later_rows(bundle: Path) -> None:
    log = full_log()
    before_b = next(i for i, line in enumerate(log.lines) if b'"reference":"pay-b"' in line)
    write_list(bundle, "disbursements", log.lists()["disbursements"], before_b)  # a paid only
    found = failures(bundle)
    extra = "extra (not recomputed from the records)"
    assert sorted(found) == sorted(
        f"published/disbursements.jsonl row {sid(app)}: {extra}" for app in "bc"
    )


def test_changed_amount_in_published_row(bundle: Path) -> None:
    path = bundle / "published" / "disbursements.jsonl"
    key = sid("a")

    def change(lines: list[bytes]) -> list[bytes]:
        return [line.replace(b'"amount_fen":200000', b'"amount_fen":2000000') for line in lines]

    rewrite(path, change)
    assert failures(bundle) == [
        f"published/disbursements.jsonl row {key}: member amount_fen published 2000000, "
        "recomputed 200000"
    ]


def test_changed_total_in_points_row(bundle: Path) -> None:
    key = f"{full_log().sid('book0')}/year"

    def change(lines: list[bytes]) -> list[bytes]:
        return [line.replace(b'"total":30', b'"total":33') for line in lines]

    rewrite(bundle / "published" / "points.jsonl", change)
    assert f"published/points.jsonl row {key}: member total published 33, recomputed 30" in (
        failures(bundle)
    )


def test_row_removed(bundle: Path) -> None:
    rewrite(bundle / "published" / "disbursements.jsonl", lambda lines: lines[1:])
    (found,) = failures(bundle)
    assert (
        found.startswith("published/disbursements.jsonl row ") and ": missing (recomputed" in found
    )


def test_row_added(bundle: Path) -> None:
    def change(lines: list[bytes]) -> list[bytes]:
        forged = json.loads(lines[-1]) | {"key": "ffffffff-forged", "application": "forged"}
        return [*lines, canonical_bytes(forged)]

    rewrite(bundle / "published" / "disbursements.jsonl", change)
    assert failures(bundle) == [
        "published/disbursements.jsonl row ffffffff-forged: extra (not recomputed from the records)"
    ]


def test_digest_mismatch(bundle: Path) -> None:
    path = bundle / "published" / "audit-results.jsonl"
    header, rest = path.read_bytes().split(b"\n", 1)
    value = json.loads(header)
    real = value["digest"]
    value["digest"] = "0" * 64
    path.write_bytes(canonical_bytes(value) + b"\n" + rest)
    assert failures(bundle) == [
        f"published/audit-results.jsonl: header digest {'0' * 64!r}, computed {real!r}"
    ]


def test_row_changed_without_fixing_the_digest(bundle: Path) -> None:
    def change(lines: list[bytes]) -> list[bytes]:
        return [lines[0].replace(b'"follow_ups":0', b'"follow_ups":1'), *lines[1:]]

    rewrite(bundle / "published" / "disbursements.jsonl", change, fix_header=False)
    found = failures(bundle)
    assert "digest" in found[0] and "member follow_ups published 1, recomputed 0" in found[1]


def test_non_canonical_line(bundle: Path) -> None:
    def change(lines: list[bytes]) -> list[bytes]:
        return [json.dumps(json.loads(lines[0])).encode(), *lines[1:]]

    rewrite(bundle / "published" / "fund-ledger.jsonl", change)
    found = failures(bundle)
    assert found[0].startswith("published/fund-ledger.jsonl line 2: not canonical JSON")
    assert f"row {full_log().sid('fund')}: missing" in found[1] and len(found) == 2


def test_keys_out_of_order(bundle: Path) -> None:
    rewrite(bundle / "published" / "disbursements.jsonl", lambda lines: lines[::-1])
    assert any("(not ascending)" in found for found in failures(bundle))


def test_tree_size_beyond_bundle(bundle: Path) -> None:
    size = len(full_log().lines)
    write_list(bundle, "key-projects", full_log().lists()["key-projects"], size + 1)
    assert failures(bundle) == [
        f"published/key-projects.jsonl: tree_size {size + 1} beyond the bundle's size {size}"
    ]


def test_unknown_list(bundle: Path) -> None:
    write_list(bundle, "rumours", [{"key": "a"}], 1)
    assert failures(bundle) == [
        "published/rumours.jsonl: header list: expected one of assessment-loops, audit-results, "
        "disbursements, fund-ledger, key-projects, lectures, mentoring-pairs, objections, points,"
        " postings, supervision-cases, training-classes, got 'rumours'"
    ]


def test_header_of_another_format_or_list(bundle: Path) -> None:
    path = bundle / "published" / "points.jsonl"
    header, rest = path.read_bytes().split(b"\n", 1)
    value = json.loads(header) | {"format": "gongshi-published/v2", "list": "disbursements"}
    path.write_bytes(canonical_bytes(value) + b"\n" + rest)
    found = failures(bundle)
    assert "published/points.jsonl: header format 'gongshi-published/v2', this verifier" in found[0]
    assert (
        "published/points.jsonl: header list 'disbursements', the file's name says 'points'"
        in (found[1])
    )


@pytest.mark.parametrize(
    "params", [{"luck": 1}, {"excellence_per_category": 3}], ids=["luck", "excellence-count"]
)
def test_unknown_params_are_refused(bundle: Path, params: dict[str, int]) -> None:
    """The points list takes no param: its excellence is the close's, not a count setting."""
    write_list(bundle, "points", full_log().lists()["points"], len(full_log().lines), params)
    (found,) = points_failures(bundle)
    (unknown,) = params
    assert found == (
        "published/points.jsonl: header points params: expected only [], "
        f"got unknown param {unknown!r}"
    )


def points_failures(bundle: Path) -> list[str]:
    """The failures about the published points list (the records' own rules aside)."""
    return [f for f in failures(bundle) if f.startswith("published/points.jsonl")]


def test_excellent_candidate_from_live_totals_is_reported(bundle: Path) -> None:
    """The old rule (the highest live totals of a category) published where no close chose:
    a year row flagged without the close's top is a difference."""
    log = full_log()
    rows = log.lists()["points"]
    year = max((r for r in rows if r["period"] == "year"), key=lambda r: r["total"])
    assert year["excellent_candidate"] is None  # no YearClosed in this log
    year["excellent_candidate"] = True
    write_list(bundle, "points", rows, len(log.lines))
    (found,) = points_failures(bundle)
    assert "member excellent_candidate published" in found and year["key"] in found


def test_erased_name_for_a_subject_erased_after_the_bundle_is_accepted(bundle: Path) -> None:
    def change(lines: list[bytes]) -> list[bytes]:
        return [line.replace("张*".encode(), ERASED.encode()) for line in lines]

    rewrite(bundle / "published" / "disbursements.jsonl", change)
    assert failures(bundle) == []


def test_unmasked_name_published_for_a_living_subject(bundle: Path) -> None:
    def change(lines: list[bytes]) -> list[bytes]:
        return [line.replace("张*".encode(), "张三".encode()) for line in lines]

    rewrite(bundle / "published" / "disbursements.jsonl", change)
    found = failures(bundle)
    assert len(found) == 2 and all("member masked_name published" in f for f in found)


def test_read_published_returns_header_rows_and_problems(bundle: Path) -> None:
    header, rows, problems = read_published(bundle / "published" / "points.jsonl")
    assert problems == [] and header["rows"] == len(rows) == 15
    assert [row["key"] for row in rows] == sorted(row["key"] for row in rows)


def test_published_list_removed_from_a_bundle_whose_manifest_lists_them(bundle: Path) -> None:
    manifest = json.loads((bundle / "MANIFEST.json").read_bytes())
    manifest["files"]["published/"] = "the public lists"
    (bundle / "MANIFEST.json").write_bytes(canonical_bytes(manifest) + b"\n")
    assert failures(bundle) == []
    (bundle / "published" / "points.jsonl").unlink()
    assert failures(bundle) == [
        "published/points.jsonl: missing: a bundle with published/ holds every list"
    ]
