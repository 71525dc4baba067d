"""``gongshi-verify witness keygen`` and ``witness serve`` as real processes: the startup line,
two processes sharing one state file, and a SIGKILL between persisting and answering."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.e2e.server import ROOT
from tests.support.witness_http import DATA, add, race_round
from tests.support.witness_log import ED_WITNESS, LOG, MLDSA_WITNESS, checkpoint_note, write_keys
from verify.note import open_note, parse_vkey
from verify.witness import read_state

STARTUP = re.compile(r"listening on (http://127\.0\.0\.1:[0-9]+)\n")


def _verify(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "verify", *args], capture_output=True,
                          text=True, timeout=60, cwd=ROOT)  # fmt: skip


@contextmanager
def witness_process(
    tmp_path: Path, keys: list[str], state: Path, *extra: str
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """``witness serve`` on a free port; yields its URL (from the startup line) and process."""
    stderr = (tmp_path / f"witness-{time.monotonic_ns()}.log").open("w")
    command = [sys.executable, "-m", "verify", "witness", "serve", "--name", "audit",
               *(a for key in keys for a in ("--key", key)), "--state", str(state),
               "--log-vkey", str(tmp_path / "keys" / "log.vkey"), "--listen", "127.0.0.1:0",
               *extra]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, text=True, cwd=ROOT)
    try:
        assert process.stdout is not None
        match = STARTUP.fullmatch(process.stdout.readline())
        assert match, (tmp_path / stderr.name).read_text()
        yield match.group(1), process
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=30)
        stderr.close()


def test_keygen_makes_an_mldsa44_key_by_default(tmp_path: Path) -> None:
    made = _verify("witness", "keygen", "--name", "witness.example/audit", "--out", str(tmp_path))
    assert made.returncode == 0, made.stderr
    skey, vkey = tmp_path / "audit-mldsa44.skey", tmp_path / "audit-mldsa44.vkey"
    assert skey.stat().st_mode & 0o777 == 0o600
    assert parse_vkey(vkey.read_text()).sig_type == 0x06 and made.stdout == vkey.read_text()
    again = _verify("witness", "keygen", "--name", "witness.example/audit", "--out", str(tmp_path))
    assert again.returncode == 2 and "not overwritten" in again.stderr
    ed = _verify("witness", "keygen", "--name", "witness.example/audit", "--type", "ed25519",
                 "--out", str(tmp_path))  # fmt: skip
    assert ed.returncode == 0 and parse_vkey(ed.stdout).sig_type == 0x04


def test_witness_serve_with_keygen_keys_returns_both_lines(tmp_path: Path) -> None:
    for kind in ("mldsa44", "ed25519"):
        made = _verify("witness", "keygen", "--name", "witness.example/audit", "--type", kind,
                       "--out", str(tmp_path / "keys"))  # fmt: skip
        assert made.returncode == 0, made.stderr
    write_keys(tmp_path / "keys")
    keys = [str(tmp_path / "keys" / f"audit-{kind}.skey") for kind in ("mldsa44", "ed25519")]
    with witness_process(tmp_path, keys, tmp_path / "state.json") as (url, _):
        status, _, body = add(url, 0, 6)
    vkeys = [
        parse_vkey((tmp_path / "keys" / f"audit-{k}.vkey").read_text())
        for k in ("mldsa44", "ed25519")
    ]
    assert status == 200 and open_note(checkpoint_note(DATA[:6]) + body, vkeys)[1] == vkeys


def test_two_processes_sharing_a_state_never_roll_back(tmp_path: Path) -> None:
    keys = write_keys(tmp_path / "keys", MLDSA_WITNESS)
    state = tmp_path / "state.json"
    with (
        witness_process(tmp_path, keys, state) as (first, _),
        witness_process(tmp_path, keys, state) as (second, _),
    ):
        assert add(first, 0, 1)[0] == 200
        stored = 1
        for _ in range(5):
            stored = race_round([first, second], state, stored)


def test_sigkill_between_persisting_and_answering_then_the_log_recovers(tmp_path: Path) -> None:
    """The witness persisted size 9 and was killed before answering: restarted, it refuses
    to roll back (409 with 9) and a log that retries with old size 9 gets its cosignature."""
    keys = write_keys(tmp_path / "keys", MLDSA_WITNESS, ED_WITNESS)
    state = tmp_path / "state.json"
    with witness_process(tmp_path, keys, state) as (url, _):
        assert add(url, 0, 5)[0] == 200
    lost: list[object] = []
    with witness_process(tmp_path, keys, state, "--pause-before-answer", "60") as (url, process):
        client = threading.Thread(target=lambda: lost.append(_try_add(url, 5, 9)))
        client.start()
        deadline = time.monotonic() + 30
        while (read_state(state) or pytest.fail("no state")).checkpoint.size != 9:
            assert time.monotonic() < deadline, "the state never reached size 9"
            time.sleep(0.01)
        os.kill(process.pid, signal.SIGKILL)
        client.join(timeout=30)
        assert process.wait(timeout=30) == -signal.SIGKILL
    assert lost and isinstance(lost[0], OSError)  # the log never got its answer
    with witness_process(tmp_path, keys, state) as (url, _):
        assert add(url, 5, 9) == (409, "text/x.tlog.size", "9\n")  # no rollback to 5
        assert add(url, 5, 12, proof_from=5)[2] == "9\n"
        status, _, body = add(url, 9, 9)  # the log retries with the size it learnt
        assert status == 200 and len(body.splitlines()) == 2
        assert add(url, 9, 12)[0] == 200
    note = checkpoint_note(DATA[:9]) + body
    keys_ = [MLDSA_WITNESS.verifier, ED_WITNESS.verifier]
    assert open_note(note, [LOG.verifier, *keys_])[1] == [LOG.verifier, *keys_]


def _try_add(url: str, old: int, size: int) -> object:
    try:
        return add(url, old, size)
    except OSError as e:  # the connection dies with the process
        return e
