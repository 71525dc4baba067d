"""Rejection paths the first round of tests missed (found in review), both backends."""

from __future__ import annotations

import threading
from typing import Any
from unittest import mock
from uuid import UUID

import pytest

from ledger.actor import Actor, Role
from ledger.carefund.config import FundConfig, Hardship, Industry, Source
from ledger.carefund.service import CareFund
from ledger.errors import NotFound
from ledger.ledger import Ledger, open_ledger
from ledger.settings import Settings
from tests.integration.helpers import (
    DATA_PROTECTION,
    FINANCE,
    INTAKE,
    UNION,
    YEAR,
    approved,
    disbursed,
    erase,
    funded,
    rejected,
    reviewed,
    revoke,
    stored_count,
    subject,
)  # fmt: skip
from tests.support.principals import enrol


def test_year_outside_range_rejected(ledger: Ledger) -> None:
    fund = CareFund(ledger)
    rejected(ledger, "carefund.year", lambda: fund.open_year(1999, FINANCE))
    rejected(ledger, "carefund.year", lambda: fund.open_year(2101, FINANCE))


def test_invalid_final_tier_at_approval_rejected(ledger: Ledger) -> None:
    fund = funded(ledger)
    case = reviewed(fund)
    rejected(ledger, "carefund.tier", lambda: fund.approve(case, 4, UNION))


def test_union_cannot_reject_after_approval(ledger: Ledger) -> None:
    fund = funded(ledger)
    case = approved(fund)
    rejected(ledger, "carefund.order", lambda: fund.reject(case, "改主意", UNION))


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [("industry", "mining", "carefund.industry"), ("hardship", "boredom", "carefund.hardship")],
)
def test_unknown_enumerations_name_the_rule(
    ledger: Ledger, field: str, value: str, rule: str
) -> None:
    fund = funded(ledger)
    person = subject(ledger)
    args: dict[str, Any] = dict(
        year=YEAR,
        subject=person,
        industry=Industry.OTHER,
        hardship=Hardship.ILLNESS,
        requested_tier=1,
        priority=False,
        actor=INTAKE,
    )
    args[field] = value
    rejected(ledger, rule, lambda: fund.submit(**args))


def test_unknown_source_and_violation_name_the_rule(ledger: Ledger) -> None:
    fund = funded(ledger)
    rejected(ledger, "carefund.source", lambda: fund.receive(YEAR, "lottery", 100, "R", FINANCE))
    case = disbursed(fund)
    rejected(ledger, "carefund.violation", lambda: revoke(fund, case, violation="mood"))


def test_unknown_or_erased_donor_and_responsible_rejected(ledger: Ledger) -> None:
    fund = funded(ledger)
    before = stored_count(ledger)
    with pytest.raises(NotFound):
        fund.receive(YEAR, Source.SOCIAL_DONOR, 100, "R", FINANCE, donor=UUID(int=7))
    assert stored_count(ledger) == before
    donor = ledger.register_subject({"name": "捐赠人"}, "donor", FINANCE)
    erase(ledger, donor, "要求删除")
    rejected(
        ledger,
        "subject.erased",
        lambda: fund.receive(YEAR, Source.SOCIAL_DONOR, 100, "R", FINANCE, donor=donor),
    )
    case = disbursed(fund)
    rejected(
        ledger,
        "subject.erased",
        lambda: revoke(fund, case, responsible=[donor]),
    )


@pytest.mark.parametrize("amount", [0, -100])
def test_recovery_of_zero_or_negative_rejected(ledger: Ledger, amount: int) -> None:
    fund = funded(ledger)
    case = disbursed(fund)
    revoke(fund, case, recover_fen=50_000)
    rejected(ledger, "carefund.recovery", lambda: fund.recover(case, amount, "R", FINANCE))


def test_negative_amount_to_recover_rejected(ledger: Ledger) -> None:
    fund = funded(ledger)
    case = disbursed(fund)
    rejected(
        ledger,
        "carefund.recovery",
        lambda: revoke(fund, case, recover_fen=-1),
    )


