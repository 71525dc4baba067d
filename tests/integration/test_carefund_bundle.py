"""gongshi-verify on a real exported bundle in which one care-fund record breaks a rule
across records, re-chained and re-signed by the operator (who holds the log key), so that
only the rule can catch it. Named after the tampering."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from ledger.clock import SteppingClock
from ledger.ledger import Ledger
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
from verify.canonical import canonical_bytes


def _tampered(bundle: Path, keys: Keys, visited_on: str) -> None:
    """The bundle's follow-up visit dated ``visited_on``, re-chained and re-signed."""
    records = lines(bundle)
    index = next(i for i, x in enumerate(records) if b"carefund.FollowUpRecorded" in x)
    record = json.loads(records[index])
    record["data"]["visited_on"] = visited_on
    records[index] = canonical_bytes(record)
    write_lines(bundle, rechain(records, index))
    shutil.rmtree(bundle / "checkpoints")
    (bundle / "checkpoints").mkdir()
    resign(bundle, keys)


def test_follow_up_visit_dated_after_its_record(
    ledger: Ledger, settings: Settings, clock: SteppingClock, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    keys, pinned = make_bundle(ledger, settings, clock, tmp_path / "bundle")
    bundle = tmp_path / "bundle"
    record = next(json.loads(x) for x in lines(bundle) if b"carefund.FollowUpRecorded" in x)
    later = date.fromisoformat(record["at"][:10]) + timedelta(days=2)  # after the day anywhere
    code, clean = run_json(capsys, "bundle", str(bundle), "--policy", str(pinned))
    assert code == 0, clean
    _tampered(bundle, keys, later.isoformat())
    code, report = run_json(capsys, "bundle", str(bundle), "--policy", str(pinned))
    assert code == 1 and rules(report) == {"carefund.visit_date"}, report["failures"]
