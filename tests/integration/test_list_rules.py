"""The rules of docs/FORMAT.md §8 that an outside auditor had to guess, each held on both
sides: the projections (in the database, on both backends, leaf by leaf and in one batch)
and verify/lists.py build the same rows from the same hand-built records, and the rows are
what the rule quoted in the test's docstring says."""

from __future__ import annotations

from typing import Any

from ledger.settings import Database
from tests.integration.projection_helpers import project_lines
from tests.support.records import Log, close_year, sid
from tests.unit.test_verify_published import (
    PLACE,
    disburse,
    open_book,
    open_fund,
    open_scheme,
    revoke,
    score,
)
from verify.lists import Row
from verify.published import compare

APPLICATION: dict[str, Any] = {"industry": "express_delivery", "hardship": "illness",
                               "requested_tier": 1, "priority": False}  # fmt: skip


def both_sides(database: Database, log: Log, **params: dict[str, int]) -> dict[str, list[Row]]:
    """The lists as verify/ recomputes them, after checking the projections build the same
    rows (names from the vault aside) leaf by leaf and in one batch."""
    recomputed = log.lists(**params)
    by_leaf = project_lines(database, log.lines, params)
    for name, rows in recomputed.items():
        assert compare(name, by_leaf[name], rows) == [], name
    assert project_lines(database, log.lines, params, batch=len(log.lines)) == by_leaf
    return recomputed


def by_key(rows: list[Row]) -> dict[str, Row]:
    return {row["key"]: row for row in rows}


