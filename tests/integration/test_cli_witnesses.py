"""The log's witness commands through the console script: keys init writes ML-DSA-44 witness
keys and the default tlog-policy, witness set-url edits it, log status reads the states."""

from __future__ import annotations

import os
from pathlib import Path

from ledger.settings import Database
from tests.integration.test_cli_demo import _gongshi
from verify.note import COSIGNATURE_V1, MLDSA44_COSIGNATURE, parse_vkey
from verify.policy import parse_policy


def test_keys_init_set_url_and_status(sqlite_database: Database, tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {**os.environ, "GONGSHI_HOME": str(home), "GONGSHI_DATABASE_URL": sqlite_database.url}
    env.pop("GONGSHI_VAULT_KEY", None)
    made = _gongshi(["keys", "init", "--witness", "finance", "--witness", "audit"], env)
    assert made.returncode == 0, made.stderr
    assert "wrote the default policy" in made.stdout
    old = _gongshi(["keys", "init", "--witness", "supervision", "--witness-type", "ed25519"], env)
    assert old.returncode == 0 and "add a 'witness NAME VKEY [URL]' line" in old.stdout
    keys = home / "keys"
    assert parse_vkey((keys / "witness-finance.vkey").read_text()).sig_type == MLDSA44_COSIGNATURE
    assert parse_vkey((keys / "witness-supervision.vkey").read_text()).sig_type == COSIGNATURE_V1
    policy = parse_policy((home / "policy").read_text())
    assert sorted(policy.witnesses) == ["audit", "finance"] and policy.quorum == "departments"
    assert policy.log == parse_vkey((keys / "log.vkey").read_text())

    url = "http://127.0.0.1:7381"
    assert _gongshi(["witness", "set-url", "audit", url], env).returncode == 0
    assert parse_policy((home / "policy").read_text()).witnesses["audit"].url == url
    unknown = _gongshi(["witness", "set-url", "nosuch", url], env)
    assert unknown.returncode == 2 and "no witness 'nosuch'" in unknown.stderr
    bad = _gongshi(["witness", "set-url", "audit", "ftp://x"], env)
    assert bad.returncode == 2 and "not an http" in bad.stderr
    assert _gongshi(["witness", "set-url", "audit", "none"], env).returncode == 0
    assert parse_policy((home / "policy").read_text()).witnesses["audit"].url is None

    status = _gongshi(["log", "status"], env)
    assert status.returncode == 0, status.stderr
    assert "newest witnessed checkpoint: none" in status.stdout
    assert any(line.split()[:2] == ["finance", "unknown"] for line in status.stdout.splitlines())
    refused = _gongshi(["witness", "add-cosignature", "\u2014 a.example/b AAAAAAAAAAAA"], env)
    assert refused.returncode == 2 and "not a known witness" in refused.stderr
    two = "\u2014 a.example/b AAAAAAAAAAAA\n\u2014 a.example/b AAAAAAAAAAAA\n"
    assert "exactly one signature line" in _gongshi(["witness", "add-cosignature", two], env).stderr
