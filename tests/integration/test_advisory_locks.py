"""PostgreSQL advisory locks are the database's, so Gongshi's keys name the ledger's schema
(ledger.db.lock_key): two ledgers in two schemas of one database integrate, sign, project and
create tables without waiting on each other; two on one schema still take turns."""

from __future__ import annotations

import dataclasses
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from ledger.clock import SteppingClock
from ledger.db import SCHEMA_LOCK, lock_key, xact_lock
from ledger.ledger import Ledger, open_ledger
from ledger.log.checkpoints import sign_checkpoint
from ledger.log.cosignatures import COSIGNATURE_LOCK
from ledger.log.store import LOCK, LogStore
from ledger.settings import Database, Settings, parse_database_url
from projections.registry import NAMES, open_projections
from projections.runner import table_name
from tests.conftest import make_settings
from tests.integration.helpers import log_signer
from tests.support.principals import enrolled

pytestmark = pytest.mark.postgres
ORIGIN = "gongshi.example/test"
WAIT = 1.0  # s: each ledger's lock_timeout: a wait for the other schema's lock would fail


def _clock() -> SteppingClock:
    return SteppingClock(datetime(2023, 3, 1, 9, 0, tzinfo=UTC), timedelta(minutes=1))


def _lock_names() -> list[str]:
    return [LOCK, COSIGNATURE_LOCK, SCHEMA_LOCK, *(table_name(n) for n in NAMES)]


@pytest.fixture
def two_schemas(pg_database: Database, tmp_path: Path) -> Iterator[tuple[Settings, Settings]]:
    """Settings of two ledgers in two schemas of the same database, each waiting WAIT s."""
    schema = pg_database.schema
    other = parse_database_url(pg_database.url.replace(f"schema={schema}", f"schema={schema}_b"))
    assert other.schema == f"{schema}_b" and other.dbname == pg_database.dbname
    settings = [
        make_settings(dataclasses.replace(db, lock_timeout=WAIT), tmp_path / name)
        for db, name in ((pg_database, "a"), (other, "b"))
    ]
    try:
        yield settings[0], settings[1]
    finally:
        with psycopg.connect(other.psycopg_conninfo(), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{other.schema}" CASCADE')


@pytest.fixture
def ledgers(two_schemas: tuple[Settings, Settings]) -> Iterator[tuple[Ledger, Ledger]]:
    opened = [enrolled(open_ledger(s, clock=_clock())) for s in two_schemas]
    try:
        yield opened[0], opened[1]
    finally:
        for ledger in opened:
            ledger.close()


def test_lock_key_is_the_crc32_of_the_schema_and_of_the_name() -> None:
    """The documented derivation (docs/OPERATIONS.md), so an operator can find a lock in
    pg_locks: classid from the schema, objid from the lock's name, 31 bits each."""
    a = parse_database_url("postgresql://u@h/db?schema=county_a")
    b = parse_database_url("postgresql://u@h/db?schema=county_b")
    assert lock_key(a, LOCK) == (
        zlib.crc32(b"county_a") & 0x7FFFFFFF,
        zlib.crc32(b"log") & 0x7FFFFFFF,
    )
    assert lock_key(a, LOCK)[0] != lock_key(b, LOCK)[0]
    assert lock_key(a, LOCK)[1] == lock_key(b, LOCK)[1]
    keys = [lock_key(a, n) for n in _lock_names()]
    assert len(set(keys)) == len(keys)  # no two of one ledger's locks are one lock
    unnamed = parse_database_url("postgresql://u@h/db")
    assert lock_key(unnamed, LOCK)[0] == zlib.crc32(b"public") & 0x7FFFFFFF


def test_pg_locks_shows_the_two_keys(pg_database: Database) -> None:
    """What pg_locks shows of a held lock is lock_key's pair (objsubid 2: two int4 keys)."""
    from ledger.db import SqlDatabase

    db = SqlDatabase(pg_database)
    try:
        with db.transaction() as cur:
            xact_lock(cur, LOCK)
            rows = cur.execute(
                "SELECT classid::bigint, objid::bigint, objsubid FROM pg_locks"
                " WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted"
            )
        assert rows == [(*lock_key(pg_database, LOCK), 2)]
    finally:
        db.close()


def test_other_schemas_ledger_does_not_wait_for_this_ones_locks(
    ledgers: tuple[Ledger, Ledger], two_schemas: tuple[Settings, Settings]
) -> None:
    """Every advisory lock of ledger A held in an open transaction: ledger B (another schema,
    same database) integrates, signs a checkpoint, creates its tables and runs its projections
    at once; A's own integrator, on the same schema, waits and times out."""
    a, b = ledgers
    settings_a, settings_b = two_schemas
    signer = log_signer(settings_b, ORIGIN)
    with psycopg.connect(settings_a.database.psycopg_conninfo()) as holder:
        for name in _lock_names():
            holder.execute(
                "SELECT pg_advisory_xact_lock(%s::int4, %s::int4)",
                lock_key(settings_a.database, name),
            )
        assert b.log.integrate_step() > 0
        assert sign_checkpoint(b.log, signer, ORIGIN, _clock()) is not None
        LogStore(b.db, b.app.recorder)  # CREATE TABLE IF NOT EXISTS under the schema lock
        projections = open_projections(b, settings_b)
        try:
            assert projections.catch_up() > 0
        finally:
            projections.close()
        # The same schema's integrator still waits for the lock (and gives up after WAIT s).
        with pytest.raises(psycopg.errors.LockNotAvailable):
            a.log.integrate_step()
        holder.rollback()
    assert a.log.integrate_step() > 0
