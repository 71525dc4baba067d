"""gongshi-verify on a real exported bundle whose one points record was rewritten to break an
allocation rule (docs/FORMAT.md §4 rules 16-19), the log re-chained from it and every
checkpoint re-signed: the chains, the tree and the signatures hold, and only the rule across
records names it. Tests are named after the tampering."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ledger.actor import Role
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.points.config import Component
from ledger.settings import Settings
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
from tests.integration.points_helpers import TOWNSHIP, VILLAGE, allocated, cadre_book, points_ready
from verify.canonical import canonical_bytes


@pytest.fixture
def made(
    ledger: Ledger, settings: Settings, clock: SteppingClock, tmp_path: Path
) -> tuple[Keys, Path, Path]:
    """A book of 晋熙镇01村 with 3.0 of industry allocated for Q1 (of 8.0), 3.0 of work on it,
    and a township bonus; then the care fund's records of make_bundle, exported."""
    points = points_ready(ledger, clock)
    book = cadre_book(points)
    allocated(points, book, "industry", 30)
    points.enter(book, quarter=1, component=Component.WORK, points_tenths=30, reason="完成",
                 task="industry", actor=VILLAGE)  # fmt: skip
    points.enter(book, quarter=1, component=Component.BONUS, points_tenths=20, reason="表彰",
                 actor=TOWNSHIP)  # fmt: skip
    clock.set(datetime(2023, 3, 1, 9, 0, tzinfo=UTC))  # make_bundle's care fund: in March
    keys, pinned = make_bundle(ledger, settings, clock, tmp_path / "bundle")
    return keys, tmp_path / "bundle", pinned


def _work(record: dict[str, Any]) -> None:
    record["data"]["points_tenths"] = 990  # the 99 points against the 3.0 allocated


def _allocation(record: dict[str, Any]) -> None:
    record["data"]["points_tenths"] = 81  # the task is worth 8.0


def _meeting(record: dict[str, Any]) -> None:
    record["data"]["meeting_on"] = "2023-12-31"  # a meeting that had not yet taken place


def _bonus(record: dict[str, Any]) -> None:
    record["actor"] = {"principal": VILLAGE.principal, "role": Role.VILLAGE_COMMITTEE.value}


def _is(kind: str, component: str | None = None) -> Callable[[dict[str, Any]], bool]:
    return lambda r: (
        r["type"] == kind and (component is None or r["data"]["component"] == component)
    )


@pytest.mark.parametrize(
    ("chosen", "change", "rule"),
    [(_is("points.ScoreEntered", "work"), _work, "points.work_allocated"),
     (_is("points.ResponsibilityAllocated"), _allocation, "points.allocation_cap"),
     (_is("points.ResponsibilityAllocated"), _meeting, "points.allocation_meeting"),
     (_is("points.ScoreEntered", "bonus"), _bonus, "points.adjustment_by_township")],
    ids=["work-beyond-its-allocation", "allocation-beyond-the-tasks-value",
         "meeting-after-the-allocation", "bonus-by-the-village-committee"],
)  # fmt: skip
def test_rewritten_points_record_breaks_its_rule(
    made: tuple[Keys, Path, Path],
    capsys: pytest.CaptureFixture[str],
    chosen: Callable[[dict[str, Any]], bool],
    change: Callable[[dict[str, Any]], None],
    rule: str,
) -> None:
    keys, bundle, pinned = made
    code, report = run_json(capsys, "bundle", str(bundle), "--policy", str(pinned))
    assert code == 0 and rule not in rules(report), report  # as written: no rule broken
    records = lines(bundle)
    index = next(i for i, x in enumerate(records) if chosen(json.loads(x)))
    record = json.loads(records[index])
    change(record)
    records[index] = canonical_bytes(record)
    write_lines(bundle, rechain(records, index))
    shutil.rmtree(bundle / "checkpoints")
    (bundle / "checkpoints").mkdir()
    resign(bundle, keys)
    code, report = run_json(capsys, "bundle", str(bundle), "--policy", str(pinned))
    found = rules(report)
    assert code == 1 and rule in found, report
    assert not {r for r in found if r.startswith(("chain.", "tree.", "checkpoint.", "policy."))}
