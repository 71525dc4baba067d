"""gongshi-verify on an exported bundle holding a key project's history: one record changed to
break a rule of verify/rules_supervision.py ProjectRules, re-chained and re-signed by an
operator holding the log's keys, so that only the rule across records can catch it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ledger.actor import Actor, Role
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.settings import Settings
from ledger.supervision.cadre_work import CadreWork
from ledger.supervision.service import Supervision
from tests.integration.bundles import (
    lines,
    make_bundle,
    no_pinned_policy,  # noqa: F401 (autouse)
    rechain,
    resign,
    rules,
    run_json,
    write_lines,
)
from verify.canonical import canonical_bytes

ORG, LEAD = (
    Actor("org-01", Role.ORGANISATION_DEPARTMENT),
    Actor("org-02", Role.ORGANISATION_DEPARTMENT),
)


def _history(ledger: Ledger) -> None:
    from datetime import date

    sup = Supervision(ledger)
    project = sup.register_project(
        name="人才引进工作优化", owner_unit="组织部", county="taihu", lead=LEAD.principal,
        year=2023, items=[("m01", "1月清单", date(2023, 12, 28))], actor=ORG,
    )  # fmt: skip
    sup.report_progress(project, "m01", True, "完成", ORG)
    sup.verify_item(project, "m01", "盘点销号", LEAD)
    work = CadreWork(ledger)
    inspection = work.open_selection_inspection("选人用人专项检查", "taihu", "专项调研组", ORG)
    work.visit_units(inspection, [("县直单位01", "county_unit")], ORG)
    work.record_finding(inspection, "县直单位01", "推动不力", True, ORG)


def _tampered(bundle: Path, keys: object, kind: bytes, change: dict[str, object]) -> None:
    records = lines(bundle)
    index = next(i for i, x in enumerate(records) if kind in x)
    record = json.loads(records[index])
    for path, value in change.items():
        target = record
        *parents, last = path.split(".")
        for name in parents:
            target = target[name]
        target[last] = value
    records[index] = canonical_bytes(record)
    write_lines(bundle, rechain(records, index))
    shutil.rmtree(bundle / "checkpoints")
    (bundle / "checkpoints").mkdir()
    resign(bundle, keys)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "change", "rule"),
    [
        (b"keyproject.ItemVerified", {"actor.principal": "org-01"}, "keyproject.verification"),
        (b"selection.FindingRecorded", {"data.unit": "县直单位02"}, "selection.visit"),
    ],
    ids=["verified-by-its-reporter", "finding-in-a-unit-not-visited"],
)
def test_a_rule_broken_by_one_resigned_record_is_named(
    ledger: Ledger, settings: Settings, clock: SteppingClock, tmp_path: Path,
    capsys: pytest.CaptureFixture[str], kind: bytes, change: dict[str, object], rule: str,
) -> None:  # fmt: skip
    _history(ledger)
    keys, pinned = make_bundle(ledger, settings, clock, tmp_path / "bundle")
    bundle = tmp_path / "bundle"
    code, report = run_json(capsys, "bundle", str(bundle), "--policy", str(pinned))
    assert code == 0, report
    _tampered(bundle, keys, kind, change)
    code, report = run_json(capsys, "bundle", str(bundle), "--policy", str(pinned))
    assert code == 1 and rules(report) == {rule}, report
