"""Issue 12 item 6: with the database unreachable, every ``gongshi`` command (``serve`` too)
prints one line on stderr (what failed, the database URL without its password, what to do)
and exits 3: no traceback (there were 22 lines, 79 from ``serve``), no password."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.server import free_port
from tests.integration.test_cli_demo import _gongshi

# Nothing listens on port 1; the password must never be printed.
UNREACHABLE = "postgresql://postgres:secretpw@127.0.0.1:1/test"
SUBJECT = "7d0c8c6e-6d5e-4d8e-9a43-2f0f8f9c1a11"

COMMANDS = [
    ["overdue"], ["followups", "--year", "2023"], ["check"], ["demo"], ["checkpoint"],
    ["log", "status"], ["log", "follow"], ["proof", "inclusion", "0"],
    ["proof", "consistency", "1", "2"], ["proof", "record", SUBJECT, "1"], ["export", "{tmp}/b"],
    ["projections", "status"], ["projections", "follow"], ["rebuild", "--all"], ["tokens", "list"],
    ["tokens", "revoke", "--principal", "p"], ["keys", "init"],
    ["erase", SUBJECT, "--reason", "r", "--token", "gst_x"],
    ["serve", "--port", "{port}"],
]  # fmt: skip


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home whose keys exist (made on a SQLite ledger), so that every command gets as far
    as the database."""
    home = tmp_path_factory.mktemp("unavailable") / "home"
    made = _gongshi(["keys", "init"], _env(home, f"sqlite:///{home.parent / 'ledger.db'}"))
    assert made.returncode == 0, made.stderr
    return home


def _env(home: Path, url: str) -> dict[str, str]:
    env = {**os.environ, "GONGSHI_HOME": str(home), "GONGSHI_DATABASE_URL": url}
    env.pop("GONGSHI_VAULT_KEY", None)
    return env


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_database_unavailable_is_one_line_and_exit_3(command: list[str], home: Path) -> None:
    args = [a.format(tmp=home.parent, port=free_port()) for a in command]
    if args == ["keys", "init"]:  # with a key missing, keys init asks what the database holds
        (home / "keys" / "log.skey").rename(home / "keys" / "log.skey.away")
    try:
        done = _gongshi(args, _env(home, UNREACHABLE))
    finally:
        if args == ["keys", "init"]:
            (home / "keys" / "log.skey.away").rename(home / "keys" / "log.skey")
    assert done.returncode == 3, done.stdout + done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert "secretpw" not in done.stdout + done.stderr
    line = lines[0]
    assert line.startswith(f"gongshi {' '.join(args[:2]) if args[0] in _NESTED else args[0]}: ")
    assert "database unreachable (postgresql://postgres:***@127.0.0.1:1/test)" in line
    assert "check that the database is running" in line and "GONGSHI_DATABASE_URL" in line
    if args[0] == "keys":
        assert not (home / "keys" / "log.skey.away").exists()  # nothing created meanwhile


_NESTED = ("log", "proof", "projections", "tokens", "keys")


def test_serve_with_the_database_unavailable_stops_at_once(home: Path) -> None:
    """``gongshi serve`` exits before uvicorn starts, so no port is bound and no worker runs."""
    process = subprocess.run(
        [sys.executable, "-m", "api.cli", "serve", "--port", str(free_port())],
        env=_env(home, UNREACHABLE), capture_output=True, text=True, timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert process.returncode == 3, process.stderr
    assert process.stderr.count("\n") == 1 and "Uvicorn" not in process.stderr