def test_repeated_records_the_last_gives_the_value_counts_and_sums_take_all(
    database: Database,
) -> None:
    """FORMAT.md §8, "Repeated records": "the member takes the value of the last of them in
    leaf order. Counts (`follow_ups`, `talks`, `guidance`) and sums (`recovered_fen`, …) take
    every one of them, wherever it lies in the stream, even before the record that makes the
    row"."""
    log = Log()
    fund = open_fund(log)
    a = disburse(log, "a", tier=1, amount=100_000, on="2023-03-10", due="2023-04-09")
    log.add("a", "carefund.ApplicationReviewed", at="2023-03-20", decision="approve", reason="复核")
    log.add("a", "carefund.ApplicationApproved", at="2023-03-21", tier=2, amount_fen=200_000)
    log.add("a", "carefund.GrantDisbursed", at="2023-03-22", amount_fen=200_000,
            reference="pay-a2", disbursed_on="2023-03-22", follow_up_due="2023-06-20")  # fmt: skip
    last_grant = len(log.lines) - 1
    # b: a follow-up recorded before the grant is paid still counts, and settles it
    b = log.add("b", "carefund.ApplicationSubmitted", fund_year=fund, subject=sid("subject-b"),
                **APPLICATION)  # fmt: skip
    log.add("b", "carefund.ApplicationReviewed", decision="approve", reason="r")
    log.add("b", "carefund.ApplicationApproved", tier=1, amount_fen=100_000)
    log.add("b", "carefund.FollowUpRecorded", visited_on="2023-03-01", outcome="stable",
            note_commitment="0" * 64)  # fmt: skip
    log.add("b", "carefund.GrantDisbursed", amount_fen=100_000, reference="pay-b",
            disbursed_on="2023-03-02", follow_up_due="2023-04-01")  # fmt: skip
    # c: recoveries before, between and after two revocations
    c = disburse(log, "c")
    for step in ("recovery", "revoke-rules", "recovery", "revoke-law", "recovery"):
        if step == "recovery":
            log.add("c", "carefund.RecoveryReceived", amount_fen=10_000, reference="r")
        else:
            revoke(log, "c", 50_000 if step == "revoke-rules" else 80_000)
    log.add("c", "carefund.GrantRevoked", violation="law", reason="再查", recover_fen=90_000,
            discipline_referral=False, judicial_referral=True, accountable_organisation="x",
            responsible=[])  # fmt: skip
    # a supervision case listed, rectified and closed twice each; talks counted
    case = log.add("case", "supervision.CaseOpened", at="2023-02-01", target_kind="unit",
                   target="某站点", reason="complaint", detail="d", county="taihu", trigger=None,
                   source=None)  # fmt: skip
    for kind, at, data in [
        ("supervision.TalkHeld", "2023-02-02", {"note": "n"}),
        ("supervision.CaseListed", "2023-02-03", {"deadline": "2023-03-01", "note": "n"}),
        ("supervision.CaseListed", "2023-02-04", {"deadline": "2023-04-01", "note": "n"}),
        ("supervision.RectificationReported", "2023-03-05", {"note": "n", "evidence": ""}),
        ("supervision.CaseClosed", "2023-03-06", {"evidence": "doc-1"}),
        ("supervision.TalkHeld", "2023-03-07", {"note": "n"}),
        ("supervision.RectificationReported", "2023-03-08", {"note": "n", "evidence": ""}),
        ("supervision.CaseClosed", "2023-03-09", {"evidence": "doc-2"}),
    ]:
        log.add("case", kind, at=at, **data)
    # a key project's item reported done twice and escalated twice
    project = log.add("p", "keyproject.Registered", name="驿站", owner_unit="邮政",
                      county="yuexi", lead="org-lead", year=2023,
                      items=[{"item": "a1", "title": "t", "due": "2023-03-31"}])  # fmt: skip
    for month in ("2023-03", "2023-05"):
        log.add("p", "keyproject.ProgressReported", item="a1", done=True, note="n", month=month)
    for n in (1, 2):
        log.add("p", "keyproject.ItemEscalated", item="a1", case=sid(f"case-{n}"),
                rule="keyproject.item_overdue")  # fmt: skip
    # a book appraised twice
    open_scheme(log)
    book = open_book(log, "book")
    for grade, percent in [("competent", 100), ("excellent", 105)]:
        log.add("book", "points.Appraised", grade=grade, base_pay_fen=100_000,
                pay_percent=percent, adjusted_pay_fen=1_000 * percent, close=1,
                reason="")  # fmt: skip

    lists = both_sides(database, log)
    rows = by_key(lists["disbursements"])
    assert (rows[a]["reviewed_on"], rows[a]["approved_on"], rows[a]["tier"]) == (
        "2023-03-20", "2023-03-21", 2)  # fmt: skip
    assert (rows[a]["amount_fen"], rows[a]["disbursed_on"], rows[a]["leaf"]) == (
        200_000, "2023-03-22", last_grant)  # fmt: skip
    assert rows[b]["follow_ups"] == 1
    assert rows[c]["revocation"] == {"recover_fen": 90_000, "recovered_fen": 30_000,
                                     "violation": "law"}  # fmt: skip
    (ledger_row,) = lists["fund-ledger"]
    assert ledger_row["pending_follow_ups"] == [{"application": a, "due": "2023-06-20"}]
    assert ledger_row["by_tier"] == {"1": {"amount_fen": 300_000, "count": 3},
                                     "2": {"amount_fen": 200_000, "count": 1}}  # fmt: skip
    (case_row,) = lists["supervision-cases"]
    assert case_row["key"] == case
    assert {k: case_row[k] for k in ("stage", "talks", "deadline", "listed_on", "rectified_on",
                                     "closed_on", "evidence")} == {
        "stage": "closed", "talks": 2, "deadline": "2023-04-01", "listed_on": "2023-02-04",
        "rectified_on": "2023-03-08", "closed_on": "2023-03-09", "evidence": "doc-2",
    }  # fmt: skip
    (project_row,) = lists["key-projects"]
    assert project_row["key"] == project
    assert project_row["items"] == [{
        "due": "2023-03-31", "done": True, "done_month": "2023-05",
        "escalated_case": sid("case-2"), "item": "a1", "title": "t", "verified": False,
    }]  # fmt: skip
    year = by_key(lists["points"])[f"{book}/year"]
    assert (year["grade"], year["pay_percent"], year["adjusted_pay_fen"]) == (
        "excellent",
        105,
        105_000,
    )


