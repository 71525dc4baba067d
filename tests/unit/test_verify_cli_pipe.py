"""``gongshi-verify … | head -1``: a reader gone before the output is written stops the command
quietly with exit status 141 (128 + SIGPIPE), as ``gongshi`` does; nothing on stderr."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_closed_pipe_exits_141_quietly(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "verify", "witness", "keygen", "--name",
             "witness.example/audit", "--out", str(tmp_path)],
            stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=60, cwd=ROOT,
        )  # fmt: skip
    finally:
        os.close(write_end)
    assert done.returncode == 141, done.stderr
    assert done.stderr == ""
    assert list(tmp_path.iterdir())  # the command ran; only its output was cut
