"""Where the verifier finds the auditor's policy (verify/anchor.py): --policy, then
GONGSHI_VERIFY_POLICY, then $XDG_CONFIG_HOME/gongshi-verify/policy; never the bundle."""

from __future__ import annotations

from pathlib import Path

import pytest

from verify.anchor import NoAnchor, pin_policy, pinned_path, resolve_anchor
from verify.note import COSIGNATURE_V1, Signer
from verify.policy import departments_policy
from verify.usage import UsageError


def _policy(path: Path) -> Path:
    log = Signer.generate("gongshi.example/anqing").verifier
    witness = Signer.generate("witness.gongshi.example/audit", COSIGNATURE_V1).verifier
    path.write_text(departments_policy(log, {"audit": witness}).text())
    return path


def test_policy_flag_then_environment_then_pinned_file(tmp_path: Path) -> None:
    flag, env = _policy(tmp_path / "flag"), _policy(tmp_path / "env")
    environ = {"XDG_CONFIG_HOME": str(tmp_path / "config"), "GONGSHI_VERIFY_POLICY": str(env)}
    pin_policy(_policy(tmp_path / "pin"), environ)
    assert resolve_anchor(str(flag), environ).source == f"--policy {flag}"
    assert resolve_anchor(None, environ).source == f"GONGSHI_VERIFY_POLICY={env}"
    del environ["GONGSHI_VERIFY_POLICY"]
    pinned = tmp_path / "config" / "gongshi-verify" / "policy"
    anchor = resolve_anchor(None, environ)
    assert anchor.source == f"pinned {pinned}" and anchor.anchored
    assert pinned.read_text() == (tmp_path / "pin").read_text()


def test_no_anchor_anywhere_is_no_anchor(tmp_path: Path) -> None:
    with pytest.raises(NoAnchor, match="gongshi-verify policy pin FILE"):
        resolve_anchor(None, {"XDG_CONFIG_HOME": str(tmp_path)})


def test_xdg_config_home_unset_or_empty_means_home_dot_config(tmp_path: Path) -> None:
    expected = tmp_path / ".config" / "gongshi-verify" / "policy"
    assert pinned_path({"HOME": str(tmp_path)}) == expected
    assert pinned_path({"HOME": str(tmp_path), "XDG_CONFIG_HOME": ""}) == expected


@pytest.mark.parametrize("content", ["quorum nobody\n", "log not-a-vkey\nquorum none\n",
                                     "quorum none\n"],
                         ids=["undefined-quorum", "bad-vkey", "no-log"])  # fmt: skip
def test_named_policy_that_is_malformed_is_a_usage_error(tmp_path: Path, content: str) -> None:
    bad = tmp_path / "bad"
    bad.write_text(content)
    environ = {"XDG_CONFIG_HOME": str(tmp_path), "GONGSHI_VERIFY_POLICY": str(bad)}
    with pytest.raises(UsageError, match="GONGSHI_VERIFY_POLICY="):
        resolve_anchor(None, environ)
    with pytest.raises(UsageError):
        pin_policy(bad, environ)
    assert not pinned_path(environ).exists()
