"""Review of issue 15, finding 11: ``gongshi serve`` on a fresh GONGSHI_HOME (no ``gongshi keys
init``) printed uvicorn's ~60-frame traceback of the app factory's VaultError, then "Application
startup failed". Now it checks the vault master key before uvicorn starts: one line
``gongshi serve: 错误：…（先运行 gongshi keys init…）``, exit status 2, no port bound."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.e2e.server import free_port

ROOT = Path(__file__).resolve().parents[2]


def _serve(home: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GONGSHI_HOME": str(home), **extra}
    env.pop("GONGSHI_DATABASE_URL", None)  # the home's own SQLite file
    if "GONGSHI_VAULT_KEY" not in extra:
        env.pop("GONGSHI_VAULT_KEY", None)
    return subprocess.run(
        [sys.executable, "-m", "api.cli", "serve", "--port", str(free_port())],
        env=env, capture_output=True, text=True, timeout=60, cwd=ROOT,
    )  # fmt: skip


def test_serve_without_keys_is_one_chinese_line_naming_keys_init(tmp_path: Path) -> None:
    home = tmp_path / "home"
    done = _serve(home, GONGSHI_LANG="zh")
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    line = lines[0]
    assert line.startswith("gongshi serve: 错误：没有保险库主密钥 ")
    assert str(home / "keys" / "vault.key") in line
    assert "（先运行 gongshi keys init；" in line
    assert not (home / "ledger.db").exists()  # stopped before the server created anything


def test_serve_without_keys_in_english(tmp_path: Path) -> None:
    done = _serve(tmp_path / "home", GONGSHI_LANG="en")
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("gongshi serve: error: no vault master key at ")
    assert "run 'gongshi keys init'" in done.stderr
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr


def test_serve_with_a_malformed_vault_key_says_so(tmp_path: Path) -> None:
    done = _serve(tmp_path / "home", GONGSHI_LANG="zh", GONGSHI_VAULT_KEY="abc")
    assert done.returncode == 2, done.stderr
    line = "gongshi serve: 错误：保险库主密钥无效：vault master key is not hex"
    assert done.stderr.splitlines() == [line]