def test_dates_are_taken_as_recorded_when_at_goes_backwards(database: Database) -> None:
    """FORMAT.md §2: "`at` is not monotonic, neither within a stream nor in leaf order … the
    lists (§8) use `at` only for dates, as recorded"."""
    log = Log()
    fund = open_fund(log)
    app = log.add("a", "carefund.ApplicationSubmitted", at="2023-03-05", fund_year=fund,
                  subject=sid("subject-a"), **APPLICATION)  # fmt: skip
    log.add("a", "carefund.ApplicationReviewed", at="2023-03-01", decision="approve", reason="r")
    log.add("a", "carefund.ApplicationApproved", at="2023-02-27", tier=1, amount_fen=100_000)
    log.add("a", "carefund.GrantDisbursed", at="2023-02-26", amount_fen=100_000, reference="p",
            disbursed_on="2023-02-26", follow_up_due="2023-03-28")  # fmt: skip
    row = by_key(both_sides(database, log)["disbursements"])[app]
    assert (row["submitted_on"], row["reviewed_on"], row["approved_on"]) == (
        "2023-03-05", "2023-03-01", "2023-02-27")  # fmt: skip


def test_audit_result_belongs_to_the_fund_year_of_its_stream(database: Database) -> None:
    """FORMAT.md §8 `audit-results`: "`fund_year`: the record's stream id (an audit result goes
    to the fund year's stream, §4); `fund`, `year`: of that stream's `FundYearOpened`"."""
    log = Log()
    open_fund(log)
    later = log.add("fund-2024", "carefund.FundYearOpened", fund="tongcheng-pioneer-care",
                    year=2024, budget_fen=5_000_000, tiers_fen={"1": 50_000},
                    first_follow_up_days=90, posting_days=30, follow_up_interval_days=90,
                    follow_ups=4)  # fmt: skip
    log.add("fund-2024", "carefund.AuditResultRecorded", at="2024-12-30", title="2024 审计",
            conclusion="合规", findings=[])  # fmt: skip
    (row,) = both_sides(database, log)["audit-results"]
    assert (row["key"], row["fund_year"], row["year"]) == (f"{later}/0000000002", later, 2024)


def test_excellence_candidates_are_the_last_closes_top_set(database: Database) -> None:
    """FORMAT.md §8 `points` `excellent_candidate`: "`year` rows: the book's `closed_top` … `null`
    before the scheme's first close": the close's top set per scheme and category, whatever the
    live totals (no count setting; 优秀 only from the top of the closed ranking)."""
    log = Log()
    open_scheme(log)
    log.add("scheme-2", "points.SchemeOpened", county="taihu", year=2023,
            staff="community_cadres", categories={"principal": "正职"},
            bonus_cap_tenths=50, pay_percent={"excellent": 105, "competent": 100,
            "basically_competent": 100, "incompetent": 95},
            bottom_share_percent=10, excellent_share_percent=15)  # fmt: skip
    totals = {"p1": ("scheme", "principal", 90), "p2": ("scheme", "principal", 80),
              "d1": ("scheme", "deputy", 10), "o1": ("scheme-2", "principal", 20),
              "o2": ("scheme-2", "principal", 20)}  # fmt: skip
    for name, (scheme, category, total) in totals.items():
        book = log.add(name, "points.BookOpened", scheme=log.sid(scheme),
                       cadre=sid(f"cadre-{name}"), **PLACE,
                       category=category, year=2023, bonus_cap_tenths=50)  # fmt: skip
        score(log, book, 1, total)

    def flags() -> dict[str, Any]:
        rows = by_key(both_sides(database, log)["points"])
        assert all(rows[f"{log.sid(n)}/Q4"]["excellent_candidate"] is None for n in totals)
        return {n: rows[f"{log.sid(n)}/year"]["excellent_candidate"] for n in totals}

    assert set(flags().values()) == {None}  # no close: no candidate, whatever the totals
    for scheme, top in (("scheme", {"p1", "d1"}), ("scheme-2", {"o1", "o2"})):
        ranking = [{"cadre": sid(f"cadre-{n}"), "book": log.sid(n), "category": c,
                    "total_tenths": t, "rank": 1, "bottom": False, "top": n in top}
                   for n, (s, c, t) in totals.items() if s == scheme]  # fmt: skip
        close_year(log, scheme, close=1, ranking=ranking, cases=[])
    assert flags() == {"p1": True, "p2": False, "d1": True, "o1": True, "o2": True}


