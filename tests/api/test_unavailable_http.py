"""HTTP answers to faults: the database away, locked or out of connections is 503
problem+json with Retry-After (routes, dependencies, /healthz), never 500; an unexpected
error is 500 with a request id in the body, the X-Request-Id header and the log."""

from __future__ import annotations

import dataclasses
import logging
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.problems import PROBLEM
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.settings import Settings


@pytest.fixture
def quick(settings: Settings) -> Settings:
    """Short lock and pool waits, so a held lock turns into an answer quickly."""
    database = dataclasses.replace(settings.database, lock_timeout=0.5, pool_timeout=1)
    return dataclasses.replace(settings, database=database)


@pytest.fixture
def client(ledger: Ledger, quick: Settings, clock: SteppingClock) -> Iterator[TestClient]:
    app = create_app(quick, clock=clock, follow=False)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@contextmanager
def locked(settings: Settings, table: str, mode: str = "ACCESS EXCLUSIVE") -> Iterator[None]:
    """Another connection holds ``table`` so that nobody else may read or write it
    (PostgreSQL ``mode`` EXCLUSIVE: read it but not write it; SQLite: the file's write lock,
    readers go on)."""
    database = settings.database
    if database.kind == "sqlite":
        assert database.sqlite_path is not None
        other = sqlite3.connect(str(database.sqlite_path), isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")  # WAL: readers go on, writers wait
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
        return
    with psycopg.connect(database.psycopg_conninfo()) as pg:
        pg.execute(f'LOCK TABLE "{database.schema}".{table} IN {mode} MODE')
        yield
        pg.rollback()


def assert_unavailable(response: Any, reason: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["Retry-After"] in ("1", "2")
    body = response.json()
    assert body["type"].endswith("/unavailable") and body["status"] == 503
    assert reason in body["detail"]
    assert "Traceback" not in response.text and "password" not in response.text


def test_a_write_while_the_database_is_locked_is_503(
    client: TestClient, tokens: dict[str, dict[str, str]], quick: Settings
) -> None:
    body = {"personal": {"name": "锁住"}, "kind": "worker"}
    table = "gongshi_vault_subjects"
    with locked(quick, table):
        response = client.post("/api/v1/subjects", json=body, headers=tokens["intake"])
    expected = "database is locked" if quick.database.kind == "sqlite" else "lock timeout"
    assert_unavailable(response, expected)
    assert response.headers["X-Request-Id"] == response.json()["request_id"]
    again = client.post("/api/v1/subjects", json=body, headers=tokens["intake"])
    assert again.status_code in (200, 201), again.text


def test_a_dependency_that_hits_the_database_is_503(
    client: TestClient, tokens: dict[str, dict[str, str]], quick: Settings
) -> None:
    """The bearer token is looked up before the route runs (a dependency): its table locked
    past the lock timeout gives 503, not 500 (PostgreSQL: SQLite readers never wait)."""
    if quick.database.kind == "sqlite":
        pytest.skip("SQLite in WAL mode never blocks a reader")
    with locked(quick, "gongshi_api_tokens"):
        response = client.post("/api/v1/subjects", json={"personal": {"name": "x"},
                               "kind": "worker"}, headers=tokens["intake"])  # fmt: skip
    assert_unavailable(response, "lock timeout")


def test_pool_closed_is_503_and_healthz_names_the_database(
    client: TestClient, quick: Settings
) -> None:
    """The ledger's pool closed under a running app (PostgreSQL): reads and /healthz answer
    503 with a reason and no exception text."""
    if quick.database.kind == "sqlite":
        pytest.skip("SQLite has no connection pool of ours")
    services = client.app.state.services  # type: ignore[attr-defined]
    services.ledger.db.pool.close()
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json()["errors"] == ["database: database connection pool closed"]
    assert_unavailable(client.get("/api/v1/public/points"), "pool closed")


def test_unexpected_error_is_500_with_a_request_id(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    services = client.app.state.services  # type: ignore[attr-defined]

    def broken() -> object:
        raise RuntimeError("secret detail of the failure")

    monkeypatch.setattr(services.ledger.log, "state", broken)
    caplog.set_level(logging.ERROR)
    response = client.get("/metrics")
    assert response.status_code == 500
    body = response.json()
    request_id = body["request_id"]
    assert response.headers["X-Request-Id"] == request_id and request_id in body["detail"]
    assert "secret detail" not in response.text
    assert request_id in caplog.text and "secret detail" in caplog.text  # the log has it


def test_healthz_shows_reasons_not_exception_text_and_clears(client: TestClient) -> None:
    from ledger.log.follower import LogFollower

    services = client.app.state.services  # type: ignore[attr-defined]
    follower = LogFollower(services.ledger.log, 0.05)
    services.followers.append(follower)
    follower.error = sqlite3.OperationalError("database is locked")
    health = client.get("/healthz")
    assert health.status_code == 503 and health.headers["Retry-After"]
    assert health.json()["errors"] == ["LogFollower: database is locked"]
    follower.error = RuntimeError("row 17 of subject 张三 is odd")
    text = client.get("/healthz").text
    assert "张三" not in text and "LogFollower: error (RuntimeError)" in text
    assert follower.run_once() == follower.interval  # a successful step clears the error
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json()["errors"] == []


def test_every_route_declares_503(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            assert "503" in operation["responses"], (method, path)


CONTRIBUTION = {"source": "trade_union", "amount_fen": 100, "reference": "R-1"}


def test_conflicts_past_the_time_bound_are_503_and_logged(
    client: TestClient,
    tokens: dict[str, dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A write that keeps losing its stream's next version to other writers until the retry
    bound runs out is contention (503 + Retry-After, "transaction conflict"), not a 500; the
    log names the request id, the reason and the exception's type."""
    from eventsourcing.persistence import IntegrityError

    import ledger.app

    opened = client.post("/api/v1/carefund/years", json={"year": 2023}, headers=tokens["finance"])
    assert opened.status_code == 201, opened.text
    recorder = client.app.state.services.ledger.app.recorder  # type: ignore[attr-defined]

    def always_taken(*args: object, **kwargs: object) -> None:
        raise IntegrityError("UNIQUE constraint failed: stored_events.originator_id")

    monkeypatch.setattr(ledger.app, "CONFLICT_BOUND", 0.2)
    monkeypatch.setattr(recorder, "insert_events", always_taken)
    caplog.set_level(logging.WARNING)
    response = client.post("/api/v1/carefund/years/2023/contributions", json=CONTRIBUTION,
                           headers=tokens["finance"])  # fmt: skip
    assert_unavailable(response, "transaction conflict")
    assert response.headers["Retry-After"] == "1"
    request_id = response.json()["request_id"]
    line = next(r.getMessage() for r in caplog.records if request_id in r.getMessage())
    assert "503" in line and "transaction conflict" in line and "Contention" in line


def test_eventsourcings_own_write_blocked_by_a_lock_is_503_and_stores_nothing(
    client: TestClient, tokens: dict[str, dict[str, str]], quick: Settings
) -> None:
    """The events table's write lock held elsewhere (PostgreSQL: EXCLUSIVE, so the route's
    reads pass and only eventsourcing's insert, which locks the table, waits; SQLite: another
    connection's write transaction): the contribution is 503 with Retry-After within about one
    lock timeout, and nothing is stored, its Idempotency-Key included."""
    opened = client.post("/api/v1/carefund/years", json={"year": 2023}, headers=tokens["finance"])
    assert opened.status_code == 201, opened.text
    recorder = client.app.state.services.ledger.app.recorder  # type: ignore[attr-defined]
    before = recorder.max_notification_id()
    headers = {**tokens["finance"], "Idempotency-Key": "locked-out"}
    path = "/api/v1/carefund/years/2023/contributions"
    with locked(quick, "gongshi_events", mode="EXCLUSIVE"):
        started = time.monotonic()
        response = client.post(path, json=CONTRIBUTION, headers=headers)
        took = time.monotonic() - started
    expected = "database is locked" if quick.database.kind == "sqlite" else "lock timeout"
    assert_unavailable(response, expected)
    assert took < 3, f"{took:.1f} s with a 0.5 s lock timeout"
    assert recorder.max_notification_id() == before
    again = client.post(path, json=CONTRIBUTION, headers=headers)
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers, again.text
