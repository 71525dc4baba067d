"""Erasure rules across records (verify/rules_subjects.py, docs/FORMAT.md §4 rules
``subject.erasure_approval`` and ``subject.erasure_hold``; PIPL art. 47). Each mutation is a
well-formed, chained record list in which one record breaks one rule: only the invariant can
catch it, and each test fails with its check removed."""

from __future__ import annotations

from tests.support.records import Log, sid
from verify.invariants import Invariants
from verify.record import parse_record

DP = "data_protection"


def failures(log: Log) -> list[tuple[str, str]]:
    rules, found = Invariants(), []
    for number, line in enumerate(log.lines, start=1):
        found += rules.add(parse_record(line), f"line {number}")
    return [(f.where, f.rule) for f in found if f.rule.startswith("subject.")]


def person(log: Log, name: str = "p", kind: str = "worker") -> str:
    return log.add(name, "subject.Registered", commitment="0" * 64, kind=kind)


def requested(log: Log, name: str = "p", by: str = "dp-01") -> None:
    log.add(name, "subject.ErasureRequested", role=DP, principal=by, reason="本人申请删除")


def approved(
    log: Log, name: str = "p", by: str = "dp-02", role: str = DP, asked: str = "dp-01"
) -> None:
    log.add(name, "subject.ErasureApproved", role=role, principal=by, requested_by=asked)


def erased(log: Log, name: str = "p", by: str = "dp-02", approval: str | None = None) -> None:
    """The erasure by ``by``, completing the approval of ``approval`` (default: ``by``'s)."""
    log.add(name, "subject.Erased", role=DP, principal=by, reason="本人申请删除",
            approved_by=approval or by)  # fmt: skip


def test_a_requested_and_approved_erasure_passes() -> None:
    log = Log()
    person(log)
    requested(log)
    approved(log, by="audit-01", role="audit")
    erased(log, by="audit-01")
    assert failures(log) == []


def test_a_held_erasure_completed_by_the_job_names_the_approval() -> None:
    """A held erasure completed later is recorded by the erasure job's account, naming the
    approval it completes; one naming another principal is caught."""
    log = Log()
    person(log)
    requested(log)
    approved(log)
    erased(log, by="policy-erasure", approval="dp-02")
    assert failures(log) == []
    wrong = Log()
    person(wrong)
    requested(wrong)
    approved(wrong)
    erased(wrong, by="policy-erasure", approval="dp-03")
    assert failures(wrong) == [("line 4", "subject.erasure_approval")]


def test_approved_by_the_requester_is_caught() -> None:
    log = Log()
    person(log)
    requested(log, by="dp-01")
    approved(log, by="dp-01", asked="dp-01")
    erased(log, by="dp-01")
    assert failures(log) == [("line 3", "subject.erasure_approval")]


def test_an_approval_naming_another_requester_is_caught() -> None:
    log = Log()
    person(log)
    requested(log, by="dp-01")
    approved(log, by="dp-02", asked="dp-02")  # hides that dp-01 asked
    assert failures(log) == [("line 3", "subject.erasure_approval")]


def test_erased_without_a_request_is_caught() -> None:
    log = Log()
    person(log)
    erased(log)
    assert failures(log) == [("line 2", "subject.erasure_approval")]


def test_erased_on_a_request_not_yet_approved_is_caught() -> None:
    log = Log()
    person(log)
    requested(log)
    erased(log)
    assert failures(log) == [("line 3", "subject.erasure_approval")]


def test_an_approval_without_a_request_and_a_second_approval_are_caught() -> None:
    log = Log()
    person(log)
    approved(log)
    requested(log)
    approved(log, by="dp-02")
    approved(log, by="audit-01", role="audit")
    assert failures(log) == [("line 2", "subject.erasure_approval"),
                             ("line 5", "subject.erasure_approval")]  # fmt: skip


def _case(log: Log, cadre: str) -> None:
    log.add("case", "supervision.CaseOpened", target_kind="cadre", target=sid(cadre),
            reason="complaint", detail="群众反映", county="taihu", trigger=None,
            source=None)  # fmt: skip


def test_erasing_a_cadre_under_an_open_case_is_caught_and_allowed_once_closed() -> None:
    log = Log()
    person(log, "cadre", kind="cadre")
    _case(log, "cadre")
    requested(log, "cadre")
    approved(log, "cadre")
    erased(log, "cadre")
    assert failures(log) == [("line 5", "subject.erasure_hold")]
    closed = Log()
    person(closed, "cadre", kind="cadre")
    _case(closed, "cadre")
    closed.add("case", "supervision.CaseClosed", evidence="销号审批表1号")
    requested(closed, "cadre")
    approved(closed, "cadre")
    erased(closed, "cadre")
    assert failures(closed) == []


def test_erasing_an_applicant_before_the_grant_is_decided_is_caught() -> None:
    log = Log()
    fund = log.add("fund", "carefund.FundYearOpened", fund="tongcheng-pioneer-care", year=2023,
                   budget_fen=1_000_000, tiers_fen={"1": 100_000}, first_follow_up_days=30,
                   posting_days=30, follow_up_interval_days=90, follow_ups=4)  # fmt: skip
    person(log, "applicant")
    log.add("app", "carefund.ApplicationSubmitted", fund_year=fund, subject=sid("applicant"),
            industry="other", hardship="illness", requested_tier=1, priority=False)  # fmt: skip
    requested(log, "applicant")
    approved(log, "applicant")
    erased(log, "applicant")
    assert failures(log) == [("line 6", "subject.erasure_hold")]
    log.add("app", "carefund.ApplicationReviewed", decision="reject", reason="不符合条件")
    person(log, "other")
    requested(log, "other")
    approved(log, "other")
    erased(log, "other")  # another subject: nothing holds it
    assert failures(log) == [("line 6", "subject.erasure_hold")]
