"""A department's witness over HTTP with nothing but verify/: fetch the checkpoint (and,
later, the consistency proof) from ``gongshi serve``, cosign, post the line back."""

from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from ledger.ledger import Ledger
from ledger.log.checkpoints import sign_checkpoint
from ledger.log.keys import create_log_key, load_signer
from ledger.log.witnesses import create_witness_key
from ledger.settings import Settings
from tests.e2e.server import ROOT, serving
from tests.integration.helpers import disbursed, funded


def _witness(home: Path, base: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "verify", "witness", "cosign", "--name", "audit",
         "--key", str(home / "keys" / "witness-audit.skey"),
         "--state", str(home / "witness-state" / "audit.json"), "--log-url", base, *extra],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )  # fmt: skip


def test_witness_cosigns_over_http_twice(ledger: Ledger, settings: Settings) -> None:
    home = settings.home
    _, log_vkey = create_log_key(settings.log_skey_path, settings.log_vkey_path, settings.origin)
    create_witness_key(settings.keys_dir, "audit")
    signer = load_signer(settings.log_skey_path, settings.origin)
    fund = funded(ledger)
    disbursed(fund)
    ledger.log.integrate()
    assert sign_checkpoint(ledger.log, signer, settings.origin, ledger.clock) is not None
    with serving(settings) as base:
        first_use = _witness(home, base)  # no state and no log key: refused
        assert first_use.returncode == 2 and "--log-vkey" in first_use.stderr
        first = _witness(home, base, "--log-vkey", str(settings.log_vkey_path))
        assert first.returncode == 0, first.stdout + first.stderr
        assert "attached to the checkpoint of tree size" in first.stdout
        disbursed(fund)  # the log grows; the witness now needs a consistency proof
        ledger.log.integrate()
        assert sign_checkpoint(ledger.log, signer, settings.origin, ledger.clock) is not None
        second = _witness(home, base)
        assert second.returncode == 0, second.stdout + second.stderr
        with urllib.request.urlopen(base + "/log/v1/checkpoint") as response:
            note = response.read().decode()
        assert note.count("\u2014 witness.gongshi.example/audit ") == 1
        assert note.count("\u2014 ") == 2  # the log's signature and the witness's
        line = "\u2014 nobody.example AAAAAAAAAAAA\n".encode()
        bogus = urllib.request.Request(base + "/log/v1/cosignatures", data=line, method="POST")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(bogus)
        assert refused.value.code == 422 and b"not a known witness" in refused.value.read()
    assert log_vkey
