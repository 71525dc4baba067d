"""Issue 7's "done when", as an operator would do it: the demo, served; the page and the API
answer; the audit department's witness cosigns over HTTP (checkpoint and consistency proof
fetched, cosignature posted back) with nothing but verify/."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from ledger.settings import Settings, parse_database_url
from tests.e2e.server import ROOT, server_env, serving


def _gongshi(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "api.cli", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)  # fmt: skip


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {})) as r:
        return r.status, r.read().decode()


def test_demo_served_with_a_witness_over_http(tmp_path: Path) -> None:
    home = tmp_path / "home"
    settings = Settings(home, parse_database_url(f"sqlite:///{home / 'ledger.db'}"), "ab" * 32)
    env = server_env(settings)
    assert _gongshi(env, "demo").returncode == 0
    # tokens only for the demo's enrolled principals, carrying their registry role
    token = _gongshi(env, "tokens", "create", "--principal", "intake-tc-01")
    assert token.returncode == 0, token.stderr
    audit = _gongshi(env, "tokens", "create", "--principal", "audit-tc-01")
    assert audit.returncode == 0, audit.stderr
    unknown = _gongshi(env, "tokens", "create", "--principal", "audit-01")
    assert unknown.returncode == 2 and "audit-01" in unknown.stderr  # never enrolled
    auditor = {"Authorization": "Bearer " + audit.stdout.strip()}
    with serving(settings) as base:
        # the demo's grants are from 2023 and 2024: past their posting window on the server's
        # date, seen on another date by an auditor only (the page's notice for anyone else);
        # on 25 March 2023 the grants paid from 3 to 22 March are inside their 30-day window
        status, page = _get(base + "/?today=2023-03-25", auditor)
        assert status == 200 and "关爱基金发放公示" in page and "验证" in page
        status, listed = _get(base + "/api/v1/public/disbursements?today=2023-03-25", auditor)
        assert status == 200 and json.loads(listed)["total"] > 0
        with pytest.raises(urllib.error.HTTPError) as refused:
            _get(base + "/?today=2023-03-25")
        assert refused.value.code == 401
        assert "公示期按服务器日期" in refused.value.read().decode()
        person = json.dumps({"kind": "worker", "personal": {"name": "新申请人"}}).encode()
        request = urllib.request.Request(
            base + "/api/v1/subjects", data=person, method="POST",
            headers={"Authorization": "Bearer " + token.stdout.strip(),
                     "Content-Type": "application/json"},
        )  # fmt: skip
        with urllib.request.urlopen(request) as response:
            assert response.status == 201
        assert _gongshi(env, "checkpoint").returncode == 0  # the log grew: a new checkpoint
        witness = subprocess.run(
            [sys.executable, "-m", "verify", "witness", "cosign", "--name", "audit",
             "--key", str(home / "keys" / "witness-audit.skey"),
             "--state", str(home / "witness" / "audit.json"), "--log-url", base],
            capture_output=True, text=True, timeout=60, cwd=ROOT,
        )  # fmt: skip
        assert witness.returncode == 0, witness.stdout + witness.stderr
        assert "attached to the checkpoint of tree size" in witness.stdout
        _, note = _get(base + "/log/v1/checkpoint")
        assert "\u2014 witness.gongshi.example/audit " in note
