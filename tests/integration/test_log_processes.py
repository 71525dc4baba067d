"""The log under faults and concurrency: SIGKILLed integrators, two writer processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from ledger.actor import Actor, Role
from ledger.ledger import Ledger
from ledger.log import tree
from ledger.settings import Settings
from tests.integration.helpers import INTAKE
from tests.integration.test_log import _leaf_data
from tests.support.principals import enrol
from tests.support.rfc9162 import mth

ROOT = Path(__file__).resolve().parents[2]


def _worker(settings: Settings, *args: str) -> subprocess.Popen[bytes]:
    assert settings.vault_key_hex is not None
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.log_worker", args[0], settings.database.url,
         str(settings.home), settings.vault_key_hex, *args[1:]],
        cwd=ROOT,
    )  # fmt: skip


def _assert_one_consistent_log(ledger: Ledger) -> None:
    data = _leaf_data(ledger)
    leaves = list(ledger.log.leaf_notifications())
    assert [i for i, _ in leaves] == list(range(len(data))), "gap or duplicate leaf index"
    notifications = [n.id for n in ledger.app.recorder.select_notifications(1, len(data) + 10)]
    assert [n for _, n in leaves] == notifications, "leaves are not the records in order"
    state = ledger.log.state()
    assert (state.size, state.position) == (len(data), notifications[-1])
    assert tree.root(state.size, ledger.log.fetch) == mth(data)


def test_sigkilled_integrator_resumes_with_no_gap_no_duplicate(
    ledger: Ledger, settings: Settings
) -> None:
    for i in range(1200):
        ledger.register_subject({"name": f"k{i}"}, "worker", INTAKE)
    kills = 0
    for threshold in (100, 400, 800):
        process = _worker(settings, "integrate", "1")  # one leaf per transaction
        deadline = time.monotonic() + 60
        while ledger.log.state().size < threshold and time.monotonic() < deadline:
            time.sleep(0.002)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            kills += 1
        process.wait(timeout=30)
    assert kills >= 2, "the integrator finished before it could be killed"
    assert ledger.log.state().size < 1200
    # And mid-way through multi-leaf transactions that cross tile boundaries:
    process = _worker(settings, "integrate", "97")
    start = ledger.log.state().size
    deadline = time.monotonic() + 60
    while ledger.log.state().size == start and time.monotonic() < deadline:
        time.sleep(0.001)
    time.sleep(0.01)
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    ledger.log.integrate()
    _assert_one_consistent_log(ledger)


def test_two_writer_processes_produce_one_consistent_log(
    ledger: Ledger, settings: Settings
) -> None:
    enrol(ledger, *(Actor(f"intake-{tag}", Role.INTAKE) for tag in ("a", "b")))
    before = ledger.app.recorder.max_notification_id() or 0  # the registry's records
    processes = [_worker(settings, "write", "120", tag) for tag in ("a", "b")]
    for p in processes:
        assert p.wait(timeout=180) == 0
    ledger.log.integrate()
    _assert_one_consistent_log(ledger)
    assert ledger.log.state().size == before + 240
