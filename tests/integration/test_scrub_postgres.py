"""``ledger.scrub.rewrite_postgres``: what holds back the xmin horizon, and the lock wait.

VACUUM FULL keeps a dead tuple that anything older than the erasure may still see, so the
rewrite must not report success while such a thing exists: an older client transaction (see
test_erasure_on_disk.py), a prepared transaction, a replication slot or a walsender with an
older xmin. Each table's lock wait is bounded by the time left, not the whole wait per table.

Not testable on the shared test server: a slot or walsender with an xmin needs a standby
with hot_standby_feedback (replication connections are not allowed by its pg_hba.conf), and a
logical slot needs wal_level=logical; prepared transactions need max_prepared_transactions
> 0 (skipped otherwise, with the setting's value).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator

import psycopg
import pytest

from ledger.scrub import ScrubIncomplete, rewrite_postgres
from ledger.settings import Database

pytestmark = pytest.mark.postgres
TABLES = ("scrub_a", "scrub_b")


@pytest.fixture
def database(pg_database: Database) -> Iterator[Database]:
    """The test schema with two small tables (this overrides the both-backends fixture)."""
    with _connect(pg_database) as conn:
        conn.execute(f'CREATE SCHEMA "{pg_database.schema}"')
        for table in TABLES:
            conn.execute(f"CREATE TABLE {table} (id int PRIMARY KEY, name text)")
            conn.execute(f"INSERT INTO {table} VALUES (1, 'one'), (2, 'two')")
            conn.execute(f"DELETE FROM {table} WHERE id = 2")
    yield pg_database


def _connect(database: Database) -> psycopg.Connection[tuple[object, ...]]:
    conn = psycopg.connect(
        database.psycopg_conninfo(), autocommit=True, application_name="gongshi-test-scrub"
    )
    conn.execute(f'SET search_path TO "{database.schema}"')
    return conn


def _setting(database: Database, name: str) -> str:
    with _connect(database) as conn:
        return str(conn.execute(f"SHOW {name}").fetchone()[0])  # type: ignore[index]


def test_each_tables_lock_wait_is_bounded_by_the_time_left(database: Database) -> None:
    """A scripted clock: 9.7 of the 10 s are gone when scrub_b's turn comes, and another
    transaction (begun after the call, so not a reader of the old rows) holds scrub_b's lock.
    The wait for it is the 0.3 s left, not 10 s again."""
    locker = _connect(database)
    calls = 0

    def clock() -> float:
        nonlocal calls
        calls += 1
        if calls == 2:  # scrub_a's turn: the erasure's snapshot time is already taken
            locker.execute("BEGIN")
            locker.execute("LOCK TABLE scrub_b IN ACCESS SHARE MODE")
            return 0.0
        return 0.0 if calls == 1 else 9.7

    began = time.monotonic()
    try:
        with pytest.raises(ScrubIncomplete) as e:
            rewrite_postgres(database, list(TABLES), wait=10.0, clock=clock)
    finally:
        locker.close()
    assert e.value.where == "table scrub_b"
    assert "not granted in 300 ms" in e.value.reason
    assert time.monotonic() - began < 5.0


def test_a_prepared_transaction_older_than_the_erasure_is_a_blocker(database: Database) -> None:
    allowed = _setting(database, "max_prepared_transactions")
    if allowed == "0":
        pytest.skip("max_prepared_transactions is 0 on this server: no PREPARE TRANSACTION")
    gid = f"gongshi-test-{secrets.token_hex(4)}"
    with _connect(database) as conn:
        conn.execute("BEGIN")
        conn.execute("INSERT INTO scrub_b VALUES (3, 'three')")  # not a table to rewrite
        conn.execute(f"PREPARE TRANSACTION '{gid}'")
    try:
        with pytest.raises(ScrubIncomplete) as e:
            rewrite_postgres(database, ["scrub_a"], wait=0.3)
        assert any(f"prepared transaction '{gid}'" in b for b in e.value.blockers), e.value
    finally:
        with _connect(database) as conn:
            conn.execute(f"ROLLBACK PREPARED '{gid}'")
    rewrite_postgres(database, ["scrub_a"], wait=0.3)  # gone: nothing holds the rows now


def test_a_slot_without_an_xmin_is_not_a_blocker(database: Database) -> None:
    """A physical slot that reserves WAL but serves no standby holds back no tuples (its
    xmin is null): the rewrite completes. Guards against treating every slot as a reader."""
    slot = f"gongshi_test_{secrets.token_hex(4)}"
    with _connect(database) as conn:
        conn.execute("SELECT pg_create_physical_replication_slot(%s, true)", (slot,))
        try:
            xmin = conn.execute(
                "SELECT xmin FROM pg_replication_slots WHERE slot_name = %s", (slot,)
            ).fetchone()
            assert xmin == (None,)
            rewrite_postgres(database, list(TABLES), wait=1.0)
        finally:
            conn.execute("SELECT pg_drop_replication_slot(%s)", (slot,))
