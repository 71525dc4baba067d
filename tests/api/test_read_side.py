"""api/read_side.py's replica reads, pointed at the primary's own database (no replica
needed: the real streaming replica is tests/integration/test_read_replica.py): the same
positions, log, rows, proofs and tiles as the primary's objects, a pool of its own named
gongshi-read, no table created, the wait and its time bound."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from api.read_side import ReadSide
from api.services import Services
from ledger.actor import Actor, Role
from ledger.clock import SteppingClock
from ledger.log import proofs
from ledger.log.tiles import TileId, entry_bundle, hash_tile
from ledger.settings import Database, Settings, parse_read_database_url
from ledger.unavailable import READ_SIDE, ReadSideUnavailable, unavailable
from tests.conftest import make_settings
from tests.support.principals import enrol, enrolled

pytestmark = pytest.mark.postgres
NAMES = ["points", "fund-ledger"]


@pytest.fixture
def services(pg_database: Database, tmp_path: Path, clock: SteppingClock) -> Iterator[Services]:
    settings = make_settings(pg_database, tmp_path / "home")
    opened = Services.open(settings, clock, follow=False, interval=1.0)
    enrolled(opened.ledger)
    opened.ledger.log.integrate()
    opened.projections.catch_up()
    yield opened
    opened.close()


def _replica_of(settings: Settings) -> ReadSide:
    url = settings.database.url.split("?")[0]  # the schema comes from the primary's
    return ReadSide.replica(parse_read_database_url(url, settings.database))


def test_the_replica_side_reads_what_the_primary_side_reads(services: Services) -> None:
    primary = services.read
    assert not primary.is_replica
    read = _replica_of(services.settings)
    try:
        assert read.is_replica
        size = read.log_size()
        assert size == primary.log_size() > 0
        assert read.position(NAMES) == primary.position(NAMES) == size
        assert read.position(["points"]) == primary.position(["points"])
        assert read.reader.rows("points") == primary.reader.rows("points")
        assert read.log.root(size) == primary.log.root(size)
        index = size // 2
        assert proofs.inclusion(read.log, read.log.recorder, index, size) == proofs.inclusion(
            primary.log, primary.log.recorder, index, size
        )
        partial = TileId(0, 0, min(size, 256))
        assert entry_bundle(read.log, read.log.recorder, partial) == entry_bundle(
            primary.log, primary.log.recorder, partial
        )
        assert hash_tile(read.log, partial) == hash_tile(primary.log, partial)
        assert read.wait(size, NAMES, 0.0)
        with psycopg.connect(services.settings.database.psycopg_conninfo()) as conn:
            names = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'gongshi-read'"
                " AND datname = current_database()"
            ).fetchone()
        assert names is not None and names[0] >= 1
    finally:
        read.close()


def test_a_projection_never_stepped_is_at_zero(services: Services) -> None:
    read = _replica_of(services.settings)
    try:
        assert read.position(["no-such-list", "points"]) == 0
    finally:
        read.close()


def test_the_wait_is_bounded_and_sees_the_replica_advance(services: Services) -> None:
    read = _replica_of(services.settings)
    try:
        size = read.log_size()
        ticks = iter(float(n) for n in range(1000))
        assert not read.wait(size + 1, NAMES, 3.0, clock=lambda: next(ticks), poll=0.0)

        def grow() -> None:  # a write on the primary, integrated and projected meanwhile
            enrol(services.ledger, Actor("finance-09", Role.FINANCE))
            services.ledger.log.integrate()
            services.projections.catch_up()

        writer = threading.Thread(target=grow)
        writer.start()
        assert read.wait(size + 1, NAMES, 10.0)
        writer.join()
        assert read.position(NAMES) >= size + 1
    finally:
        read.close()


def test_nothing_is_created_on_the_read_side(services: Services) -> None:
    """A hot standby refuses DDL: the read side opened on a database without the ledger's
    tables creates none of them. Lists and positions the primary has not created yet read
    as empty and 0 (as on the primary); the log's state, created when the primary's ledger
    opens, fails as the read database not ready (ReadSideUnavailable: 503, not 500)."""
    settings = services.settings
    empty = "gongshi_read_empty_" + settings.database.schema[-8:]
    url = settings.database.url.split("?")[0] + f"?schema={empty}"
    read = ReadSide.replica(parse_read_database_url(url, settings.database))
    try:
        assert read.reader.rows("points") == []
        assert read.position(["points"]) == 0
        with pytest.raises(ReadSideUnavailable) as raised:  # 503 with Retry-After, not 500
            read.log_size()
        assert isinstance(raised.value.__cause__, psycopg.errors.UndefinedTable)
        assert unavailable(raised.value) == READ_SIDE
        with psycopg.connect(settings.database.psycopg_conninfo()) as conn:
            found = conn.execute(
                "SELECT count(*) FROM information_schema.schemata WHERE schema_name = %s",
                (empty,),
            ).fetchone()
        assert found == (0,)
    finally:
        read.close()


def _empty_read_side(settings: Settings) -> Settings:
    empty = "gongshi_read_empty_" + settings.database.schema[-8:]
    url = settings.database.url.split("?")[0] + f"?schema={empty}"
    return dataclasses.replace(
        settings, read_database=parse_read_database_url(url, settings.database)
    )


def test_reads_from_a_read_side_without_the_tables_are_503_not_500(
    services: Services, clock: SteppingClock
) -> None:
    """review16 item 6: the log's tables missing on the read database (a replica that has not
    replayed them) answer 503 with Retry-After naming the read database, nothing about SQL;
    a list whose table is missing reads as empty (its projection never stepped)."""
    from fastapi.testclient import TestClient

    from api.app import create_app

    app = create_app(_empty_read_side(services.settings), clock=clock, follow=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        for path in ("/log/v1/checkpoint", "/log/v1/proof/inclusion?index=0&size=1"):
            got = client.get(path)
            assert got.status_code == 503, (path, got.status_code, got.text)
            assert got.headers["Retry-After"] == "2"
            body = got.json()
            assert body["code"] == "unavailable" and READ_SIDE in body["detail"], body
            text = got.text.lower()
            assert "sql" not in text and "relation" not in text and "gongshi_" not in text
        got = client.get("/api/v1/public/points")
        assert got.status_code == 200 and got.json()["rows"] == [], got.text


def test_a_read_role_without_select_is_503_not_500(services: Services) -> None:
    """review16 item 6: a read-only role lacking SELECT on the log's state: 503, not 500."""
    settings = services.settings
    schema = settings.database.schema
    role = "gongshi_ro_" + schema[-8:]
    conninfo = settings.database.psycopg_conninfo()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f"DROP ROLE IF EXISTS {role}")
        conn.execute(f"CREATE ROLE {role} LOGIN")
        conn.execute(f"GRANT USAGE ON SCHEMA {schema} TO {role}")
    try:
        base = settings.database.url.split("?")[0].replace("postgres@", f"{role}@", 1)
        assert role in base, base
        read = ReadSide.replica(parse_read_database_url(base, settings.database))
        try:
            with pytest.raises(ReadSideUnavailable) as raised:
                read.log_size()
            assert isinstance(raised.value.__cause__, psycopg.errors.InsufficientPrivilege)
            assert unavailable(raised.value) == READ_SIDE
        finally:
            read.close()
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f"REVOKE ALL ON SCHEMA {schema} FROM {role}")
            conn.execute(f"DROP ROLE IF EXISTS {role}")
