"""Personal data stays in the vault: canaries never reach records or plaintext storage."""

from __future__ import annotations

import pytest

from ledger.check import check_store
from ledger.clock import SteppingClock
from ledger.demo import load_demo
from ledger.demo.carefund import load_carefund
from ledger.demo.principals import enrol_demo
from ledger.errors import NotFound, RuleViolation
from ledger.ledger import Ledger
from ledger.settings import Settings
from ledger.vault import VaultError, commitment, load_master_key
from tests.integration.helpers import AFTER_POSTING, INTAKE, disbursed, erase, funded
from tests.integration.store_access import raw_dump, rows

CANARY = {
    "name": "金丝雀甲乙丙",
    "id_number": "340881199001019999",
    "phone": "13912345678",
    "bank_account": "6217000011119999",
    "address": "桐城市金丝雀路88号",
    "hardship_details": "金丝雀家庭困难详情",
}
NOTE = "金丝雀回访备注"


def _canaries() -> list[bytes]:
    return [v.encode() for v in (*CANARY.values(), NOTE)]


def test_demo_personal_data_never_in_plaintext(ledger: Ledger, settings: Settings) -> None:
    assert load_demo(ledger)
    subjects = [r[1] for r in rows(settings.database) if r[3] == "subject.Registered"]
    assert len(subjects) >= 14 + 1296 + 208 + 30
    kept = [s for s in subjects if ledger.vault.has_subject(s)]  # the demo erases one subject
    assert len(subjects) - len(kept) == 1
    values = [str(v).encode() for s in kept for v in ledger.vault.read_subject(s).values()]
    ledger.db.close()
    dump = raw_dump(settings.database)
    assert values and not [v.decode() for v in values if v in dump]


def test_canaries_never_stored_in_plaintext(ledger: Ledger, settings: Settings) -> None:
    enrol_demo(ledger)
    load_carefund(ledger)
    person = ledger.register_subject(dict(CANARY), "worker", INTAKE)
    from ledger.carefund.config import Hardship, Industry
    from ledger.carefund.service import CareFund

    fund = CareFund(ledger)
    case = fund.submit(
        year=2024,
        subject=person,
        industry=Industry.FOOD_DELIVERY,
        hardship=Hardship.ILLNESS,
        requested_tier=1,
        priority=False,
        actor=INTAKE,
    )
    assert ledger.vault.read_subject(str(person)) == CANARY
    ledger.db.close()  # flush: SQLite file bytes below are read directly
    records = b"".join(r[4] for r in rows(settings.database))
    dump = raw_dump(settings.database)
    for canary in _canaries()[:-1]:
        assert canary not in records
        assert canary not in dump
    assert str(person).encode() in records and str(case).encode() in records


def test_follow_up_note_goes_to_the_vault(ledger: Ledger, settings: Settings) -> None:
    fund = funded(ledger)
    case = disbursed(fund)
    fund.follow_up(case, "2023-03-01", "stable", NOTE, INTAKE)
    assert NOTE.encode() not in raw_dump(settings.database)
    record = rows(settings.database)[-1][4]
    assert b'"note_commitment":"' in record


def test_commitment_binds_the_data(ledger: Ledger) -> None:
    key = bytes(range(32))
    assert commitment(key, CANARY) == commitment(key, dict(CANARY))
    assert commitment(key, CANARY) != commitment(key, {**CANARY, "phone": "13912345679"})
    assert commitment(key, CANARY) != commitment(bytes(32), CANARY)


def test_erase_deletes_key_and_data_and_chains_stay_valid(
    ledger: Ledger, settings: Settings, clock: SteppingClock
) -> None:
    fund = funded(ledger)
    case = disbursed(fund)
    fund.follow_up(case, "2023-03-01", "stable", NOTE, INTAKE)
    person = fund.application(case).subject
    from uuid import UUID

    clock.set(AFTER_POSTING)
    before = len(rows(settings.database))
    erase(ledger, UUID(person), "本人申请删除个人信息")
    topics = [r[3] for r in rows(settings.database)[before:]]
    assert topics == ["subject.ErasureRequested", "subject.ErasureApproved", "subject.Erased"]
    with pytest.raises(NotFound):
        ledger.vault.read_subject(person)
    assert not ledger.vault.has_subject(person)
    remaining = ledger.db.execute(
        "SELECT COUNT(*) FROM gongshi_vault_documents WHERE subject_id = ?", (person,)
    )
    assert remaining[0][0] == 0
    assert check_store(ledger.app.recorder).ok
    with pytest.raises(RuleViolation, match="erased"):
        ledger.erase_subject(UUID(person))


def test_wrong_master_key_cannot_open_the_vault(ledger: Ledger, settings: Settings) -> None:
    from ledger.ledger import open_ledger
    from ledger.settings import Settings as S

    person = ledger.register_subject(dict(CANARY), "worker", INTAKE)
    other = open_ledger(S(settings.home, settings.database, "11" * 32))
    try:
        with pytest.raises(VaultError, match="wrong vault master key"):
            other.vault.read_subject(str(person))
    finally:
        other.close()


def test_register_subject_rejects_unknown_fields_and_stores_nothing(ledger: Ledger) -> None:
    before = ledger.app.recorder.max_notification_id()
    with pytest.raises(RuleViolation) as e:
        ledger.register_subject({"name": "x", "religion": "y"}, "worker", INTAKE)
    assert e.value.rule == "subject.fields"
    assert ledger.app.recorder.max_notification_id() == before


def test_missing_master_key_is_a_clear_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(VaultError, match="gongshi keys init"):
        load_master_key(None, tmp_path / "keys" / "vault.key")
