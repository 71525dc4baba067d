"""The log's witness commands through the console script: keys init writes ML-DSA-44 witness
keys and the default tlog-policy (none without witness keys), witness add and set-url edit
it, log status reads the states; keys init then demo ends with the departments' policy."""

from __future__ import annotations

import os
from pathlib import Path

from ledger.settings import Database
from tests.integration.test_cli_demo import _gongshi, _verify
from verify.note import COSIGNATURE_V1, MLDSA44_COSIGNATURE, Signer, parse_vkey
from verify.policy import parse_policy


def test_keys_init_set_url_and_status(sqlite_database: Database, tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {**os.environ, "GONGSHI_HOME": str(home), "GONGSHI_DATABASE_URL": sqlite_database.url}
    env.pop("GONGSHI_VAULT_KEY", None)
    made = _gongshi(["keys", "init", "--witness", "finance", "--witness", "audit"], env)
    assert made.returncode == 0, made.stderr
    assert "wrote the default policy" in made.stdout
    old = _gongshi(["keys", "init", "--witness", "supervision", "--witness-type", "ed25519"], env)
    assert old.returncode == 0 and "'gongshi witness add NAME VKEY'" in old.stdout
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


def test_keys_init_then_demo_ends_under_the_departments_policy_and_its_export_verifies(
    database: Database, tmp_path: Path
) -> None:
    """A new user's order: keys init (no witness), then the demo. keys init writes no policy
    (one with only ``quorum none`` trusts nothing); the demo's policy names the three
    departments, its checkpoint is cosigned, and an export verifies under that policy."""
    home = tmp_path / "home"
    env = {**os.environ, "GONGSHI_HOME": str(home), "GONGSHI_DATABASE_URL": database.url}
    env.pop("GONGSHI_VAULT_KEY", None)
    made = _gongshi(["keys", "init"], env)
    assert made.returncode == 0 and "no policy written" in made.stdout, made.stderr
    assert not (home / "policy").exists()
    trusting_nothing = f"log {(home / 'keys' / 'log.vkey').read_text().strip()}\nquorum none\n"
    (home / "policy").write_text(trusting_nothing)  # what keys init wrote before
    status = _gongshi(["log", "status"], env)
    assert "warning: the log's policy needs no witness (quorum none)" in status.stderr
    demo = _gongshi(["demo"], env)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "cosigned by the witnesses finance, audit, supervision" in demo.stdout
    policy = parse_policy((home / "policy").read_text())
    assert list(policy.witnesses) == ["finance", "audit", "supervision"]
    text = policy.text()
    assert "group departments 2 finance audit supervision\nquorum departments\n" in text
    assert _gongshi(["export", str(tmp_path / "bundle")], env).returncode == 0
    checked = _verify(["bundle", str(tmp_path / "bundle"), "--policy", str(home / "policy")])
    assert checked.returncode == 0 and "VALID" in checked.stdout, checked.stdout
    cosigned = next(x for x in checked.stdout.splitlines() if x.startswith("cosigned by: "))
    assert sum(f"{n} (" in cosigned for n in policy.witnesses) >= 2, cosigned


def test_witness_add_puts_a_departments_vkey_in_the_policy(
    sqlite_database: Database, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    env = {**os.environ, "GONGSHI_HOME": str(home), "GONGSHI_DATABASE_URL": sqlite_database.url}
    env.pop("GONGSHI_VAULT_KEY", None)
    assert _gongshi(["keys", "init"], env).returncode == 0
    made = _verify(["witness", "keygen", "--name", "witness.gongshi.example/finance",
                    "--out", str(tmp_path / "finance")])  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    vkey_file = tmp_path / "finance" / "finance-mldsa44.vkey"
    added = _gongshi(["witness", "add", "finance", str(vkey_file), "http://127.0.0.1:7380"], env)
    assert added.returncode == 0, added.stderr
    assert "quorum departments: 1 of finance" in added.stdout
    audit = Signer.generate("witness.gongshi.example/audit", COSIGNATURE_V1).verifier.vkey()
    assert _gongshi(["witness", "add", "audit", audit], env).returncode == 0
    policy = parse_policy((home / "policy").read_text())
    assert policy.witnesses["finance"].verifier == parse_vkey(vkey_file.read_text())
    assert policy.witnesses["finance"].url == "http://127.0.0.1:7380"
    assert policy.groups["departments"].threshold == 2 and policy.quorum == "departments"
    again = _gongshi(["witness", "add", "audit", audit], env)
    assert again.returncode == 2 and "already in the policy" in again.stderr
    bad = _gongshi(["witness", "add", "supervision", "not-a-vkey"], env)
    assert bad.returncode == 2 and "not a vkey" in bad.stderr
    assert "warning" not in _gongshi(["log", "status"], env).stderr
