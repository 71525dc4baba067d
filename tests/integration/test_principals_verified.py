"""The principal registry's rules in ``gongshi-verify bundle``: a real bundle whose records
follow the registry passes; one record changed to break a rule, re-chained and re-signed by
an operator holding the log's key (so only the rule across records can catch it), fails
with the rule's name. Named after the tampering."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

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
    keys, bundle, _ = made
    records = lines(bundle)
    index = next(i for i, x in enumerate(records) if b'"type":"' + kind + b'"' in x)
    record = json.loads(records[index])
    part, member = change.split(".")
    record[part][member] = value
    records[index] = canonical_bytes(record)
    write_lines(bundle, rechain(records, index))
    shutil.rmtree(bundle / "checkpoints")
    (bundle / "checkpoints").mkdir()
    resign(bundle, keys)


def found(made: tuple[Keys, Path, Path], capsys: pytest.CaptureFixture[str]) -> set[str]:
    _, bundle, pinned = made
    code, report = run_json(capsys, "bundle", str(bundle), "--policy", str(pinned))
    assert code in (0, 1), report
    return rules(report)


def test_a_bundle_of_enrolled_principals_breaks_no_principal_rule(
    made: tuple[Keys, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert b"principal.Enrolled" in b"".join(lines(made[1]))
    assert not {r for r in found(made, capsys) if r.startswith("principal.")}


def test_record_by_an_account_never_enrolled(
    made: tuple[Keys, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    forged(made, b"carefund.GrantDisbursed", "actor.principal", "finance-99")
    assert "principal.role" in found(made, capsys)


def test_review_of_another_industrys_application(
    made: tuple[Keys, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    forged(made, b"carefund.ApplicationSubmitted", "data.industry", "food_delivery")
    assert "principal.scope" in found(made, capsys)  # ipc-01 is express delivery's


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
    assert not {r for r in found(with_case, capsys) if r.startswith("principal.")}
    forged(with_case, b"supervision.CaseListed", "actor.principal", YUEXI_SUP.principal)
    assert {r for r in found(with_case, capsys) if r.startswith("principal.")} == {
        "principal.scope"
    }


def test_subject_registered_by_the_escalation_policys_account(
    with_case: tuple[Keys, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """The system account, in its own role, writing what its job never writes."""
    forged(with_case, b"subject.Registered", "actor.principal", "policy-keyproject")
    assert {r for r in found(with_case, capsys) if r.startswith("principal.")} == {
        "principal.system"
    }
