"""The principal registry's rules in ``gongshi-verify bundle``: a real bundle whose records
follow the registry passes; one record changed to break a rule, re-chained and re-signed by
an operator holding the log's key (so only the rule across records can catch it), fails
with the rule's name. Named after the tampering."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ledger.actor import Actor, Role
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.principal import Scope
from ledger.settings import Settings
from ledger.supervision.service import Supervision
from tests.integration.bundles import (
    Keys,
    lines,
    make_bundle,
    no_pinned_policy,  # noqa: F401 (autouse)
    rechain,
    resign,
    rules,
    run_json,
    write_lines,
)
from tests.support.principals import enrol
from verify.canonical import canonical_bytes

SUP = Actor("supervision-01", Role.SUPERVISION)  # Taihu's
YUEXI_SUP = Actor("jw-yuexi-01", Role.SUPERVISION)


@pytest.fixture
def made(
    ledger: Ledger, settings: Settings, clock: SteppingClock, tmp_path: Path
) -> tuple[Keys, Path, Path]:
    keys, pinned = make_bundle(ledger, settings, clock, tmp_path / "bundle")
    return keys, tmp_path / "bundle", pinned


def forged(made: tuple[Keys, Path, Path], kind: bytes, change: str, value: str) -> None:
    """Set ``change`` (``actor.principal`` or ``data.MEMBER``) of the first ``kind`` record
    to ``value``, re-chain the later records and re-sign the log."""
    records = lines(made[1])
    index = next(i for i, x in enumerate(records) if b'"type":"' + kind + b'"' in x)
    record = json.loads(records[index])
    part, member = change.split(".")
    record[part][member] = value
    records[index] = canonical_bytes(record)
    rewritten(made, records, index)


def rewritten(made: tuple[Keys, Path, Path], records: list[bytes], start: int = 0) -> None:
    """The bundle's records replaced by ``records``, re-chained from ``start`` and the log
    re-signed (by an operator holding its key)."""
    keys, bundle, _ = made
    write_lines(bundle, rechain(records, start))
    shutil.rmtree(bundle / "checkpoints")
    (bundle / "checkpoints").mkdir()
    resign(bundle, keys)


def found(made: tuple[Keys, Path, Path], capsys: pytest.CaptureFixture[str]) -> set[str]:
    return verdict(made, capsys)[1]


def verdict(
    made: tuple[Keys, Path, Path], capsys: pytest.CaptureFixture[str]
) -> tuple[int, set[str], list[dict[str, Any]]]:
    """gongshi-verify bundle's exit code, the rules it names, its failures."""
    _, bundle, pinned = made
    code, report = run_json(capsys, "bundle", str(bundle), "--policy", str(pinned))
    assert code in (0, 1), report
    return code, rules(report), report["failures"]


def bootstrap_first(records: list[bytes]) -> list[bytes]:
    """The records as the ledger wrote them: the first is the bootstrap (demo-admin enrolling
    itself), the first record after the registry's is not a registry record."""
    first = json.loads(records[0])
    assert first["type"] == "principal.Enrolled"
    assert first["actor"]["principal"] == first["data"]["account"] == "demo-admin"
    return records


def registry_dropped(records: list[bytes]) -> list[bytes]:
    return [x for x in bootstrap_first(records) if b'"type":"principal.' not in x]


def bootstrap_moved_after_a_record(records: list[bytes]) -> list[bytes]:
    """The log's first care-fund record (its stream's first) moved before the bootstrap."""
    records = bootstrap_first(records)
    at = next(i for i, x in enumerate(records) if b'"type":"principal.' not in x)
    return [records[at], *records[:at], *records[at + 1 :]]


def bootstrap_by_another(records: list[bytes]) -> list[bytes]:
    """The bootstrap's actor rewritten: demo-admin enrolled by root, who never was."""
    first = json.loads(bootstrap_first(records)[0])
    first["actor"]["principal"] = "root"
    return [canonical_bytes(first), *records[1:]]


def bootstrap_as_audit(records: list[bytes]) -> list[bytes]:
    """The bootstrap's admin enrolling itself as audit (no self-enrolling admin)."""
    first = json.loads(bootstrap_first(records)[0])
    first["data"]["acts_as"] = "audit"
    return [canonical_bytes(first), *records[1:]]


@pytest.mark.parametrize(
    "tamper",
    [registry_dropped, bootstrap_moved_after_a_record, bootstrap_by_another, bootstrap_as_audit],
    ids=["registry-streams-dropped", "bootstrap-moved-after-a-record",
         "bootstrap-actor-rewritten", "bootstrap-role-rewritten"],
)  # fmt: skip
def test_registry_rewritten_does_not_switch_the_principal_rules_off(
    made: tuple[Keys, Path, Path],
    capsys: pytest.CaptureFixture[str],
    tamper: Callable[[list[bytes]], list[bytes]],
) -> None:
    """Every record is checked from the log's first (rule principal.role): a bootstrap
    rewritten, moved or dropped leaves records whose actor is not enrolled."""
    rewritten(made, tamper(lines(made[1])))
    code, named, failures = verdict(made, capsys)
    assert (code, named) == (1, {"principal.role"}), failures


def test_a_bundle_of_enrolled_principals_breaks_no_principal_rule(
    made: tuple[Keys, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert b"principal.Enrolled" in b"".join(lines(made[1]))
    assert found(made, capsys) == set()


def test_record_by_an_account_never_enrolled(
    made: tuple[Keys, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """Both halves of the payment (carefund.pair) by the forged account, as a careful forger
    writes them: only the registry catches it."""
    for kind in (b"carefund.GrantDisbursed", b"carefund.DisbursementBooked"):
        forged(made, kind, "actor.principal", "finance-99")
    assert found(made, capsys) == {"principal.role"}


def test_review_of_another_industrys_application(
    made: tuple[Keys, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    forged(made, b"carefund.ApplicationSubmitted", "data.industry", "food_delivery")
    assert found(made, capsys) == {"principal.scope"}  # ipc-01 is express delivery's


@pytest.fixture
def with_case(
    ledger: Ledger, settings: Settings, clock: SteppingClock, tmp_path: Path
) -> tuple[Keys, Path, Path]:
    """The bundle with a unit head registered (the log's first subject) and a Taihu
    complaint case opened and listed by Taihu's supervision principal; Yuexi's is enrolled
    too."""
    enrol(ledger, YUEXI_SUP, scope=Scope(county="yuexi"))
    ledger.register_subject({"name": "水利局主要负责人"}, "unit_head", SUP)
    sup = Supervision(ledger)
    case = sup.open_case(target_kind="unit", target="水利局", reason="complaint",
                         detail="群众反映工程进度滞后", county="taihu", actor=SUP)  # fmt: skip
    sup.list_case(case, date(2023, 9, 30), "挂牌督办", SUP)
    keys, pinned = make_bundle(ledger, settings, clock, tmp_path / "bundle")
    return keys, tmp_path / "bundle", pinned


def test_case_listed_by_another_countys_supervision(
    with_case: tuple[Keys, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """Yuexi's supervision principal in its own role, on Taihu's case: only the scope."""
    assert found(with_case, capsys) == set()
    forged(with_case, b"supervision.CaseListed", "actor.principal", YUEXI_SUP.principal)
    assert found(with_case, capsys) == {"principal.scope"}


def test_subject_registered_by_the_escalation_policys_account(
    with_case: tuple[Keys, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """The system account, in its own role, writing what its job never writes."""
    forged(with_case, b"subject.Registered", "actor.principal", "policy-keyproject")
    assert found(with_case, capsys) == {"principal.system"}
