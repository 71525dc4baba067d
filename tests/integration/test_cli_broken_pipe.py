"""Issue 12 item 6: ``gongshi overdue | head -1`` ended in a BrokenPipeError traceback. A
command whose reader went away stops quietly with exit status 141 (128 + SIGPIPE, what the
shell reports for a command killed by a closed pipe), nothing on stderr."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pytest

from api.tokens import Tokens
from ledger.actor import Actor, Role
from ledger.clock import system_clock
from ledger.db import SqlDatabase
from ledger.settings import Database
from tests.integration.test_cli_demo import _gongshi

F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)  # Linux
ROOT = Path(__file__).resolve().parents[2]
COMMANDS = [
    ["overdue"], ["check"], ["tokens", "list"],
    ["log", "status"], ["projections", "status"], ["keys", "init"],
]  # fmt: skip


@pytest.fixture
def env(sqlite_database: Database, tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "GONGSHI_HOME": str(tmp_path / "home"),
           "GONGSHI_DATABASE_URL": sqlite_database.url}  # fmt: skip
    env.pop("GONGSHI_VAULT_KEY", None)
    made = _gongshi(["keys", "init"], env)
    assert made.returncode == 0, made.stderr
    enrolled = _gongshi(["principals", "enrol", "--account", "a", "--role", "admin"], env)
    assert enrolled.returncode == 0, enrolled.stderr  # the bootstrap: the first admin
    assert _gongshi(["tokens", "create", "--principal", "a"], env).returncode == 0
    return env


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_broken_pipe_exits_141_quietly(command: list[str], env: dict[str, str]) -> None:
    """The pipe's reader is closed before the command writes: its first write fails (EPIPE),
    every time, as the tail of a long listing does after ``head -1`` has gone."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "api.cli", *command], env=env, stdout=write_end,
            stderr=subprocess.PIPE, text=True, timeout=120, cwd=ROOT,
        )  # fmt: skip
    finally:
        os.close(write_end)
    assert done.returncode == 141, done.stderr
    assert done.stderr == ""  # no traceback, no "Exception ignored ... BrokenPipeError"


def test_broken_pipe_after_the_first_line_read(
    env: dict[str, str], sqlite_database: Database
) -> None:
    """A real reader: it reads the first line and closes while the command is still writing
    (11 kB of token lines through a pipe that holds 4 kB)."""
    db = SqlDatabase(sqlite_database)
    try:
        tokens = Tokens(db)
        for i in range(120):
            tokens.create(Actor(f"principal-{i:03}", Role.ADMIN), system_clock())
    finally:
        db.close()
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, F_SETPIPE_SZ, 4096)
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "tokens", "list"], env=env, cwd=ROOT,
        stdout=write_end, stderr=subprocess.PIPE,
    )  # fmt: skip
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reader:
        first = reader.readline()
    _, stderr = process.communicate(timeout=120)
    assert first.split()[0] == b"a", first
    assert process.returncode == 141, stderr
    assert stderr == b""
