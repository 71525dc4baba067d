"""Public reads from a real PostgreSQL streaming replica (GONGSHI_READ_DATABASE_URL, issue 16).

A scratch primary (initdb) and a replica of it (pg_basebackup -R), never the shared
cluster (tests/support/scratch_cluster.py). The server writes, integrates and projects on
the primary and answers public reads from the replica:
- a write through the API, then a public list with ``min_position`` sees it;
- the read came from the replica: with the replica's replay paused, the same read answers
  409 ``log.not_at_position`` with Retry-After although the primary has the write; resumed,
  it answers it; the replica's connections are gongshi-read's;
- the replica stopped: the public list, a proof, the entries and a tile answer 503 with
  Retry-After (never 500), writes on the primary still succeed; started again, reads recover.

Skips locally without the PostgreSQL server binaries or without root (runuser to the
postgres OS user); with CI=true it fails instead.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.routes import public
from api.services import Services
from ledger.actor import Actor, Role
from ledger.clock import SteppingClock
from ledger.principal import Principals
from ledger.settings import Settings, parse_database_url, parse_read_database_url
from projections.follow import wait_for
from tests.conftest import IN_CI
from tests.support.principals import enrol
from tests.support.scratch_cluster import ScratchPair, scratch_pair, unavailable_reason

pytestmark = pytest.mark.postgres
FUND = "/api/v1/public/fund-ledger"
POOL_TIMEOUT = 1.0  # s: a read waits this long for the stopped replica, then 503
RECOVERY = 25.0  # s: reads answer again after the replica's restart (contended machine)


@pytest.fixture(scope="session")
def pair() -> Iterator[ScratchPair]:
    """A scratch primary and its streaming replica for this session (this xdist worker)."""
    reason = unavailable_reason()
    if reason is not None:
        if IN_CI:
            pytest.fail(f"read-replica test: {reason}")
        pytest.skip(f"read-replica test: {reason}")
    with scratch_pair() as running:
        yield running


@pytest.fixture
def client(pair: ScratchPair, tmp_path: Path) -> Iterator[TestClient]:
    """A server writing to the scratch primary and reading from its replica (in a schema of
    its own), followers on; the replica running and replaying when the test begins."""
    if not pair.replica_running():
        pair.start_replica()
    pair.replica_sql("SELECT pg_wal_replay_resume()")
    schema = f"gongshi_replica_{secrets.token_hex(4)}"
    primary = replace(
        parse_database_url(pair.url(pair.primary_port, f"schema={schema}")),
        pool_size=12, pool_timeout=POOL_TIMEOUT, lock_timeout=2.0,
    )  # fmt: skip
    read = replace(
        parse_read_database_url(pair.url(pair.replica_port), primary),
        pool_size=12, pool_timeout=POOL_TIMEOUT, lock_timeout=2.0,
    )  # fmt: skip
    settings = Settings(
        home=tmp_path / "home", database=primary, read_database=read,
        vault_key_hex=secrets.token_hex(32),
    )  # fmt: skip
    clock = SteppingClock(datetime(2023, 3, 1, 9, 0, tzinfo=UTC), timedelta(seconds=1))
    app = create_app(settings, clock=clock, follow=True, interval=0.05, threads=8)
    with TestClient(app) as test_client:
        yield test_client


def _services(client: TestClient) -> Services:
    found: Services = client.app.state.services  # type: ignore[attr-defined]
    return found


def _finance(client: TestClient) -> dict[str, str]:
    ledger = _services(client).ledger
    enrol(ledger, Actor("finance-01", Role.FINANCE))
    token = _services(client).tokens.issue(Principals(ledger), "finance-01", ledger.clock())
    return {"Authorization": f"Bearer {token}"}


def _leaf(answer: Any) -> int:
    assert answer.status_code == 201, answer.text
    leaf = answer.json()["evidence"]["leaf_index"]
    if leaf is None:  # the receipt's leaf pending: the follower integrates it
        pytest.fail(f"no leaf in the receipt: {answer.text}")
    return int(leaf)


def _contribute(client: TestClient, finance: dict[str, str], n: int) -> int:
    money = {"source": "trade_union", "amount_fen": 1000 + n, "reference": f"R-{n:03d}"}
    answer = client.post("/api/v1/carefund/years/2023/contributions", json=money, headers=finance)
    return _leaf(answer)


def _primary_has(client: TestClient, position: int) -> bool:
    return wait_for(_services(client).projections, position, ["fund-ledger"], 5.0)


def test_a_write_is_read_from_the_replica_once_replayed(
    client: TestClient, pair: ScratchPair, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _services(client).read.is_replica
    finance = _finance(client)
    opened = _leaf(client.post("/api/v1/carefund/years", json={"year": 2023}, headers=finance))

    seen = client.get(FUND, params={"min_position": opened + 1})
    assert seen.status_code == 200, seen.text
    assert seen.json()["position"] >= opened + 1
    assert [row["year"] for row in seen.json()["rows"]] == [2023]
    names = pair.replica_sql(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'gongshi-read'"
    )
    assert names != [(0,)], "no gongshi-read connection on the replica"

    # Replay paused: the primary has the next write, the replica does not, and the read
    # with its min_position says so (no silent fallback to the primary).
    monkeypatch.setattr(public, "WAIT_SECONDS", 1.0)
    pair.replica_sql("SELECT pg_wal_replay_pause()")
    try:
        leaf = _contribute(client, finance, 1)
        assert _primary_has(client, leaf + 1)
        started = time.monotonic()
        behind = client.get(FUND, params={"min_position": leaf + 1})
        assert behind.status_code == 409, behind.text
        assert behind.json()["code"] == "log.not_at_position"
        assert behind.headers["Retry-After"] == "1"
        assert time.monotonic() - started >= 1.0  # it waited for the replica first
    finally:
        pair.replica_sql("SELECT pg_wal_replay_resume()")
    caught_up = client.get(FUND, params={"min_position": leaf + 1})
    assert caught_up.status_code == 200, caught_up.text
    assert caught_up.json()["position"] >= leaf + 1


def test_the_replica_down_is_503_and_writes_go_on(client: TestClient, pair: ScratchPair) -> None:
    finance = _finance(client)
    opened = _leaf(client.post("/api/v1/carefund/years", json={"year": 2023}, headers=finance))
    assert client.get(FUND, params={"min_position": opened + 1}).status_code == 200
    size = _services(client).read.log_size()
    assert size >= 1
    replica = client.get("/healthz").json()["read_replica"]
    assert replica["log_size"] >= opened + 1 and replica["behind"] >= 0

    pair.stop_replica()
    try:
        # the primary takes writes meanwhile, and integrates them
        leaf = _contribute(client, finance, 2)
        assert _primary_has(client, leaf + 1)
        for path in (
            FUND,
            f"/log/v1/proof/inclusion?index=0&size={size}",
            f"/log/v1/entries?start=0&limit={size}",
            f"/tile/0/000.p/{size}",
            f"/tile/entries/000.p/{size}",  # read through eventsourcing's recorder
            "/",
        ):
            answer = client.get(path)
            assert answer.status_code == 503, f"{path}: {answer.status_code} {answer.text}"
            assert int(answer.headers["Retry-After"]) >= 1, path

        # concurrent reads share the failed position read (api/positions.py): all 503 in
        # about one pool timeout, not one timeout after another (16 x POOL_TIMEOUT)
        def timed(path: str) -> tuple[int, float]:
            start = time.monotonic()
            return client.get(path).status_code, time.monotonic() - start

        with ThreadPoolExecutor(16) as workers:
            paths = ["/api/v1/public/points", FUND] * 8
            got = list(workers.map(timed, paths))
        assert all(status == 503 for status, _ in got), got
        assert max(t for _, t in got) < 2 * POOL_TIMEOUT + 1.5, got
        health = client.get("/healthz")  # the replica named, the server not failed for it
        assert health.status_code == 200, health.text
        assert "error" in health.json()["read_replica"]
    finally:
        pair.start_replica()
    # The pool replaces its dead connections by itself, its reconnection attempts backing
    # off from 1 s (doubling): reads recover about as long after the restart as it was down.
    deadline = time.monotonic() + RECOVERY
    while True:
        back = client.get(FUND, params={"min_position": leaf + 1})
        if back.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert back.status_code == 200, back.text
