"""SIGKILL of ``gongshi serve`` under 8 writers: three runs per backend (issue 12's "3 runs
per backend"), made as three kill/restart rounds on one ledger, so that runs 2 and 3 start
from a ledger that was already killed under load. Each run: the writers get 10..40 more
writes acknowledged (within PATIENCE, or the run fails), the server is killed with at least
one request in flight (cut off without an answer, or started before the kill and ended after
it), it is restarted, and every write acknowledged so far is checked in the store at once
(stored with the hash, stream and version its answer gave, the caller's own record). After the
three runs: no answer was 500, no write is stored twice or stored though answered with an
error, every acknowledged leaf is in the exported bundle, ``gongshi check`` passes and the
bundle verifies."""

from __future__ import annotations

import itertools
import random
import time
from pathlib import Path

import pytest

from tests.chaos.conftest import open_year, report
from tests.chaos.load import REFUSED, Attempt, Figures, Load, acked
from tests.chaos.servers import Home, Server, explain_errors
from tests.chaos.store import judge, stored_records

pytestmark = pytest.mark.chaos
WRITERS = 8
RUNS = 3
PATIENCE = 15.0  # seconds a run may take to get its acknowledgements before the kill


def _await_acks(load: Load, target: int) -> bool:
    """Wait until ``target`` writes are acknowledged; False after PATIENCE seconds."""
    deadline = time.monotonic() + PATIENCE
    while load.acked_count() < target:
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
    return True


def _in_flight(attempts: list[Attempt], killed: float) -> list[Attempt]:
    """The requests open at the moment of the kill: started before it, ended after it (not
    those refused: they only reached the port once nothing listened)."""
    return [a for a in attempts if a.started < killed <= a.ended and a.error != REFUSED]


def test_three_sigkill_runs_of_serve_under_8_writers_lose_no_acknowledged_write(
    home: Home, servers: list[Server], rng: random.Random, tmp_path: Path
) -> None:
    server = Server(home)
    servers.append(server)
    server.start()
    open_year(server.base, home.tokens["finance"])
    load = Load([server.base], home.tokens, WRITERS, "kill").start()
    downtime, restarts, at_kill, cut_off, resets = [], [], [], [], []
    try:
        for run in range(1, RUNS + 1):
            target = load.acked_count() + rng.randint(10, 40)
            assert _await_acks(load, target), (
                f"run {run}: {load.acked_count()} of {target} writes acknowledged after "
                f"{PATIENCE} s\n{server.output()}"
            )
            time.sleep(rng.uniform(0, 0.3))
            killed = time.monotonic()
            server.kill()
            at_kill.append(load.acked_count())
            time.sleep(rng.uniform(0.05, 0.5))
            restarts.append(server.start())
            downtime.append(time.monotonic() - killed)
            attempts, finals = load.snapshot()
            open_at_kill = _in_flight(attempts, killed)
            cut_off.append(len(open_at_kill))
            resets.append(sum(a.status is None for a in open_at_kill))
            assert open_at_kill, f"run {run}: no request was in flight at the kill"
            # Every write acknowledged so far, the killed server's included, is in the store.
            verdict = judge([f for f in finals if acked(f)], stored_records(home.url))
            lost = [*verdict.missing, *verdict.wrong]
            assert not lost, f"run {run}, after the restart:\n" + "\n".join(lost[:20])
        assert _await_acks(load, load.acked_count() + 10), "no writes after the last restart"
    finally:
        load.stop()
        server.stop()
    verdict = home.judged(load.finals, tmp_path / "bundle")
    figures = Figures.of(load.attempts, load.finals)
    report("sigkill", home, f"runs={RUNS} acked-at-kills={at_kill} in-flight-at-kills={cut_off} "
           f"(no answer {resets}) {figures.line()} restart-s={[round(r, 2) for r in restarts]} "
           f"down-s={[round(d, 2) for d in downtime]} "
           f"{verdict.summary()}")  # fmt: skip
    assert at_kill[0] > 0 and all(a < b for a, b in itertools.pairwise(at_kill)), at_kill
    failures = [
        *([f"{figures.statuses[500]} answers were 500, e.g.\n{_five_hundreds(load, servers)}"]
          if figures.statuses[500] else []),
        *verdict.problems()[:20],
    ]  # fmt: skip
    assert not failures, "\n".join(failures)


def _five_hundreds(load: Load, servers: list[Server]) -> str:
    return explain_errors(servers, [a.answer for a in load.attempts if a.status == 500][:5])
