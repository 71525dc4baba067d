"""The default backend under load: 16 writers for 30 s against one ``gongshi serve`` on SQLite.
Required: no 5xx answer at all (503 included), no connection lost, every acknowledged write
stored as answered; the ledger checks and its bundle verifies.

GONGSHI_CHAOS_SECONDS shortens the run for local use; CI runs the full 30 s (it refuses a
shorter run when CI is set)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.chaos.conftest import open_year, report
from tests.chaos.load import Figures, Load
from tests.chaos.servers import Home, Server, explain_errors
from tests.conftest import IN_CI

pytestmark = pytest.mark.chaos
WRITERS = 16
SECONDS = 30.0


@pytest.fixture
def backend_url(tmp_path: Path) -> str:
    """SQLite only (this overrides the suite's both-backends fixture)."""
    return f"sqlite:///{tmp_path / 'home' / 'ledger.db'}"


def test_sqlite_16_writers_for_30_s_get_no_5xx(
    home: Home, servers: list[Server], tmp_path: Path
) -> None:
    seconds = float(os.environ.get("GONGSHI_CHAOS_SECONDS") or SECONDS)
    assert seconds >= SECONDS or not IN_CI, "CI runs the full 30 s"
    server = Server(home)
    servers.append(server)
    server.start()
    open_year(server.base, home.tokens["finance"])
    load = Load([server.base], home.tokens, WRITERS, "lite").start()
    try:
        time.sleep(seconds)
    finally:
        load.stop()
        server.stop()
    verdict = home.judged(load.finals, tmp_path / "bundle")
    figures = Figures.of(load.attempts, load.finals)
    report("sqlite-16-writers", home, f"seconds={seconds:g} {figures.line()} "
           f"acked/s={figures.acked / seconds:.1f} {verdict.summary()}")  # fmt: skip
    failures = [
        *([f"{figures.fivexx} answers were 5xx: {figures.line()}\n{_examples(load, servers)}"]
          if figures.fivexx else []),
        *([f"no answer: {figures.line()}"] if figures.resets or figures.timeouts else []),
        *verdict.problems()[:20],
    ]  # fmt: skip
    assert not failures, "\n".join(failures)
    assert figures.acked >= 2 * seconds, f"under 2 acknowledged writes a second: {figures.line()}"


def _examples(load: Load, servers: list[Server]) -> str:
    bad = [a for a in load.attempts if a.status is not None and a.status >= 500]
    return explain_errors(servers, [a.answer for a in bad[:5]])
