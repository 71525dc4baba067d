"""gongshi-verify on an exported bundle holding a points year closed and a bottom-10% case
taken through its four steps: clean, it passes; with one record changed — re-chained and
re-signed by an operator holding the keys, so only the rules across records can catch it —
it fails naming the rule (docs/FORMAT.md §4 rules 29-36)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from ledger.actor import Actor, Role
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.log.checkpoints import all_checkpoints, sign_checkpoint
from ledger.log.cosignatures import add_cosignature
from ledger.log.export import export_bundle
from ledger.log.keys import create_log_key, load_signer
from ledger.points.config import Component
from ledger.settings import Settings
from ledger.supervision.service import Supervision
from tests.integration.bundles import (
    COSIGNED_AT,
    DEPARTMENTS,
    ORIGIN,
    Keys,
    lines,
    no_pinned_policy,  # noqa: F401 (autouse)
    rechain,
    resign,
    rules,
    run_json,
    write_lines,
)
from tests.integration.points_helpers import ORGANISATION, TOWNSHIP, VILLAGE, points_ready
from tests.support.principals import enrol
from verify.canonical import canonical_bytes

SUP = Actor("jw-01", Role.SUPERVISION)
INSTRUCTOR = Actor("pbi-01", Role.PARTY_BUILDING_INSTRUCTOR)


@pytest.fixture
def made(
    ledger: Ledger, settings: Settings, clock: SteppingClock, tmp_path: Path
) -> tuple[Keys, Path, Path]:
    """Three cadres, the 2023 close (the lowest gets a case), the case closed after its four
    steps; one signed, cosigned checkpoint; exported."""
    enrol(ledger, SUP, INSTRUCTOR)
    create_log_key(settings.log_skey_path, settings.log_vkey_path, ORIGIN)
    keys = Keys.fresh(load_signer(settings.log_skey_path, ORIGIN))
    points = points_ready(ledger, clock)
    for i in range(3):
        cadre = ledger.register_subject({"name": f"干部{i}"}, "cadre", TOWNSHIP)
        book = points.open_book(cadre, "th01", "晋熙镇01村", "principal", VILLAGE)
        points.enter(book, quarter=2, component=Component.BONUS, points_tenths=10 * (i + 1),
                     reason="表彰", actor=TOWNSHIP)  # fmt: skip
    clock.set(datetime(2024, 1, 10, 9, 0, tzinfo=UTC))
    (case,) = points.close_year(ORGANISATION).cases.values()
    sup = Supervision(ledger)
    sup.talk(case, "约谈提醒", TOWNSHIP)
    sup.guide(case, None, "现场指导", INSTRUCTOR)
    sup.list_case(case, date(2024, 3, 31), "挂牌督办", SUP)
    sup.report_rectification(case, "已整改", TOWNSHIP, "整改报告〔2024〕1号")
    sup.close(case, "销号审批表〔2024〕1号", SUP)
    sign_checkpoint(ledger.log, keys.log, ORIGIN, clock)
    policy = keys.policy()
    for signed in all_checkpoints(ledger.log):
        text = signed.checkpoint.text()
        for name in DEPARTMENTS:
            line = keys.witnesses[name].sign_line(text, COSIGNED_AT)
            add_cosignature(ledger.log, policy, line, datetime.now(UTC), signed.checkpoint.size)
    out = tmp_path / "bundle"
    export_bundle(ledger.log, ledger.app.recorder, out, settings.log_vkey_path.read_text(),
                  policy=policy)  # fmt: skip
    (tmp_path / "pinned-policy").write_text(keys.policy().text())
    return keys, out, tmp_path / "pinned-policy"


def _check(capsys: pytest.CaptureFixture[str], bundle: Path, pinned: Path) -> tuple[int, set[str]]:
    code, report = run_json(capsys, "bundle", str(bundle), "--policy", str(pinned))
    return code, rules(report)


def _forge(bundle: Path, keys: Keys, kind: bytes, change: Callable[[dict[str, Any]], None]) -> None:
    """Change the first record of type ``kind``; re-chain; re-sign one checkpoint over it."""
    records = lines(bundle)
    index = next(i for i, x in enumerate(records) if b'"type":"' + kind + b'"' in x)
    record = json.loads(records[index])
    change(record)
    records[index] = canonical_bytes(record)
    write_lines(bundle, rechain(records, index))
    shutil.rmtree(bundle / "checkpoints")
    (bundle / "checkpoints").mkdir()
    resign(bundle, keys)


def test_clean_bundle_with_a_closed_year_passes(
    made: tuple[Keys, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, bundle, pinned = made
    assert _check(capsys, bundle, pinned) == (0, set())


def _total_raised(record: dict[str, Any]) -> None:
    record["data"]["ranking"][0]["total_tenths"] += 1


def _closed_by_reporter(record: dict[str, Any]) -> None:
    record["actor"] = {"principal": "tpc-01", "role": "township_party_committee"}


def _guidance_first(record: dict[str, Any]) -> None:  # the talk becomes a second guidance
    record["type"] = "supervision.GuidanceGiven"
    record["actor"] = {"principal": "pbi-01", "role": "party_building_instructor"}
    record["data"] = {"instructor": "pbi-01", "note": "指导"}


def _opened_by_hand(record: dict[str, Any]) -> None:  # a complaint case made a bottom case
    record["data"]["trigger"] = None


@pytest.mark.parametrize(
    ("kind", "change", "rule"),
    [
        (b"points.YearClosed", _total_raised, "points.year_close"),
        (b"supervision.CaseClosed", _closed_by_reporter, "supervision.separation"),
        (b"supervision.TalkHeld", _guidance_first, "supervision.order"),
        (b"supervision.CaseOpened", _opened_by_hand, "supervision.bottom_by_close"),
    ],
    ids=["year-closed-with-a-wrong-total", "case-closed-by-its-reporter",
         "talk-skipped", "bottom-case-not-from-the-close"],
)  # fmt: skip
def test_one_record_breaking_a_close_or_case_rule_is_named(
    made: tuple[Keys, Path, Path],
    capsys: pytest.CaptureFixture[str],
    kind: bytes,
    change: Callable[[dict[str, Any]], None],
    rule: str,
) -> None:
    keys, bundle, pinned = made
    _forge(bundle, keys, kind, change)
    code, found = _check(capsys, bundle, pinned)
    assert code == 1 and rule in found, found
