"""Builders for care-fund states, shared by the integration tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from ledger.actor import Actor, Role
from ledger.carefund.config import FundConfig, Hardship, Industry, Source, Violation
from ledger.carefund.service import CareFund
from ledger.errors import RuleViolation
from ledger.ledger import Ledger
from ledger.log.keys import create_log_key, load_signer
from ledger.settings import Settings
from verify.note import Signer

INTAKE = Actor("intake-01", Role.INTAKE)
IPC = Actor("ipc-01", Role.INDUSTRY_PARTY_COMMITTEE)
UNION = Actor("union-01", Role.TRADE_UNION)
UNION_2 = Actor("union-02", Role.TRADE_UNION)
FINANCE = Actor("finance-01", Role.FINANCE)
FINANCE_2 = Actor("finance-02", Role.FINANCE)
AUDIT = Actor("audit-01", Role.AUDIT)
SUPERVISION = Actor("supervision-01", Role.SUPERVISION)
DATA_PROTECTION = Actor("dpo-01", Role.DATA_PROTECTION)  # requests erasures (PIPL art. 47)
DATA_PROTECTION_2 = Actor("dpo-02", Role.DATA_PROTECTION)  # approves them: a second principal
YEAR = 2023
# After the posting window (公示期, 30 days by default) of a grant paid at the test clock's
# start (2023-03-01): its applicant's erasure is no longer held (subject.erasure_hold).
AFTER_POSTING = datetime(2023, 4, 10, 9, 0, tzinfo=UTC)


def funded(ledger: Ledger, received_fen: int = 5_000_000, budget_fen: int = 5_000_000) -> CareFund:
    fund = CareFund(ledger, FundConfig(budget_fen=budget_fen))
    fund.open_year(YEAR, FINANCE)
    if received_fen:
        fund.receive(YEAR, Source.TRADE_UNION, received_fen, "R-1", FINANCE)
    return fund


def subject(ledger: Ledger, name: str = "测试人") -> UUID:
    return ledger.register_subject({"name": name, "phone": "13800000000"}, "worker", INTAKE)


def submitted(fund: CareFund, tier: int = 1) -> UUID:
    return fund.submit(
        year=YEAR,
        subject=subject(fund.ledger),
        industry=Industry.EXPRESS_DELIVERY,
        hardship=Hardship.ILLNESS,
        requested_tier=tier,
        priority=False,
        actor=INTAKE,
    )


def reviewed(fund: CareFund, tier: int = 1) -> UUID:
    case = submitted(fund, tier)
    fund.review(case, True, "", IPC)
    return case


def approved(fund: CareFund, tier: int = 1) -> UUID:
    case = reviewed(fund, tier)
    fund.approve(case, tier, UNION)
    return case


def disbursed(fund: CareFund, tier: int = 1) -> UUID:
    case = approved(fund, tier)
    fund.disburse(case, "TX", FINANCE)
    return case


def erase(ledger: Ledger, subject_id: UUID, reason: str = "本人申请删除") -> None:
    """Request, approve (a second principal) and carry out ``subject_id``'s erasure."""
    ledger.request_erasure(subject_id, reason, DATA_PROTECTION)
    ledger.approve_erasure(subject_id, DATA_PROTECTION_2)
    ledger.erase_subject(subject_id)


def stored_count(ledger: Ledger) -> int:
    return ledger.app.recorder.max_notification_id() or 0


def rejected(
    ledger: Ledger, rule: str, action: Callable[[], Any], match: str = ""
) -> RuleViolation:
    """Run ``action``; require RuleViolation(rule) and that nothing was stored."""
    before = stored_count(ledger)
    with pytest.raises(RuleViolation) as e:
        action()
    assert e.value.rule == rule, e.value
    assert match in str(e.value)
    assert stored_count(ledger) == before, "a rejected command stored something"
    return e.value


def revoke(fund: CareFund, case: Any, **change: Any) -> None:
    """Revoke a disbursed case with valid defaults; ``change`` overrides any argument."""
    args: dict[str, Any] = dict(
        violation=Violation.RULES,
        reason="虚报",
        recover_fen=50_000,
        discipline_referral=False,
        judicial_referral=False,
        accountable_organisation="快递行业党委",
        responsible=[],
        actor=SUPERVISION,
    )
    args.update(change)
    fund.revoke(case, **args)


def registered(ledger: Ledger, n: int, prefix: str = "测试") -> None:
    """Write ``n`` records to the log: subjects named ``prefix`` + a number."""
    for i in range(n):
        ledger.register_subject({"name": f"{prefix}{i}"}, "worker", INTAKE)


def log_signer(settings: Settings, origin: str) -> Signer:
    """The log's signing key for ``origin`` under ``settings`` (created if missing)."""
    create_log_key(settings.log_skey_path, settings.log_vkey_path, origin)
    return load_signer(settings.log_skey_path, origin)
