"""Database faults for real: lock contention on one SQLite file, pool exhaustion, lock
timeouts, terminated PostgreSQL backends, TLS parameters and unreachable servers. Every fault
outside the code is named by ``ledger.unavailable`` (the API's 503), waits are bounded, and
the ledger recovers without a restart."""

from __future__ import annotations

import dataclasses
import logging
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from uuid import UUID

import psycopg
import pytest

from ledger.carefund.config import FundConfig, Source
from ledger.carefund.fund import FundYear, fund_year_id
from ledger.carefund.service import CareFund
from ledger.db import SqlDatabase
from ledger.factories import recorder_pool
from ledger.ledger import Ledger, open_ledger
from ledger.log.follower import LogFollower
from ledger.settings import Database, Settings, parse_database_url
from ledger.unavailable import (
    CONNECTION_LOST,
    LOCK_TIMEOUT,
    LOCKED,
    POOL_EXHAUSTED,
    UNREACHABLE,
    unavailable,
)
from projections.follow import ProjectionFollower
from projections.registry import open_projections
from tests.conftest import make_settings
from tests.integration.helpers import FINANCE, INTAKE, YEAR, funded, registered
from tests.support.principals import enrolled


def _with(settings: Settings, **change: object) -> Settings:
    return dataclasses.replace(settings, database=dataclasses.replace(settings.database, **change))


def _named(database: Database, app_name: str) -> Database:
    """``database`` whose connections carry ``application_name`` (to find our backends)."""
    return parse_database_url(f"{database.url}&application_name={app_name}")


def _hammer(work: Callable[[int], None], threads: int, seconds: float) -> list[BaseException]:
    """Run ``work(i)`` in ``threads`` threads for ``seconds``; the exceptions raised."""
    errors: list[BaseException] = []
    stop = time.monotonic() + seconds

    def run(n: int) -> None:
        i = 0
        while time.monotonic() < stop:
            try:
                work(n * 1_000_000 + i)
            except Exception as e:
                errors.append(e)
                return
            i += 1

    pool = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(seconds + 60)
    return errors


# --- SQLite: one lock order ---------------------------------------------------------------


def test_sqlite_writers_and_integrators_do_not_deadlock(tmp_path: Path) -> None:
    """16 threads on one SQLite file: 12 register subjects (vault row on our connection, then
    eventsourcing's save), 4 integrate the log (BEGIN IMMEDIATE on our connection). The old
    integrator read the records through eventsourcing's pool while holding the write lock;
    the pool's single permit was held by a writer waiting for that lock: each cycle ended
    after the pool timeout with ConnectionUnavailableError. Now: no error, and no step waits
    anywhere near the lock timeout."""
    database = parse_database_url(f"sqlite:///{tmp_path / 'ledger.db'}")
    settings = _with(make_settings(database, tmp_path / "home"), lock_timeout=3.0)
    ledger = enrolled(open_ledger(settings))
    slowest = [0.0]
    try:

        def work(i: int) -> None:
            started = time.monotonic()
            if i // 1_000_000 < 4:
                ledger.log.integrate_step(batch=50)
            else:
                ledger.register_subject({"name": f"w{i}"}, "worker", INTAKE)
            slowest[0] = max(slowest[0], time.monotonic() - started)

        errors = _hammer(work, threads=16, seconds=4)
        assert errors == [], [f"{type(e).__name__}: {e}" for e in errors[:3]]
        assert slowest[0] < 2.5, f"a step waited {slowest[0]:.2f} s (lock timeout 3 s)"
        ledger.log.integrate()
        stored = ledger.app.recorder.max_notification_id() or 0
        assert stored > 16 and ledger.log.state().size == stored
    finally:
        ledger.close()


WRITERS_ON_ONE_STREAM = 16
WRITES_EACH = 6


