"""PostgreSQL backends of ``gongshi serve`` terminated under 8 writers: first every 0.3 s for
4 s, then as fast as they appear for 2 s (the database is gone for this server); both phases
must actually terminate backends, and writes must still be acknowledged during the first.
Writers retry 503s and lost connections with the same Idempotency-Key and body, as a careful
client does. Required: every answer is a success or a 503 (409 with Retry-After: the same key
still in flight), each with Retry-After, no connection lost without an answer; /healthz is 503
during the outage; within 5 s of the database coming back, without a restart, /healthz is 200
and a write succeeds; no acknowledged write lost; no write answered with an error yet stored;
no write stored twice."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest

from ledger.settings import parse_database_url
from tests.chaos.conftest import open_year, report
from tests.chaos.load import Attempt, Figures, Load, acked, contribution, post
from tests.chaos.pg_faults import Terminator, backends
from tests.chaos.servers import Home, Server, explain_errors

pytestmark = [pytest.mark.chaos]
WRITERS = 8
RECOVERY_LIMIT = 5.0
PATIENCE = 20.0


@pytest.fixture
def backend_url(pg_database: object) -> str:
    """PostgreSQL only (this overrides the suite's both-backends fixture)."""
    return str(getattr(pg_database, "url"))  # noqa: B009


@pytest.mark.postgres
def test_terminated_backends_give_503s_and_recover_without_restart(
    home: Home, servers: list[Server], tmp_path: Path
) -> None:
    conninfo = parse_database_url(home.url).psycopg_conninfo()
    server = Server(home)
    servers.append(server)
    server.start()
    open_year(server.base, home.tokens["finance"])
    assert backends(conninfo, home.app_name) > 0, "the server's backends carry no application_name"
    load = Load([server.base], home.tokens, WRITERS, "term", retry=True).start()
    probes: list[Attempt] = []
    try:
        time.sleep(1.5)
        with Terminator(conninfo, home.app_name, every=0.3) as intermittent:
            window = (time.monotonic(), time.monotonic() + 4)
            time.sleep(4)
        with Terminator(conninfo, home.app_name, every=0.02) as outage:
            time.sleep(1.0)
            asked = time.monotonic()
            health_in_outage = server.health(timeout=15)
            healthz_seconds = time.monotonic() - asked
            time.sleep(max(0.0, 1.0 - healthz_seconds))
        gone = outage.terminated
        back = time.monotonic()
        healthy, written = _recovery(server, home.tokens["finance"], back, probes)
        time.sleep(1.5)
        health_at_end = server.health()
    finally:
        load.stop()
        server.stop()
    finals = [*load.finals, *probes]
    verdict = home.judged(finals, tmp_path / "bundle")
    figures = Figures.of([*load.attempts, *probes], finals)
    recovery = max(healthy or PATIENCE, written or PATIENCE)
    during = [a for a in load.attempts if acked(a) and window[0] <= a.ended <= window[1]]
    report("pg-terminate", home, f"terminated={intermittent.terminated}+{gone} "
           f"acked-while-intermittent={len(during)} "
           f"{figures.line()} recovery-s={recovery:.2f} (healthz {_s(healthy)}, write "
           f"{_s(written)}) healthz-in-outage={_s(healthz_seconds)}s "
           f"{verdict.summary()}")  # fmt: skip
    unexpected = {s: n for s, n in figures.statuses.items() if s not in (200, 201, 503, 409)}
    failures: list[str] = []
    if intermittent.terminated == 0 or gone == 0:
        failures.append(f"backends terminated: {intermittent.terminated} intermittently, "
                        f"{gone} in the outage; the fault never happened")  # fmt: skip
    if not during:
        failures.append("no write acknowledged while backends were terminated every 0.3 s")
    if unexpected:
        failures.append(f"answers other than 2xx/503/409: {unexpected}")
        failures.append(_examples(load, servers))
    bare = [a.write.marker for a in load.attempts if a.status in (409, 503) and not a.retry_after]
    if bare:
        failures.append(f"{len(bare)} answers 409/503 without Retry-After, e.g. {bare[:3]}")
    if health_in_outage is None or health_in_outage[0] != 503:
        failures.append(f"/healthz during the outage was {health_in_outage}, not 503")
    if figures.resets or figures.timeouts:
        failures.append(f"no answer: {figures.line()}")
    if recovery > RECOVERY_LIMIT:
        failures.append(
            f"not recovered within {RECOVERY_LIMIT} s: healthz 200 after {healthy}, "
            f"a write after {written}; /healthz at the end {health_at_end}"
        )
    failures += verdict.problems()[:20]
    assert not failures, "\n".join(failures)
    assert figures.acked > 0


def _recovery(
    server: Server, token: str, back: float, probes: list[Attempt]
) -> tuple[float | None, float | None]:
    """Seconds after ``back`` until /healthz is 200 and until a write is acknowledged."""
    healthy: float | None = None
    written: float | None = None
    while time.monotonic() - back < PATIENCE and (healthy is None or written is None):
        if healthy is None and (server.health() or (0,))[0] == 200:
            healthy = time.monotonic() - back
        if written is None:
            probe = post(server.base, contribution(f"probe-{uuid.uuid4().hex[:12]}"), token, 5)
            probes.append(probe)
            if acked(probe):
                written = time.monotonic() - back
        time.sleep(0.1)
    return healthy, written


def _s(seconds: float | None) -> str:
    return "never" if seconds is None else f"{seconds:.2f}"


def _examples(load: Load, servers: list[Server]) -> str:
    odd = [a for a in load.attempts if a.status not in (None, 200, 201, 503, 409)]
    return explain_errors(servers, [a.answer for a in odd[:5]])