def test_tier_key_of_a_disbursement_without_approval_is_null(database: Database) -> None:
    """FORMAT.md §8 `fund-ledger` `by_tier`: "the tier of the application's last
    `ApplicationApproved` before it, as a decimal string (`"null"` when none …)"."""
    log = Log()
    fund = open_fund(log)
    log.add("a", "carefund.ApplicationSubmitted", fund_year=fund, subject=sid("subject-a"),
            **APPLICATION)  # fmt: skip
    log.add("a", "carefund.GrantDisbursed", amount_fen=100_000, reference="p",
            disbursed_on="2023-03-02", follow_up_due="2023-04-01")  # fmt: skip
    (row,) = both_sides(database, log)["fund-ledger"]
    assert row["by_tier"] == {"null": {"amount_fen": 100_000, "count": 1}}


def test_total_sums_the_bonus_without_a_cap(database: Database) -> None:
    """FORMAT.md §8 `points` `total`: "`work + evaluation + bonus − deduction`. No cap is
    applied here: the cap is the rule `points.bonus_cap` of §4"."""
    log = Log()
    open_scheme(log)
    book = open_book(log, "a", cap=50)
    score(log, book, 1, 100)
    score(log, book, 2, 80, component="bonus")  # over the cap: a log §4 calls invalid
    row: dict[str, Any] = by_key(both_sides(database, log)["points"])[f"{book}/year"]
    assert (row["bonus"], row["total"]) == (80, 180)


def test_year_rows_show_the_last_close_and_keep_it_through_a_reopening(
    database: Database,
) -> None:
    """FORMAT.md §8 `points`: `close`, `closed_total`, `closed_rank`, `closed_bottom`,
    `closed_top` — "from the book's row in the scheme's last `points.YearClosed` … which a
    reopening leaves in place until the next close"; `null` for quarters and before a close."""
    log = Log()
    open_scheme(log)
    for name, total in (("a", 10), ("b", 30)):
        log.add(f"cadre-{name}", "subject.Registered", commitment="0" * 64, kind="cadre")
        score(log, open_book(log, name), 1, total, component="evaluation")
    before = by_key(both_sides(database, log)["points"])
    assert before[f"{log.sid('a')}/year"]["close"] is None

    def ranking(close: int, a: int) -> dict[str, Any]:
        rows = [(a, "a"), (30, "b")]
        rows.sort(key=lambda r: -r[0])
        ranks = {n: i + 1 for i, (_, n) in enumerate(rows)}
        data = [{"cadre": sid(f"cadre-{n}"), "book": log.sid(n), "category": "principal",
                 "total_tenths": t, "rank": ranks[n], "bottom": ranks[n] == 2,
                 "top": ranks[n] == 1} for t, n in rows]  # fmt: skip
        return {"close": close, "ranking": data, "cases": []}

    close_year(log, "scheme", **ranking(1, 10))
    log.add("scheme", "points.YearReopened", reason="补录")
    score(log, log.sid("a"), 2, 5, component="evaluation")
    rows = by_key(both_sides(database, log)["points"])
    year_a, q2_a = rows[f"{log.sid('a')}/year"], rows[f"{log.sid('a')}/Q2"]
    members = ("total", "close", "closed_total", "closed_rank", "closed_bottom", "closed_top",
               "excellent_candidate")  # fmt: skip
    assert [year_a[m] for m in members] == [15, 1, 10, 2, True, False, False]
    assert q2_a["close"] is None and q2_a["closed_rank"] is None
    close_year(log, "scheme", **ranking(2, 15))
    rows = by_key(both_sides(database, log)["points"])
    assert rows[f"{log.sid('a')}/year"]["closed_total"] == 15
    assert rows[f"{log.sid('a')}/year"]["close"] == 2
    assert rows[f"{log.sid('b')}/year"]["excellent_candidate"] is True  # the close's top
