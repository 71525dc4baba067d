"""The trust loop running by itself, as real processes: ``gongshi serve`` signing on its
schedule and three ``gongshi-verify witness serve`` departments; a grant paid over the API
becomes part of a witnessed checkpoint, and an export and the record's proof made a moment
later verify under the departments' policy pinned by the auditor. And ``gongshi log follow``
signs checkpoints on schedule by itself."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from ledger.ledger import Ledger
from ledger.log.checkpoints import latest, latest_witnessed
from ledger.log.keys import create_log_key
from ledger.log.witnesses import DEPARTMENTS, create_witness_key, witness_verifiers
from ledger.settings import Settings
from tests.e2e.grants import pay_a_grant
from tests.e2e.server import ROOT, server_env, serving
from tests.e2e.witnesses import departments_serving
from tests.integration.helpers import INTAKE, funded
from verify.note import COSIGNATURE_V1, parse_vkey
from verify.policy import departments_policy

INTERVAL = "0.5"
PATIENCE = 15.0


def _served_size(base: str) -> int:
    try:
        with urllib.request.urlopen(base + "/log/v1/checkpoint", timeout=5) as response:
            return int(response.read().split(b"\n")[1])
    except urllib.error.HTTPError:
        return 0  # 404: nothing witnessed yet


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_grant_paid_over_the_api_verifies_under_the_departments_policy_with_nothing_run_by_hand(
    ledger: Ledger, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GONGSHI_CHECKPOINT_INTERVAL", INTERVAL)
    create_log_key(settings.log_skey_path, settings.log_vkey_path, settings.origin)
    for name in DEPARTMENTS:
        create_witness_key(settings.keys_dir, name, *([COSIGNATURE_V1] if name == "audit" else []))
    log = parse_vkey(settings.log_vkey_path.read_text())
    pinned = tmp_path / "departments.policy"  # what the departments publish; no URLs
    pinned.write_text(departments_policy(log, witness_verifiers(settings.keys_dir)).text())
    funded(ledger)
    env = server_env(settings)
    with departments_serving(settings), serving(settings) as base:
        paid = pay_a_grant(base, ledger)
        deadline = time.monotonic() + PATIENCE
        while _served_size(base) <= paid["leaf_index"]:
            assert time.monotonic() < deadline, f"not witnessed within {PATIENCE} s"
            time.sleep(0.1)
        bundle, proof = tmp_path / "bundle", tmp_path / "proof"
        exported = _run(env, "api.cli", "export", str(bundle))
        assert exported.returncode == 0, exported.stderr
        made = _run(env, "api.cli", "proof", "record", paid["stream"], str(paid["version"]),
                    "--out", str(proof))  # fmt: skip
        assert made.returncode == 0, made.stderr
    checked = _run(env, "verify", "bundle", str(bundle), "--policy", str(pinned))
    assert checked.returncode == 0 and "VALID" in checked.stdout, checked.stdout
    assert "UNANCHORED" not in checked.stdout
    cosigned = next(x for x in checked.stdout.splitlines() if x.startswith("cosigned by: "))
    assert sum(f"{n} (" in cosigned for n in DEPARTMENTS) >= 2, cosigned
    manifest = json.loads((bundle / "MANIFEST.json").read_text())
    assert manifest["files"]["checkpoint"].startswith("newest checkpoint witnessed")
    record = _run(env, "verify", "proof", str(proof / "proof"), "--record",
                  str(proof / "record"), "--policy", str(pinned))  # fmt: skip
    assert record.returncode == 0 and "VALID" in record.stdout, record.stdout + record.stderr


def test_log_follow_signs_checkpoints_on_schedule_by_itself(
    ledger: Ledger, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No witness keys: quorum none, so follow warns; it signs as the tree grows."""
    monkeypatch.setenv("GONGSHI_CHECKPOINT_INTERVAL", INTERVAL)
    create_log_key(settings.log_skey_path, settings.log_vkey_path, settings.origin)
    ledger.log.integrate()  # the fixture's enrolments (the principal registry) come first
    enrolled = ledger.log.state().size
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "log", "follow", "--interval", "0.1"],
        env=server_env(settings), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        for batch in range(2):
            for i in range(3):
                ledger.register_subject({"name": f"跟随{batch}{i}"}, "worker", INTAKE)
            size = enrolled + 3 * (batch + 1)
            deadline = time.monotonic() + PATIENCE
            while (found := latest(ledger.log)) is None or found.checkpoint.size < size:
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline, f"no checkpoint of size {size}"
                time.sleep(0.05)
        witnessed = latest_witnessed(ledger.log)
        assert witnessed is not None and witnessed.checkpoint.size == enrolled + 6
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert f"signing every {INTERVAL} s" in out
    assert "warning: the log's policy needs no witness (quorum none)" in err
