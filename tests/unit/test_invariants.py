"""The rules across records of docs/FORMAT.md §4 (verify/invariants.py, verify/streams.py),
checked after every record. Tests are named after the misbehaviour they catch; each fails if
its check is removed or weakened (a total checked only at the end, a running total replaced
by the last amount, recoveries freeing budget, the approver allowed to pay)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.support.records import Log, close_year, counted, sid
from tests.unit.test_invariants_year_close import snapshot
from tests.unit.test_verify_published import disburse, open_book, open_scheme, score
from verify.failure import Failure
from verify.invariants import Invariants
from verify.record import parse_record
from verify.rules_carefund import PAIR

APPLICATION: dict[str, Any] = {
    "industry": "other",
    "hardship": "illness",
    "requested_tier": 1,
    "priority": False,
}


def failures(log: Log, family: str = "") -> list[Failure]:
    """Every rule whose name starts with ``family`` the log's records break, in leaf order
    (where: records.jsonl line N), and what is left unpaired at the end. ``carefund.pair``
    only when ``family`` names it: the money and step tests here write one side of a
    command (a fund year's grant without the application's approval) to isolate their rule
    (the pairs: tests/unit/test_invariants_carefund_pair.py). The principal rules
    (``principal.``) likewise only when ``family`` names them: these logs of other rules
    enrol no one (the registry's: tests/unit/test_principal_rules.py)."""
    rules, found = Invariants(), []
    for number, line in enumerate(log.lines, start=1):
        found += rules.add(parse_record(line), f"records.jsonl line {number}")
    found += rules.end()
    return [f for f in found if f.rule.startswith(family) and counted(f.rule, family)]


def broken(log: Log, family: str) -> list[tuple[str, str, str | None, str | None]]:
    return [(f.where, f.rule, f.expected, f.computed) for f in failures(log, family)]


def funded(log: Log, budget: int = 1_000_000, cash: int = 1_000_000) -> str:
    fund = log.add("fund", "carefund.FundYearOpened", fund="tongcheng-pioneer-care",
                   year=2023, budget_fen=budget, tiers_fen=TIERS,
                   first_follow_up_days=30, posting_days=30, follow_up_interval_days=90,
                   follow_ups=4)  # fmt: skip
    log.add("fund", "carefund.ContributionReceived", source="trade_union", amount_fen=cash,
            reference="r", donor=None)  # fmt: skip
    return fund


# the test fund year's tiers: a grant's amount is its tier's (carefund.tier)
TIERS = {"1": 100_000, "2": 200_000, "3": 60_000, "4": 1}


def grant(log: Log, amount: int, name: str = "app") -> None:
    """A grant of ``amount``, of the tier with that amount."""
    tier = int(next(t for t, fen in TIERS.items() if fen == amount))
    log.add("fund", "carefund.GrantCommitted", application=sid(name), tier=tier,
            amount_fen=amount)  # fmt: skip


def registered(log: Log, *names: str) -> None:
    for name in names:
        log.add(name, "subject.Registered", commitment="0" * 64, kind="worker")


def applied(log: Log, name: str, fund: str) -> str:
    registered(log, f"subject-{name}")
    return log.add(name, "carefund.ApplicationSubmitted", fund_year=fund,
                   subject=sid(f"subject-{name}"), **APPLICATION)  # fmt: skip


def test_a_valid_history_breaks_no_rule() -> None:
    log = Log()
    registered(log, "subject-a", "subject-b")
    funded(log)
    disburse(log, "a")
    disburse(log, "b", tier=2, amount=200_000)
    assert failures(log) == failures(log, PAIR) == []


def test_invariant_budget_exceeded_midway_then_recovered_is_caught() -> None:
    """§4 rule 1: "the running sum of `GrantCommitted.amount_fen` never exceeds the
    `FundYearOpened.budget_fen`. Recoveries do not free budget" — checked "after every
    record": over budget at line 4, though a recovery later brings granted − recovered back
    under it."""
    log = Log()
    funded(log, budget=150_000)
    grant(log, 100_000, "a")
    grant(log, 100_000, "b")  # line 4: 200,000 of 150,000
    log.add("fund", "carefund.RecoveryBooked", application=sid("b"), amount_fen=100_000)
    grant(log, 1, "c")  # still over: reported again
    assert broken(log, "carefund.") == [
        ("records.jsonl line 4", "carefund.budget_cap", "at most 150000 fen", "200000 fen"),
        ("records.jsonl line 6", "carefund.budget_cap", "at most 150000 fen", "200001 fen"),
    ]


def test_invariant_budget_is_a_running_total_of_grants_each_within_it() -> None:
    """Three grants of 60,000 fen, each within a budget of 150,000, together over it."""
    log = Log()
    funded(log, budget=150_000)
    for name in "abc":
        grant(log, 60_000, name)
    assert broken(log, "carefund.") == [
        ("records.jsonl line 5", "carefund.budget_cap", "at most 150000 fen", "180000 fen")
    ]


def test_invariant_cash_overdrawn_midway_then_topped_up_is_caught() -> None:
    """§4 rule 3: disbursements "never exceed the running sum of `ContributionReceived` … and
    `RecoveryBooked`": paid at line 4 before the money came in at line 5."""
    log = Log()
    funded(log, cash=50_000)
    grant(log, 100_000)
    log.add("fund", "carefund.DisbursementBooked", application=sid("app"), amount_fen=100_000)
    log.add("fund", "carefund.ContributionReceived", source="youth_league", amount_fen=50_000,
            reference="r2", donor=None)  # fmt: skip
    assert broken(log, "carefund.") == [
        ("records.jsonl line 4", "carefund.cash_on_hand", "at most 50000 fen", "100000 fen")
    ]


def test_invariant_cash_is_a_running_total_of_disbursements_each_within_it() -> None:
    """Two payments of 30,000 fen, each within the 50,000 received, together over it."""
    log = Log()
    funded(log, cash=50_000)
    grant(log, 100_000)
    for _ in range(2):
        log.add("fund", "carefund.DisbursementBooked", application=sid("app"), amount_fen=30_000)
    assert broken(log, "carefund.") == [
        ("records.jsonl line 5", "carefund.cash_on_hand", "at most 50000 fen", "60000 fen")
    ]


def test_money_in_counts_every_contribution_and_recovery() -> None:
    """§4 rule 3: the money in is "the running sum of `ContributionReceived.amount_fen` and
    `RecoveryBooked.amount_fen`": 30,000 + 30,000 in pays 50,000 out."""
    log = Log()
    funded(log, cash=30_000)
    grant(log, 100_000)
    log.add("fund", "carefund.RecoveryBooked", application=sid("old"), amount_fen=30_000)
    log.add("fund", "carefund.DisbursementBooked", application=sid("app"), amount_fen=50_000)
    assert broken(log, "carefund.") == []


def test_invariant_disbursement_beyond_the_grants_is_caught() -> None:
    """§4 rule 2: disbursements never exceed the grants committed before them."""
    log = Log()
    funded(log)
    log.add("fund", "carefund.DisbursementBooked", application=sid("app"), amount_fen=100_000)
    grant(log, 100_000)
    assert broken(log, "carefund.") == [
        ("records.jsonl line 3", "carefund.granted", "at most 0 fen", "100000 fen")
    ]


def test_invariant_approver_who_pays_is_caught() -> None:
    """§4 rule 5: "the principal of `GrantDisbursed` is not that of its `ApplicationApproved`
    (the approver does not pay)" — the reviewer is someone else, so only this check sees it."""
    log = Log()
    fund = funded(log)
    app = applied(log, "a", fund)
    log.add("a", "carefund.ApplicationReviewed", principal="ipc-01", decision="approve", reason="")
    log.add("a", "carefund.ApplicationApproved", principal="union-01", tier=1, amount_fen=100_000)
    log.add("a", "carefund.GrantDisbursed", at="2023-03-02", principal="union-01",
            role="finance", amount_fen=100_000, reference="TX", disbursed_on="2023-03-02",
            follow_up_due="2023-04-01")  # fmt: skip
    (failure,) = failures(log)
    assert (failure.where, failure.rule, failure.computed) == (
        "records.jsonl line 7", "carefund.separation_of_duties", "union-01")  # fmt: skip
    assert failure.message == f"application {app} disbursed by its approver union-01"


def test_invariant_reviewer_who_decides_is_caught() -> None:
    """§4 rule 5: "the `actor.principal` of `ApplicationApproved` or `ApplicationRejected` is
    not that of the application's `ApplicationReviewed`"."""
    decisions: list[tuple[str, dict[str, Any]]] = [
        ("ApplicationApproved", {"tier": 1, "amount_fen": 100_000}),
        ("ApplicationRejected", {"reason": "不符合"}),
    ]
    for decision, data in decisions:
        log = Log()
        fund = funded(log)
        applied(log, "a", fund)
        log.add("a", "carefund.ApplicationReviewed", principal="both-01", decision="approve",
                reason="")  # fmt: skip
        log.add("a", f"carefund.{decision}", principal="both-01", **data)
        assert [f.rule for f in failures(log)] == ["carefund.separation_of_duties"], decision


def test_invariant_disbursement_after_a_rejection_is_caught() -> None:
    """§4 rule 4: `GrantDisbursed` "needs `approved`"; a rejection ends the application."""
    log = Log()
    fund = funded(log)
    applied(log, "a", fund)
    log.add("a", "carefund.ApplicationReviewed", decision="approve", reason="")
    log.add("a", "carefund.ApplicationRejected", reason="不符合")
    log.add("a", "carefund.ApplicationApproved", tier=1, amount_fen=100_000)
    assert broken(log, "carefund.") == [
        ("records.jsonl line 7", "carefund.order", "stage reviewed", "rejected")
    ]


def test_invariant_bonus_over_the_cap_midway_then_corrected_is_caught() -> None:
    """§4 rule 6: the running sum of a book's bonus entries "never exceeds" its cap, "one cap
    per book, for the whole year": 40 in Q1 and 30 in Q2 break a cap of 50 at line 5, though
    the correction at line 6 brings the year back to 40."""
    log = Log()
    open_scheme(log)
    book = open_book(log, "a", cap=50)
    score(log, book, 1, 40, quarter=1, component="bonus")
    score(log, book, 2, 30, quarter=2, component="bonus")
    score(log, book, 3, -30, quarter=2, component="bonus", corrects=2)
    assert broken(log, "points.") == [
        ("records.jsonl line 4", "points.bonus_cap", "at most 50", "70")
    ]


def test_invariant_book_cap_other_than_its_schemes_is_caught() -> None:
    """§4 rule 6: "a book's `bonus_cap_tenths` is its scheme's"."""
    log = Log()
    open_scheme(log)
    open_book(log, "a", cap=500)
    assert broken(log, "points.") == [("records.jsonl line 2", "points.bonus_cap", "50", "500")]


def test_record_in_a_stream_of_another_aggregate_is_caught() -> None:
    """§4 "Streams": "a stream holds only the types of the aggregate its version 1 opened" —
    a subject's erasure appended to an application's stream."""
    log = Log()
    fund = funded(log)
    app = applied(log, "a", fund)
    log.add("a", "subject.Erased", reason="本人申请", approved_by="dp-02")
    assert broken(log, "stream.") == [
        ("records.jsonl line 5", "stream.aggregate", "subject", "application")
    ]
    assert app in failures(log)[0].message


def test_reference_to_a_subject_never_registered_is_caught() -> None:
    """§4: a member that names a subject "holds the id of a subject registered earlier in the
    log and not erased before the record"."""
    log = Log()
    fund = funded(log)
    log.add("a", "carefund.ApplicationSubmitted", fund_year=fund, subject=sid("nobody"),
            **APPLICATION)  # fmt: skip
    assert broken(log, "stream.") == [
        ("records.jsonl line 3", "stream.reference", "subject", "no stream")
    ]


def test_reference_to_an_erased_subject_is_caught() -> None:
    log = Log()
    fund = funded(log)
    registered(log, "subject-a")
    log.add("subject-a", "subject.ErasureRequested", role="data_protection", principal="dp-01",
            reason="本人申请")  # fmt: skip
    log.add("subject-a", "subject.ErasureApproved", role="data_protection", principal="dp-02",
            requested_by="dp-01")  # fmt: skip
    log.add("subject-a", "subject.Erased", role="data_protection", principal="dp-02",
            reason="本人申请", approved_by="dp-02")  # fmt: skip
    log.add("a", "carefund.ApplicationSubmitted", fund_year=fund, subject=sid("subject-a"),
            **APPLICATION)  # fmt: skip
    assert [f.rule for f in failures(log)] == ["stream.reference"]
    assert failures(log)[0].computed == "erased"


def test_book_of_a_subject_who_is_no_cadre_is_caught() -> None:
    """§4: "`BookOpened.cadre` names a subject of kind `cadre`"."""
    log = Log()
    open_scheme(log)
    registered(log, "cadre-a")  # a worker
    open_book(log, "a")
    assert broken(log, "stream.") == [
        ("records.jsonl line 3", "stream.reference", "cadre", "worker")
    ]


def test_application_in_a_fund_year_never_opened_is_caught() -> None:
    log = Log()
    registered(log, "subject-a")
    log.add("a", "carefund.ApplicationSubmitted", fund_year=sid("fund"), subject=sid("subject-a"),
            **APPLICATION)  # fmt: skip
    assert broken(log, "stream.") == [
        ("records.jsonl line 2", "stream.reference", "fund_year", "no stream")
    ]


def test_at_going_backwards_within_a_stream_breaks_no_rule() -> None:
    """FORMAT.md §2: "A checker MUST NOT reject a record because of the order of its `at`"."""
    log = Log()
    registered(log, "subject-a")
    funded(log)
    disburse(log, "a")  # submitted 03-01, reviewed 03-02, approved 03-03, paid 03-10
    log.add("a", "carefund.FollowUpRecorded", at="2023-03-10T00:00:00.000000Z",
            visited_on="2023-03-10", outcome="stable", note_commitment="0" * 64)  # fmt: skip
    assert failures(log) == []
    assert parse_record(log.lines[-1]).at < parse_record(log.lines[-2]).at


# --- a book's entries and appraisal (ledger/points/book.py enter, correct, appraise) ---------


def booked(*entries: tuple[int, int, int, str, int | None]) -> Log:
    """A scheme (cap 50), cadre a's book, then ``(entry, points, quarter, component,
    corrects)`` score entries from line 4."""
    log = Log()
    open_scheme(log)
    log.add("cadre-a", "subject.Registered", commitment="0" * 64, kind="cadre")
    book = open_book(log, "a")
    for entry, points, quarter, component, corrects in entries:
        score(log, book, entry, points, quarter=quarter, component=component, corrects=corrects)
    return log


def test_a_book_corrected_and_its_correction_corrected_breaks_no_rule() -> None:
    """FORMAT.md §4: "a correction of a correction is positive again"; a bonus reinstated
    within the cap, a deduction corrected, each entry the book's count + 1."""
    log = booked((1, 30, 1, "bonus", None), (2, -30, 1, "bonus", 1), (3, 30, 1, "bonus", 2),
                 (4, 15, 2, "deduction", None), (5, -15, 2, "deduction", 4))  # fmt: skip
    assert failures(log) == []


def test_negative_bonus_entered_as_an_original_to_dodge_the_cap_is_caught() -> None:
    """Q1 bonus +50, Q2 bonus −50 that corrects nothing, Q1 bonus +50: the running bonus
    never passes the cap of 50, yet 100 of bonus stands. §4: "an original entry is positive"."""
    log = booked((1, 50, 1, "bonus", None), (2, -50, 2, "bonus", None),
                 (3, 50, 1, "bonus", None))  # fmt: skip
    assert broken(log, "points.") == [
        ("records.jsonl line 5", "points.amount", "at least 1", "-50")
    ]


def test_negative_deduction_entered_as_an_original_is_caught() -> None:
    """A deduction is recorded as a positive amount and subtracted: −40 would add 4 points."""
    log = booked((1, -40, 1, "deduction", None), (2, 0, 1, "deduction", None))
    assert broken(log, "points.") == [
        ("records.jsonl line 4", "points.amount", "at least 1", "-40"),
        ("records.jsonl line 5", "points.amount", "at least 1", "0"),
    ]


def test_repeated_or_skipped_entry_number_is_caught() -> None:
    """§4: `entry` is "its number in the book": the book's count of entries + 1."""
    log = booked((1, 10, 1, "deduction", None), (1, 10, 1, "deduction", None),
                 (4, 10, 1, "deduction", None))  # fmt: skip
    assert broken(log, "points.") == [
        ("records.jsonl line 5", "points.entry", "2", "1"),
        ("records.jsonl line 6", "points.entry", "3", "4"),
    ]


def test_correction_of_an_entry_the_book_does_not_have_is_caught() -> None:
    """`corrects=99` in a book of one entry, and a correction naming itself."""
    log = booked((1, 10, 1, "deduction", None), (2, -10, 1, "deduction", 99),
                 (3, -10, 1, "deduction", 3))  # fmt: skip
    assert broken(log, "points.") == [
        ("records.jsonl line 5", "points.correction", "1..1", "99"),
        ("records.jsonl line 6", "points.correction", "1..2", "3"),
    ]


def test_entry_corrected_twice_is_caught() -> None:
    """An entry is reversed at most once (its correction may be corrected instead)."""
    log = booked((1, 10, 1, "deduction", None), (2, -10, 1, "deduction", 1),
                 (3, -10, 1, "deduction", 1))  # fmt: skip
    assert broken(log, "points.") == [
        ("records.jsonl line 6", "points.correction", "an entry not yet corrected", "1")
    ]


def test_correction_of_another_amount_component_quarter_or_with_a_task_is_caught() -> None:
    """A correction is "minus the amount of the entry it reverses", in its component and
    quarter, with no task (as the ledger writes it)."""
    log = booked((1, 40, 1, "deduction", None), (2, 40, 1, "bonus", None))
    book = log.sid("a")
    score(log, book, 3, -30, corrects=1, component="deduction")  # a partial reversal
    log.add(
        book,
        "points.ScoreEntered",
        role="township_party_committee",
        entry=4,
        quarter=2,
        component="work",
        points_tenths=-40,
        reason="r",
        task="t1",
        corrects=2,
    )
    assert broken(log, "points.") == [
        ("records.jsonl line 6", "points.correction", "-40", "-30"),
        ("records.jsonl line 7", "points.correction", "bonus", "work"),
        ("records.jsonl line 7", "points.correction", "1", "2"),
        ("records.jsonl line 7", "points.correction", "None", "t1"),
    ]


def appraised(grade: str, base: int, percent: int, adjusted: int) -> Log:
    """Cadre a's book, the year closed (its ranking part line 4, the close line 5; a alone is
    both top and bottom), then the appraisal (line 6)."""
    log = booked()
    close_year(log, "scheme", **snapshot(log, {"a": 0}))
    log.add(log.sid("a"), "points.Appraised", grade=grade, base_pay_fen=base,
            pay_percent=percent, adjusted_pay_fen=adjusted, close=1, reason="r")  # fmt: skip
    return log


def test_appraisal_pay_not_computed_from_base_and_percent_is_caught() -> None:
    """§4: `adjusted_pay_fen` "= base × percent / 100, half-up": 1 fen on 100,000 × 120 %;
    10 × 120 % = 12 exactly, 10 × 95 % = 9.5 rounds up to 10 (not down to 9)."""
    assert broken(appraised("excellent", 100_000, 120, 1), "points.") == [
        ("records.jsonl line 6", "points.pay", "120000", "1")
    ]
    assert failures(appraised("incompetent", 10, 95, 10), "points.") == []
    assert broken(appraised("incompetent", 10, 95, 9), "points.") == [
        ("records.jsonl line 6", "points.pay", "10", "9")
    ]


def test_appraisal_percent_other_than_the_schemes_for_the_grade_is_caught() -> None:
    """The ledger takes `pay_percent` from the scheme for the grade (excellent: 120 %)."""
    assert broken(appraised("excellent", 100_000, 150, 150_000), "points.") == [
        ("records.jsonl line 6", "points.pay", "120", "150")
    ]


def test_format_md_lists_exactly_the_rules_verify_checks_across_records() -> None:
    """FORMAT.md §4 "Rules across records" names each rule; verify/rules_*.py report
    exactly those (a rule checked but not written down, or written but not checked, fails).
    A withdrawn rule keeps its number, marked "(withdrawn in issue N: ...)", and is checked
    no more."""
    root = Path(__file__).resolve().parents[2]
    text = (root / "docs" / "FORMAT.md").read_text(encoding="utf-8")
    section = text[text.index("### Rules across records") : text.index("## 5. ")]
    written = re.findall(r"^\d+\. `([a-z]+\.[a-z_]+)` — (?!\(withdrawn)", section, re.MULTILINE)
    source = "".join(
        path.read_text(encoding="utf-8") for path in sorted((root / "verify").glob("rules_*.py"))
    )
    checked = set(re.findall(r'"([a-z]+\.[a-z_]+)"', source))  # rule names, not record types
    assert len(written) == len(set(written)) and set(written) == checked


def test_a_grant_not_of_its_tiers_amount_is_caught() -> None:
    """carefund.tier: "分三个档次设立帮扶资金" — the fund year records its tiers and amounts;
    a grant of tier 1 (100,000 fen) for 150,000 fen (line 3), and an approval of a tier the
    year does not have (line 7), are caught."""
    log = Log()
    fund = funded(log)
    log.add("fund", "carefund.GrantCommitted", application=sid("x"), tier=1, amount_fen=150_000)
    registered(log, "subject-a")
    log.add("a", "carefund.ApplicationSubmitted", fund_year=fund, subject=sid("subject-a"),
            **APPLICATION)  # fmt: skip
    log.add("a", "carefund.ApplicationReviewed", principal="ipc-01", decision="approve",
            reason="符合")  # fmt: skip
    log.add("a", "carefund.ApplicationApproved", principal="union-01", tier=9, amount_fen=900)
    assert broken(log, "carefund.tier") == [
        ("records.jsonl line 3", "carefund.tier", "100000 fen", "tier 1, 150000 fen"),
        ("records.jsonl line 7", "carefund.tier", "a tier of ['1', '2', '3', '4']",
         "tier 9, 900 fen"),
    ]  # fmt: skip
