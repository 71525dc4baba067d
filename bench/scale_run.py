"""A child process timed with its peak RSS, for bench/scale.py (as bench/verify.py does it).

The command runs under a small launcher (``python -S``) whose only child it is, so
getrusage(RUSAGE_CHILDREN).ru_maxrss is that command's peak RSS, not the benchmark's.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Run:
    code: int
    output: str
    seconds: float
    cpu: float
    max_rss_kib: int


# Writes "exit-code wall-seconds cpu-seconds max-rss-KiB" to argv[1]; runs argv[2:].
LAUNCHER = """
import os, resource, sys, time
start = time.perf_counter()
pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ)
_, status = os.waitpid(pid, 0)
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
code = os.waitstatus_to_exitcode(status)
with open(sys.argv[1], "w") as f:
    f.write(f"{code} {seconds} {usage.ru_utime + usage.ru_stime} {usage.ru_maxrss}")
"""


def measured(command: list[str], env: dict[str, str], cwd: Path) -> Run:
    """``command`` (an absolute executable first) run through LAUNCHER; its output kept."""
    with tempfile.TemporaryDirectory() as scratch:
        figures, output = Path(scratch) / "figures", Path(scratch) / "output"
        with output.open("wb") as out:
            subprocess.run(
                [sys.executable, "-S", "-c", LAUNCHER, str(figures), *command],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=cwd,
                check=True,
            )
        code, seconds, cpu, max_rss = figures.read_text().split()
        text = output.read_text(errors="replace")
    return Run(int(code), text, float(seconds), float(cpu), int(max_rss))