def test_subject_registration_and_erasure_rules(ledger: Ledger) -> None:
    auditor = Actor("audit-01", Role.AUDIT)
    rejected(ledger, "role", lambda: ledger.register_subject({"name": "x"}, "worker", auditor))
    rejected(ledger, "subject.kind", lambda: ledger.register_subject({"name": "x"}, "pet", INTAKE))
    rejected(
        ledger, "subject.fields", lambda: ledger.register_subject({"phone": "1"}, "worker", INTAKE)
    )
    rejected(
        ledger, "subject.fields", lambda: ledger.register_subject({"name": 5}, "worker", INTAKE)
    )  # type: ignore[dict-item]
    person = subject(ledger)
    rejected(ledger, "role", lambda: ledger.request_erasure(person, "r", auditor))
    rejected(ledger, "role", lambda: ledger.request_erasure(person, "r", INTAKE))
    rejected(
        ledger, "subject.erase_reason", lambda: ledger.request_erasure(person, " ", DATA_PROTECTION)
    )
    erase(ledger, person, "本人申请")
    rejected(
        ledger, "subject.erased", lambda: ledger.request_erasure(person, "again", DATA_PROTECTION)
    )


def test_failed_save_leaves_no_vault_data(ledger: Ledger) -> None:
    from eventsourcing.persistence import OperationalError

    vault_rows = "SELECT COUNT(*) FROM gongshi_vault_subjects"
    before = ledger.db.execute(vault_rows)[0][0]
    with (
        mock.patch.object(ledger.app, "save", side_effect=OperationalError("disk full")),
        pytest.raises(OperationalError),
    ):
        ledger.register_subject({"name": "失败者"}, "worker", INTAKE)
    assert ledger.db.execute(vault_rows)[0][0] == before


def test_failed_follow_up_save_leaves_no_note_and_later_ones_work(ledger: Ledger) -> None:
    from eventsourcing.persistence import OperationalError

    fund = funded(ledger)
    case = disbursed(fund)
    docs = "SELECT COUNT(*) FROM gongshi_vault_documents"
    with (
        mock.patch.object(ledger.app, "save", side_effect=OperationalError("disk full")),
        pytest.raises(OperationalError),
    ):
        fund.follow_up(case, "2023-03-01", "stable", "备注", INTAKE)
    assert ledger.db.execute(docs)[0][0] == 0
    fund.follow_up(case, "2023-03-01", "stable", "备注", INTAKE)
    assert ledger.db.execute(docs)[0][0] == 1


def test_erasure_interrupted_after_the_record_can_be_finished(ledger: Ledger) -> None:
    person = subject(ledger)
    with (
        mock.patch.object(ledger.vault, "erase", side_effect=RuntimeError("crash")),
        pytest.raises(RuntimeError),
    ):
        erase(ledger, person, "本人申请")
    assert ledger.vault.has_subject(str(person))  # recorded as erased, data still there
    ledger.erase_subject(person)
    assert not ledger.vault.has_subject(str(person))


def test_cash_cap_holds_under_racing_disbursements(ledger: Ledger, settings: Settings) -> None:
    fund = funded(ledger, received_fen=300_000, budget_fen=5_000_000)
    cases = [approved(fund, tier=3) for _ in range(4)]  # 6,000 approved, 3,000 received
    enrol(ledger, *(Actor(f"finance-{n:02d}", Role.FINANCE) for n in range(4)))
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def run(case: UUID, n: int) -> None:
        own = open_ledger(settings)
        try:
            barrier.wait(timeout=30)
            CareFund(own, FundConfig(budget_fen=5_000_000)).disburse(
                case, f"TX-{n}", Actor(f"finance-{n:02d}", Role.FINANCE)
            )
            outcomes.append("paid")
        except Exception as e:
            outcomes.append(getattr(e, "rule", repr(e)))
        finally:
            own.close()

    threads = [threading.Thread(target=run, args=(c, n)) for n, c in enumerate(cases)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(outcomes) == ["carefund.cash_on_hand"] * 2 + ["paid"] * 2
    year = fund.fund_year(YEAR)
    assert (year.disbursed_fen, year.cash_on_hand_fen) == (300_000, 0)