def _contribute_concurrently(ledger: Ledger, stream: UUID) -> list[BaseException]:
    """16 threads × 6 contributions to one fund-year stream, each with 3 ms of work between
    loading the stream and saving it (the window in which another writer takes the next
    version); the exceptions raised."""
    errors: list[BaseException] = []
    start = threading.Barrier(WRITERS_ON_ONE_STREAM)

    def change(year: FundYear) -> None:
        time.sleep(0.003)
        year.receive(Source.TRADE_UNION, 100, "R", FINANCE, ledger.clock())

    def run() -> None:
        start.wait(10)
        for _ in range(WRITES_EACH):
            try:
                ledger.app.update(FundYear, stream, change)
            except Exception as e:
                errors.append(e)
                return

    threads = [threading.Thread(target=run) for _ in range(WRITERS_ON_ONE_STREAM)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return errors


def test_many_writers_on_one_stream_all_succeed(tmp_path: Path) -> None:
    """16 writers on one stream (SQLite): with 20 immediate retries some lost all 20 (the
    chaos suite's 500s, "UNIQUE constraint failed: stored_events.originator_id,
    originator_version"); with jittered backoff within a time bound every write lands."""
    database = parse_database_url(f"sqlite:///{tmp_path / 'ledger.db'}")
    ledger = enrolled(open_ledger(make_settings(database, tmp_path / "home")))
    try:
        fund = funded(ledger, received_fen=0)
        stream = fund_year_id(fund.config.fund, YEAR)
        errors = _contribute_concurrently(ledger, stream)
        assert errors == [], [f"{type(e).__name__}: {e}" for e in errors[:3]]
        year = ledger.app.get(FundYear, stream)
        assert year.received_fen == 100 * WRITERS_ON_ONE_STREAM * WRITES_EACH
    finally:
        ledger.close()


def test_sqlite_lock_held_elsewhere_waits_then_is_named(tmp_path: Path) -> None:
    """Another process's write lock: our transaction waits the lock timeout (not forever,
    not at once), then fails with "database is locked", which unavailable() names; so does
    eventsourcing's save. Once the lock is released both succeed."""
    database = parse_database_url(f"sqlite:///{tmp_path / 'ledger.db'}")
    settings = _with(make_settings(database, tmp_path / "home"), lock_timeout=0.5)
    ledger = enrolled(open_ledger(settings))
    ledger.log.integrate()  # the registry's records
    other = sqlite3.connect(str(database.sqlite_path), isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        with pytest.raises(sqlite3.OperationalError) as ours:
            ledger.db.execute("UPDATE gongshi_log_state SET size = size WHERE id = 1")
        waited = time.monotonic() - started
        assert 0.4 < waited < 3, waited
        assert unavailable(ours.value) == LOCKED
        with pytest.raises(Exception) as theirs:
            registered(ledger, 1)
        assert unavailable(theirs.value) == LOCKED
        other.execute("ROLLBACK")
        registered(ledger, 1)
        assert ledger.log.integrate() == 1
    finally:
        other.close()
        ledger.close()


def test_sqlite_queued_writer_does_not_block_eventsourcing_readers(tmp_path: Path) -> None:
    """A SqlDatabase write transaction holds the file's write turn for 1.5 s; an eventsourcing
    save queues behind it; a third thread's select_notifications must not wait for either.
    The save used to wait for the turn inside the pool's get_connection, holding the pool's
    single-permit semaphore, so every eventsourcing read in the process waited 1.5 s too."""
    database = parse_database_url(f"sqlite:///{tmp_path / 'ledger.db'}")
    ledger = enrolled(open_ledger(make_settings(database, tmp_path / "home")))
    fund = CareFund(ledger, FundConfig())
    holding = threading.Event()
    saved: list[BaseException | None] = []

    def hold_the_turn() -> None:
        with ledger.db.transaction() as cur:
            cur.execute("UPDATE gongshi_log_state SET size = size WHERE id = 1")
            holding.set()
            time.sleep(1.5)

    def save() -> None:
        try:
            fund.open_year(YEAR, FINANCE)
            saved.append(None)
        except Exception as e:
            saved.append(e)

    threads = [threading.Thread(target=hold_the_turn), threading.Thread(target=save)]
    try:
        threads[0].start()
        assert holding.wait(5)
        threads[1].start()
        time.sleep(0.3)  # the save is now queued for the write turn
        started = time.monotonic()
        ledger.app.recorder.select_notifications(start=1, limit=10)
        took = time.monotonic() - started
        for t in threads:
            t.join(10)
        assert took < 0.3, f"an eventsourcing read waited {took:.2f} s for a queued writer"
        assert saved == [None]
    finally:
        ledger.close()


# --- PostgreSQL: one pool, checked connections ----------------------------------------------


@pytest.mark.postgres
def test_one_pool_shared_with_eventsourcing(pg_database: Database, tmp_path: Path) -> None:
    """SqlDatabase.sharing borrows eventsourcing's pool: rows are tuples (the pool's
    connections make dicts), unqualified names find our schema, transactions commit and roll
    back, and closing our side leaves the app's pool open."""
    ledger = enrolled(open_ledger(make_settings(pg_database, tmp_path / "home")))
    try:
        shared = SqlDatabase.sharing(pg_database, ledger.app.recorder)
        assert shared.pool is getattr(ledger.app.recorder, "datastore").pool  # noqa: B009
        base = ledger.log.integrate()  # the registry's records
        registered(ledger, 2)
        assert ledger.log.integrate() == 2
        size = shared.execute("SELECT size FROM gongshi_log_state WHERE id = 1")
        assert size == [(base + 2,)]
        with pytest.raises(ZeroDivisionError), shared.transaction() as cur:
            cur.execute("UPDATE gongshi_log_state SET size = 99 WHERE id = 1")
            raise ZeroDivisionError
        assert shared.execute("SELECT size FROM gongshi_log_state WHERE id = 1") == size
        shared.close()
        registered(ledger, 1)  # eventsourcing's pool still open
        assert shared.pool is not None and not shared.pool.closed
    finally:
        ledger.close()


@pytest.mark.postgres
def test_pool_exhausted_is_named_after_a_bounded_wait(pg_database: Database) -> None:
    database = dataclasses.replace(pg_database, pool_size=2, pool_timeout=0.5)
    db = SqlDatabase(database)
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with db.transaction() as cur:
            cur.execute("SELECT 1")
            held.set()
            release.wait(10)

    holders = [threading.Thread(target=hold) for _ in range(2)]
    try:
        for t in holders:
            t.start()
            held.wait(5)
            held.clear()
        started = time.monotonic()
        with pytest.raises(psycopg.OperationalError) as caught:
            db.execute("SELECT 1")
        assert 0.4 < time.monotonic() - started < 3
        assert unavailable(caught.value) == POOL_EXHAUSTED
    finally:
        release.set()
        for t in holders:
            t.join(10)
    assert db.execute("SELECT 1") == [(1,)]
    db.close()


@pytest.mark.postgres
def test_lock_timeout_is_named(pg_database: Database, tmp_path: Path) -> None:
    settings = _with(make_settings(pg_database, tmp_path / "home"), lock_timeout=0.5)
    ledger = enrolled(open_ledger(settings))
    other = psycopg.connect(pg_database.psycopg_conninfo())
    try:
        other.execute(f'LOCK TABLE "{pg_database.schema}".gongshi_log_state IN EXCLUSIVE MODE')
        with pytest.raises(psycopg.OperationalError) as caught:
            ledger.db.execute("UPDATE gongshi_log_state SET size = size WHERE id = 1")
        assert unavailable(caught.value) == LOCK_TIMEOUT
        other.rollback()
        ledger.db.execute("UPDATE gongshi_log_state SET size = size WHERE id = 1")
    finally:
        other.close()
        ledger.close()


def retried_in(cls: type) -> set[str]:
    """The methods of ``cls`` that are eventsourcing's ``@retry`` wrappers."""
    names = set()
    for name in dir(cls):
        code = getattr(getattr(cls, name), "__code__", None)
        if code is not None and code.co_name == "retry_decorator":
            names.add(name)
    return names


def test_no_eventsourcing_recorder_method_is_retried() -> None:
    """eventsourcing's ``@retry`` (10 attempts, 0.2 s apart) is off on every method of our
    PostgreSQL recorder: one fault is one prompt error."""
    from eventsourcing.postgres import PostgresApplicationRecorder

    from ledger.idempotency import IdempotentPostgresRecorder

    assert retried_in(PostgresApplicationRecorder) >= {"insert_events", "select_events"}
    assert retried_in(IdempotentPostgresRecorder) == set()


@pytest.mark.postgres
def test_eventsourcing_calls_fail_within_one_pool_timeout(
    pg_database: Database, tmp_path: Path
) -> None:
    """Every connection of the pool held: eventsourcing's reads and its insert each fail after
    about one pool wait (1 s), not ten (its @retry made it 10 × (1 s + 0.2 s) per call)."""
    settings = _with(make_settings(pg_database, tmp_path / "home"), pool_size=2, pool_timeout=1)
    ledger = enrolled(open_ledger(settings))
    registered(ledger, 1)
    stored = ledger.app.recorder.max_notification_id()
    recorder = ledger.app.recorder
    pool = recorder_pool(recorder)
    assert pool is not None
    stream = UUID(str(recorder.select_notifications(start=1, limit=1)[0].originator_id))
    held = [pool.getconn(), pool.getconn()]
    calls: list[Callable[[], object]] = [
        recorder.max_notification_id,
        lambda: recorder.select_notifications(start=1, limit=10),
        lambda: recorder.select_events(stream),
        lambda: registered(ledger, 1),
    ]
    try:
        for call in calls:
            started = time.monotonic()
            with pytest.raises(Exception) as caught:
                call()
            took = time.monotonic() - started
            assert unavailable(caught.value) == POOL_EXHAUSTED, repr(caught.value)
            assert took < 3, f"{took:.1f} s for one call with a 1 s pool timeout"
    finally:
        for conn in held:
            pool.putconn(conn)
    assert recorder.max_notification_id() == stored  # nothing was stored meanwhile
    ledger.close()


def _wait_for_lock(database: Database, app_name: str) -> int | None:
    """The pid of our backend waiting for a lock (``application_name``), within 5 s."""
    query = (
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        " AND application_name = %s AND wait_event_type = 'Lock'"
    )
    with psycopg.connect(database.psycopg_conninfo(), autocommit=True) as conn:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            row = conn.execute(query, (app_name,)).fetchone()
            if row is not None:
                return int(row[0])
            time.sleep(0.02)
    return None


@pytest.mark.postgres
def test_an_insert_whose_connection_dies_is_one_error_not_run_again(
    pg_database: Database, tmp_path: Path
) -> None:
    """A save's backend is terminated while it waits for the events table's lock: the save
    fails once, promptly, with "connection lost" (503) and stores nothing. eventsourcing's
    @retry ran the insert again 0.2 s later, on a new connection: where the lost error came
    after a COMMIT that landed, that second run met its own records and the command was run
    again on top of them."""
    app_name = f"gongshi-insert-{secrets.token_hex(4)}"
    database = _named(pg_database, app_name)
    ledger = enrolled(open_ledger(make_settings(database, tmp_path / "home")))
    registered(ledger, 1)
    before = ledger.app.recorder.max_notification_id()
    outcome: list[BaseException | None] = []

    def save() -> None:
        try:
            registered(ledger, 1)
            outcome.append(None)
        except Exception as e:
            outcome.append(e)

    locker = psycopg.connect(pg_database.psycopg_conninfo())
    try:
        locker.execute(f'LOCK TABLE "{pg_database.schema}".gongshi_events IN ACCESS EXCLUSIVE MODE')
        writer = threading.Thread(target=save)
        writer.start()
        pid = _wait_for_lock(pg_database, app_name)
        assert pid is not None
        with psycopg.connect(pg_database.psycopg_conninfo(), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        time.sleep(0.5)  # the old @retry's second attempt would now be waiting for the lock
        locker.rollback()
        writer.join(10)
    finally:
        locker.close()
    assert len(outcome) == 1 and outcome[0] is not None, outcome
    assert unavailable(outcome[0]) == CONNECTION_LOST, repr(outcome[0])
    assert ledger.app.recorder.max_notification_id() == before
    ledger.close()


TERMINATE = (
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database()"
    " AND application_name = %s AND pid <> pg_backend_pid()"
)


def _terminate(database: Database, app_name: str) -> int:
    with psycopg.connect(database.psycopg_conninfo(), autocommit=True) as conn:
        return len(conn.execute(TERMINATE, (app_name,)).fetchall())


def _until(check: Callable[[], bool], seconds: float) -> float | None:
    """Seconds until ``check()`` is true (exceptions count as false), None if never."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            if check():
                return time.monotonic() - started
        except Exception:
            pass
        time.sleep(0.05)
    return None


@pytest.mark.postgres
def test_terminated_backends_recover_without_restart(
    pg_database: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Terminate every backend of a running ledger (followers included), twice, and lock the
    log's table past the lock timeout so the followers fail for certain: writes and reads
    succeed again within 5 s, the followers' errors clear, the log and the projections catch
    up, and the log says why without a password. No process restart."""
    app_name = f"gongshi-faults-{secrets.token_hex(4)}"
    database = dataclasses.replace(_named(pg_database, app_name), lock_timeout=0.5)
    settings = make_settings(database, tmp_path / "home")
    ledger = enrolled(open_ledger(settings))
    projections = open_projections(ledger, settings)
    followers = [LogFollower(ledger.log, 0.05), ProjectionFollower(projections, 0.05)]
    caplog.set_level(logging.WARNING)
    try:
        for f in followers:
            f.start()
        registered(ledger, 3)
        stored = ledger.app.recorder.max_notification_id()  # the registry's records and these
        assert _until(lambda: ledger.log.state().size == stored, 5) is not None
        for _ in range(2):
            assert _terminate(pg_database, app_name) > 0
            took = _until(lambda: registered(ledger, 1) is None, 5)
            assert took is not None and took < 5
        # The followers fail for certain: the log's state table is locked past lock_timeout.
        with psycopg.connect(pg_database.psycopg_conninfo()) as locker:
            locker.execute(
                f'LOCK TABLE "{pg_database.schema}".gongshi_log_state IN ACCESS EXCLUSIVE MODE'
            )
            # (an error left from the terminations above may still be there: wait for this one)
            timed_out = _until(
                lambda: unavailable(followers[0].error or Exception()) == LOCK_TIMEOUT, 5
            )
            assert timed_out is not None, repr(followers[0].error)
            _terminate(pg_database, app_name)
        cleared = _until(lambda: all(f.error is None for f in followers), 5)
        assert cleared is not None, [repr(f.error) for f in followers]
        registered(ledger, 1)
        size = ledger.app.recorder.max_notification_id() or 0
        caught_up = _until(
            lambda: (
                ledger.log.state().size == size
                and all(r.position() == size for r in projections.select())
            ),
            10,
        )
        assert caught_up is not None
        assert "database lock timeout" in caplog.text
        assert "recovered" in caplog.text
    finally:
        for f in followers:
            f.stop()
        projections.close()
        ledger.close()


# --- PostgreSQL: the URL's TLS parameters, unreachable servers, no passwords ---------------


@pytest.mark.postgres
def test_url_parameters_reach_eventsourcings_pool(pg_database: Database, tmp_path: Path) -> None:
    """The URL's libpq parameters, its schema and the lock timeout are set on the connections
    of eventsourcing's own pool (which ours shares), read back from the server."""
    app_name = f"gongshi-params-{secrets.token_hex(4)}"
    database = dataclasses.replace(_named(pg_database, app_name), lock_timeout=1.5)
    ledger = enrolled(open_ledger(make_settings(database, tmp_path / "home")))
    try:
        datastore = getattr(ledger.app.recorder, "datastore")  # noqa: B009
        with datastore.get_connection() as conn:
            row = conn.execute(
                "SELECT current_setting('application_name') AS a,"
                " current_setting('search_path') AS s, current_setting('lock_timeout') AS l"
            ).fetchone()
        assert row is not None
        assert (row["a"], row["s"], row["l"]) == (app_name, database.schema, "1500ms")
        assert ledger.db.pool is datastore.pool  # ours is the same pool
    finally:
        ledger.close()


@pytest.mark.postgres
def test_sslmode_reaches_both_pools(pg_database: Database) -> None:
    """The local server has no TLS: with sslmode=require, a connection made by eventsourcing's
    pool (built by our factory, nothing else connecting first) and one made by ours fail for
    want of SSL, so the parameter reached libpq in both; with sslmode=disable both connect."""
    from eventsourcing.utils import Environment

    from ledger.db import standalone_pool
    from ledger.factories import PostgresFactory

    with psycopg.connect(pg_database.psycopg_conninfo()) as conn:
        row = conn.execute("SHOW ssl").fetchone()
    if row is None or row[0] != "off":
        pytest.skip("the test server has TLS on: sslmode=require would succeed")

    for mode, works in (("require", False), ("disable", True)):
        database = parse_database_url(f"{pg_database.url}&sslmode={mode}")
        factory = PostgresFactory(Environment("gongshi", database.eventsourcing_env()))
        pools = {"eventsourcing's": factory.datastore.pool, "ours": standalone_pool(database)}
        try:
            for name, pool in pools.items():
                # How each pool makes a connection (psycopg_pool's own _connect, its kwargs):
                # the pool's workers would only report "couldn't get a connection".
                if works:
                    pool._connect().close()
                    continue
                with pytest.raises(psycopg.OperationalError, match="SSL") as caught:
                    pool._connect()
                assert unavailable(caught.value) is not None, name
        finally:
            pools["ours"].close()
            factory.close()


def test_unreachable_server_names_no_password(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A URL with a password and a port nobody listens on: the error is bounded, named
    "database unreachable", and no message, repr or log line shows the password."""
    secret = "pw-" + secrets.token_hex(6)
    database = parse_database_url(
        f"postgresql://alice:{secret}@127.0.0.1:1/nowhere?schema=s&connect_timeout=2"
    )
    database = dataclasses.replace(database, pool_timeout=1)
    assert secret not in repr(database) and secret not in database.display()
    db = SqlDatabase(database)
    caplog.set_level(logging.DEBUG)
    started = time.monotonic()
    with pytest.raises(psycopg.OperationalError) as caught:
        db.execute("SELECT 1")
    assert time.monotonic() - started < 5
    assert unavailable(caught.value) in (UNREACHABLE, POOL_EXHAUSTED)
    follower = LogFollower.__new__(LogFollower)
    from ledger.background import Periodic

    Periodic.__init__(follower, 1.0, "probe")
    follower.step = lambda: db.execute("SELECT 1")  # type: ignore[method-assign]
    assert follower.run_once() == pytest.approx(0.2)
    assert follower.error is not None
    texts = [caplog.text, str(caught.value), repr(caught.value), repr(db.database)]
    e: BaseException | None = caught.value
    while e is not None:
        texts.append(str(e))
        e = e.__cause__ or e.__context__
    assert not any(secret in text for text in texts)
    db.close()


@pytest.mark.postgres
def test_tokens_on_a_fresh_schema(pg_database: Database, tmp_path: Path) -> None:
    """``gongshi tokens create`` is often the first command on a new PostgreSQL schema: its
    standalone SqlDatabase creates the schema before its tables ("no schema has been
    selected to create in" before)."""
    from api.cli import main

    env = {
        "GONGSHI_HOME": str(tmp_path / "home"),
        "GONGSHI_DATABASE_URL": pg_database.url,
        "GONGSHI_VAULT_KEY": "ab" * 32,
    }
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        assert main(["principals", "enrol", "--account", "admin-01", "--role", "admin"]) == 0
        assert main(["tokens", "create", "--principal", "admin-01"]) == 0
        assert main(["tokens", "list"]) == 0
    with psycopg.connect(pg_database.psycopg_conninfo()) as conn:
        rows = conn.execute(
            f'SELECT principal FROM "{pg_database.schema}".gongshi_api_tokens'
        ).fetchall()
    assert rows == [("admin-01",)]
