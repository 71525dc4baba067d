"""Fixtures: a ledger on SQLite (always) and on PostgreSQL (GONGSHI_TEST_DATABASE_URL).

With CI=true the PostgreSQL tests use the default URL if none is set and fail, never skip,
when the server can't be reached. Each PostgreSQL test gets its own schema, dropped after.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from ledger.clock import SteppingClock
from ledger.demo.ids import seeded_ids
from ledger.ledger import Ledger, open_ledger
from ledger.settings import Database, Settings, parse_database_url

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def postgres_url() -> str:
    """The test server's URL; skips locally without one, fails in CI if unreachable."""
    url = os.environ.get("GONGSHI_TEST_DATABASE_URL") or (DEFAULT_PG if IN_CI else "")
    if not url:
        pytest.skip("PostgreSQL tests need GONGSHI_TEST_DATABASE_URL (e.g. " + DEFAULT_PG + ")")
    try:
        with psycopg.connect(parse_database_url(url).psycopg_conninfo(), connect_timeout=5):
            pass
    except psycopg.OperationalError as e:
        message = f"PostgreSQL at {url} unreachable: {e}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return worker_database(url)


def worker_database(url: str) -> str:
    """``url`` for the first pytest-xdist worker (or without xdist); for worker gwN (N > 0)
    the same server's database ``{name}_gwN``, created if missing. One database per worker:
    the erasure's rewrite waits for older transactions and the chaos tests terminate
    backends, both within ``current_database()`` only, so workers never see each other."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    if worker == "gw0":
        return url
    base = parse_database_url(url)
    name = f"{base.dbname}_{worker}"
    with psycopg.connect(base.psycopg_conninfo(), autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if found is None:  # (a concurrent creation of the same name: already there)
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                conn.execute(f'CREATE DATABASE "{name}"')
    scheme, rest = url.split("://", 1)
    authority, _, path = rest.partition("/")
    query = path.partition("?")[2]
    return f"{scheme}://{authority}/{name}" + (f"?{query}" if query else "")


@pytest.fixture
def pg_database() -> Iterator[Database]:
    """A PostgreSQL database URL with a fresh schema of its own."""
    base = postgres_url()
    schema = f"gongshi_test_{os.getpid()}_{secrets.token_hex(4)}"
    sep = "&" if "?" in base else "?"
    database = parse_database_url(f"{base}{sep}schema={schema}")
    yield database
    with psycopg.connect(database.psycopg_conninfo(), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def sqlite_database(tmp_path: Path) -> Database:
    return parse_database_url(f"sqlite:///{tmp_path / 'ledger.db'}")


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest) -> Database:
    """Runs the test once per backend."""
    if request.param == "postgres":
        if "postgres" not in request.keywords:
            request.applymarker(pytest.mark.postgres)
        return request.getfixturevalue("pg_database")  # type: ignore[no-any-return]
    return request.getfixturevalue("sqlite_database")  # type: ignore[no-any-return]


def make_settings(database: Database, home: Path) -> Settings:
    return Settings(home=home, database=database, vault_key_hex=secrets.token_hex(32))


@pytest.fixture
def settings(database: Database, tmp_path: Path) -> Settings:
    return make_settings(database, tmp_path / "home")


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock(datetime(2023, 3, 1, 9, 0, tzinfo=UTC), timedelta(minutes=1))


@pytest.fixture
def ledger(
    settings: Settings, clock: SteppingClock, request: pytest.FixtureRequest
) -> Iterator[Ledger]:
    """A test ledger whose registry has the standard test actors (tests/support/principals.py)
    enrolled, recorded at the clock's start, which is then set back there; with
    ``@pytest.mark.registry("empty")`` no one is enrolled (the demo enrols its own), with
    ``registry("unchecked")`` no one is and actors are not checked (the log's mechanics)."""
    from tests.support.principals import enrolled

    marker = request.node.get_closest_marker("registry")
    kind = marker.args[0] if marker else "standard"
    opened = open_ledger(settings, clock=clock, new_id=seeded_ids(7))
    if kind == "standard":
        start = clock()
        enrolled(opened)
        clock.set(start)
    opened.app.enforce_principals = kind != "unchecked"
    yield opened
    opened.close()
