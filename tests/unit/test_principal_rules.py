"""The principal registry's rules across records (docs/FORMAT.md §4 rules 12-15 and 41,
verify/rules_principals.py), on hand-built logs. Each test fails if its check is removed."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.records import Log, default_role, sid
from tests.unit.test_invariants import applied, broken, failures, funded
from tests.unit.test_verify_published import open_scheme
from verify.rules_principals import ROLE_SCOPES

NO_SCOPE: dict[str, Any] = {"county": None, "township": None, "village": None, "industry": None}
VILLAGE = {"county": "taihu", "township": "t", "village": "v", "industry": None}


def put(log: Log, name: str, kind: str, principal: str, role: str, **data: Any) -> str:
    return log.add(name, kind, principal=principal, role=role, **data)


def enrol(log: Log, account: str, role: str, by: str = "root", **scope: Any) -> str:
    return put(log, f"p-{account}", "principal.Enrolled", by, "admin", account=account,
               acts_as=role, **(NO_SCOPE | scope))  # fmt: skip


def registry(log: Log) -> None:
    """The bootstrap (root enrols itself) and the standard accounts."""
    enrol(log, "root", "admin")
    enrol(log, "tpc-01", "township_party_committee", county="taihu", township="t")
    enrol(log, "vc-01", "village_committee", **VILLAGE)


def book(log: Log, name: str = "b", by: str = "vc-01", village: str = "v") -> str:
    log.add("cadre", "subject.Registered", principal="tpc-01", role="township_party_committee",
            commitment="0" * 64, kind="cadre")  # fmt: skip
    return log.add(
        name, "points.BookOpened", principal=by, role="village_committee",
        scheme=log.sid("scheme"), cadre=log.sid("cadre"), county="taihu", township="t",
        village=village,
        category="principal", year=2023, bonus_cap_tenths=50,
    )  # fmt: skip


def entry(log: Log, name: str = "b", by: str = "vc-01", role: str = "village_committee") -> None:
    log.add(
        name,
        "points.ScoreEntered",
        principal=by,
        role=role,
        entry=1,
        quarter=1,
        component="work",
        points_tenths=10,
        reason="r",
        task=None,
        corrects=None,
    )


def scheme(log: Log) -> None:
    """The scheme (test_verify_published's), by the default account of its opening role."""
    role = default_role("points.SchemeOpened")
    enrol(log, f"{role}-01", role, **dict.fromkeys(ROLE_SCOPES.get(role, ()), "taihu"))
    open_scheme(log)


def last(log: Log, before: int = 0) -> str:
    """Where the last record (or the one ``before`` records earlier) is."""
    return f"records.jsonl line {len(log.lines) - before}"


def valid() -> Log:
    log = Log()
    registry(log)
    scheme(log)
    book(log)
    entry(log)
    return log


def test_a_registered_history_breaks_no_rule() -> None:
    assert failures(valid(), "principal") == []


def test_record_before_the_bootstrap_is_caught() -> None:
    """Every record is checked, the log's first included: a record moved before the
    bootstrap has no enrolled actor (there is no ledger older than the registry)."""
    log = Log()
    open_scheme(log)  # by organisation_department-01, before anyone is enrolled
    registry(log)
    assert broken(log, "principal") == [
        ("records.jsonl line 1", "principal.role", "an enrolled principal",
         "organisation_department-01")
    ]  # fmt: skip


def test_log_without_its_registry_is_caught_on_every_record() -> None:
    """The registry's streams dropped: no record has an enrolled actor."""
    log = valid()
    log.lines = [line for line in log.lines if b'"principal.' not in line]
    assert [f.where for f in failures(log, "principal")] == [
        f"records.jsonl line {n}" for n in range(1, len(log.lines) + 1)
    ]


def test_record_by_a_principal_never_enrolled_is_caught() -> None:
    log = valid()
    entry(log, by="vc-99")
    assert broken(log, "principal.role") == [
        (last(log), "principal.role", "an enrolled principal", "vc-99")
    ]


def test_record_in_a_role_other_than_the_current_one_is_caught() -> None:
    log = valid()
    put(log, "p-vc-01", "principal.RoleChanged", "root", "admin",
        acts_as="party_building_instructor", **VILLAGE, reason="transferred")  # fmt: skip
    entry(log)  # still acting as village_committee
    assert broken(log, "principal.role") == [
        (last(log), "principal.role", "party_building_instructor", "village_committee")
    ]


def test_first_enrolment_by_another_than_itself_is_no_bootstrap() -> None:
    log = Log()
    enrol(log, "x", "admin", by="root")  # the bootstrap's account rewritten
    enrol(log, "y", "admin", by="x")  # x is enrolled by then, however
    assert broken(log, "principal") == [
        ("records.jsonl line 1", "principal.role", "an enrolled principal", "root")
    ]
    log = Log()
    enrol(log, "root", "admin")
    enrol(log, "z", "admin", by="z")
    assert [f.rule for f in failures(log, "principal")] == ["principal.role"]


def test_enrolment_without_the_scope_its_role_needs_is_caught() -> None:
    log = Log()
    enrol(log, "root", "admin")
    enrol(log, "vc-02", "village_committee", county="taihu", township="t")
    enrol(log, "fin-01", "finance", county="taihu")
    assert broken(log, "principal.scope") == [
        ("records.jsonl line 2", "principal.scope", "a village (role village_committee needs one)",
         "null"),
        ("records.jsonl line 3", "principal.scope", "null (role finance has no county)", "taihu"),
    ]  # fmt: skip


def test_book_of_another_village_is_caught() -> None:
    log = Log()
    registry(log)
    scheme(log)
    book(log, village="w")  # vc-01 is the committee of village v
    entry(log)
    assert broken(log, "principal.scope") == [
        (last(log, 1), "principal.scope", "w", "v"),
        (last(log), "principal.scope", "w", "v"),
    ]


def test_application_of_another_industry_is_caught() -> None:
    log = Log()
    enrol(log, "root", "admin")
    enrol(log, "intake-01", "intake")
    enrol(log, "ipc-food", "industry_party_committee", industry="food_delivery")
    enrol(log, "finance-01", "finance")
    log.add(
        "fund",
        "carefund.FundYearOpened",
        principal="finance-01",
        role="finance",
        fund="f",
        year=2023,
        budget_fen=1,
        tiers_fen={"1": 1},
        first_follow_up_days=30,
        posting_days=30,
        follow_up_interval_days=90,
        follow_ups=4,
    )
    found_before = failures(log, "principal.scope")
    log.add("subj", "subject.Registered", principal="intake-01", role="intake",
            commitment="0" * 64, kind="worker")  # fmt: skip
    log.add("app", "carefund.ApplicationSubmitted", principal="intake-01", role="intake",
            fund_year=log.sid("fund"), subject=log.sid("subj"), industry="express_delivery",
            hardship="illness", requested_tier=1, priority=False)  # fmt: skip
    log.add("app", "carefund.ApplicationReviewed", principal="ipc-food",
            role="industry_party_committee", decision="approve", reason="")  # fmt: skip
    assert found_before == []
    assert broken(log, "principal.scope") == [
        (last(log), "principal.scope", "express_delivery", "food_delivery")
    ]


def test_entry_in_ones_own_book_is_caught() -> None:
    log = valid()
    log.add("p-tpc-01", "principal.SubjectLinked", principal="root", role="admin",
            subject=log.sid("cadre"))  # fmt: skip
    entry(log, by="tpc-01", role="township_party_committee")
    assert broken(log, "principal.own_book") == [
        (last(log), "principal.own_book", "another principal", "tpc-01")
    ]


def test_stream_ids_of_principals_are_derived_from_the_account() -> None:
    log = Log()
    stream = enrol(log, "root", "admin")
    from ledger.principal import principal_id

    assert stream == str(principal_id("root")) != sid("p-root")


def test_application_reviewed_or_paid_by_its_submitter_is_caught() -> None:
    """§4 rule 5: submitter, reviewer, approver and payer are four principals; the submitter
    later acting in another role is still the submitter."""
    log = Log()
    fund = funded(log)
    app = applied(log, "a", fund)  # by intake-01
    log.add("a", "carefund.ApplicationReviewed", principal="intake-01", decision="approve",
            reason="")  # fmt: skip
    log.add("a", "carefund.ApplicationApproved", principal="union-01", tier=1, amount_fen=100_000)
    log.add("a", "carefund.GrantDisbursed", principal="intake-01", role="finance",
            amount_fen=100_000, reference="TX", disbursed_on="2023-03-02",
            follow_up_due="2023-04-01")  # fmt: skip
    assert [(f.rule, f.message) for f in failures(log, "carefund.separation")] == [
        ("carefund.separation_of_duties", f"application {app} reviewed by its submitter intake-01"),
        (
            "carefund.separation_of_duties",
            f"application {app} disbursed by its submitter intake-01",
        ),
    ]


def test_allocation_to_ones_own_book_is_caught() -> None:
    """A ResponsibilityAllocated names the book it allocates to: by the principal linked to
    that book's cadre, principal.own_book (the register is the village's, not the book)."""
    log = valid()
    log.add("p-vc-01", "principal.SubjectLinked", principal="root", role="admin",
            subject=log.sid("cadre"))  # fmt: skip
    log.add("reg", "points.AllocationRegisterOpened", principal="vc-01",
            role="village_committee", scheme=log.sid("scheme"), year=2023, county="taihu",
            township="t", village="v")  # fmt: skip
    assert broken(log, "principal.own_book") == []
    log.add("reg", "points.ResponsibilityAllocated", principal="vc-01", role="village_committee",
            book=log.sid("b"), task="party-building", quarter=1, points_tenths=10,
            meeting_on="2023-01-10", minutes="v两委〔2023〕1号")  # fmt: skip
    assert broken(log, "principal.own_book") == [
        (last(log), "principal.own_book", "another principal", "vc-01")
    ]


def test_supervision_enrolled_without_its_county_is_caught() -> None:
    log = Log()
    enrol(log, "root", "admin")
    enrol(log, "jw-01", "supervision", county="taihu")
    assert failures(log, "principal") == []
    enrol(log, "jw-02", "supervision")
    assert broken(log, "principal.scope") == [
        (last(log), "principal.scope", "a county (role supervision needs one)", "null")
    ]


SYSTEM_TAMPERING = {  # a system account's record outside its job -> (expected, computed)
    "policy-account-registers-a-subject": (
        lambda log: log.add("s", "subject.Registered", principal="policy-keyproject",
                            role="supervision", commitment="0" * 64, kind="cadre"),
        "keyproject.ItemEscalated, supervision.CaseListed, supervision.CaseOpened",
        "subject.Registered"),
    "policy-account-enrolled-as-an-admin": (
        lambda log: enrol(log, "policy-erasure", "admin"), "role data_protection", "admin"),
}  # fmt: skip


@pytest.mark.parametrize("tamper, expected, computed", SYSTEM_TAMPERING.values(),
                         ids=SYSTEM_TAMPERING.keys())  # fmt: skip
def test_a_system_account_outside_its_job_is_caught(
    tamper: Any, expected: str, computed: str
) -> None:
    """The system accounts act without a scope (no principal.scope for the policy's null
    county) and only in their job (principal.system)."""
    log = Log()
    enrol(log, "root", "admin")
    enrol(log, "policy-keyproject", "supervision")
    assert failures(log, "principal") == []
    tamper(log)
    assert broken(log, "principal.system") == [(last(log), "principal.system", expected, computed)]
