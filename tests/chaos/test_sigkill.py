"""SIGKILL of ``gongshi serve`` under 8 writers, three times per backend: every write the
server acknowledged is stored with the hash, stream, version and leaf its answer gave, is the
caller's own record, and is stored once; no answer is 500; ``gongshi check`` passes and the
exported bundle verifies."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from tests.chaos.conftest import open_year, report
from tests.chaos.load import Figures, Load
from tests.chaos.servers import Home, Server, explain_errors
from tests.chaos.store import exported_leaves, judge, stored_records

pytestmark = pytest.mark.chaos
WRITERS = 8
KILLS = 3
PATIENCE = 15.0  # seconds to wait for the acknowledgements a kill waits for


def _await_acks(load: Load, target: int) -> None:
    deadline = time.monotonic() + PATIENCE
    while load.acked_count() < target and time.monotonic() < deadline:
        time.sleep(0.02)


def test_sigkill_of_serve_under_8_writers_loses_no_acknowledged_write(
    home: Home, servers: list[Server], rng: random.Random, tmp_path: Path
) -> None:
    server = Server(home)
    servers.append(server)
    server.start()
    open_year(server.base, home.tokens["finance"])
    load = Load([server.base], home.tokens, WRITERS, "kill").start()
    downtime, restarts, at_kill = [], [], []
    try:
        for _ in range(KILLS):
            _await_acks(load, load.acked_count() + rng.randint(10, 40))
            time.sleep(rng.uniform(0, 0.3))
            server.kill()
            at_kill.append(load.acked_count())
            killed = time.monotonic()
            time.sleep(rng.uniform(0.05, 0.5))
            restarts.append(server.start())
            downtime.append(time.monotonic() - killed)
        _await_acks(load, load.acked_count() + 10)
    finally:
        load.stop()
        server.stop()
    stored = stored_records(home.url)
    bundle = tmp_path / "bundle"
    home.audit(bundle)
    verdict = judge(load.finals, stored, exported_leaves(bundle))
    figures = Figures.of(load.attempts, load.finals)
    report("sigkill", home, f"kills={KILLS} acked-at-kills={at_kill} {figures.line()} "
           f"restart-s={[round(r, 2) for r in restarts]} {verdict.summary()}")  # fmt: skip
    failures = [
        *([f"{figures.statuses[500]} answers were 500, e.g.\n{_five_hundreds(load, servers)}"]
          if figures.statuses[500] else []),
        *verdict.problems()[:20],
    ]  # fmt: skip
    assert not failures, "\n".join(failures)
    assert figures.acked >= 30 * KILLS // 2, f"too few writes acknowledged: {figures.line()}"


def _five_hundreds(load: Load, servers: list[Server]) -> str:
    return explain_errors(servers, [a.answer for a in load.attempts if a.status == 500][:5])
