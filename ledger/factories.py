"""eventsourcing's infrastructure factories with the connection settings eventsourcing lacks.

Selected by ``Database.eventsourcing_env()`` (PERSISTENCE_MODULE names a class here).

PostgreSQL: eventsourcing's datastore passes only dbname/host/port/user/password to its
psycopg_pool; ``PostgresFactory`` adds the URL's libpq parameters (sslmode, sslrootcert, ...,
connect_timeout, application_name) and the ``options`` that set search_path and lock_timeout,
before the pool opens. That pool (checked on checkout: POSTGRES_PRE_PING) is the process's
one pool: ``SqlDatabase.sharing`` borrows from it.

SQLite: eventsourcing's pool waits a fixed 5 s for its single writer slot; ``SQLiteFactory``
makes that wait GONGSHI_SQLITE_POOL_TIMEOUT (the ledger's lock timeout), so a writer queued
behind a long transaction waits as long as SQLite's busy timeout would, and then fails with
ConnectionUnavailableError, which ``ledger.unavailable`` names.
"""

from __future__ import annotations

from typing import Any

import psycopg_pool
from eventsourcing.postgres import PostgresFactory as _PostgresFactory
from eventsourcing.sqlite import SQLiteFactory as _SQLiteFactory
from eventsourcing.utils import Environment, EnvType
from psycopg.conninfo import conninfo_to_dict

PARAMS_KEY = "GONGSHI_POSTGRES_PARAMS"
SQLITE_POOL_TIMEOUT_KEY = "GONGSHI_SQLITE_POOL_TIMEOUT"


class PostgresFactory(_PostgresFactory):
    """eventsourcing's PostgreSQL factory; its pool gets the libpq parameters in
    GONGSHI_POSTGRES_PARAMS (a conninfo string) before it opens."""

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        extra = conninfo_to_dict(self.env.get(PARAMS_KEY) or "")
        pool = self.datastore.pool
        if not pool.closed:  # opened before we could add the parameters: refuse, don't guess
            raise RuntimeError("eventsourcing opened its pool before the parameters were set")
        assert isinstance(pool.kwargs, dict)
        pool.kwargs.update(extra)


class SQLiteFactory(_SQLiteFactory):
    """eventsourcing's SQLite factory; its pool waits GONGSHI_SQLITE_POOL_TIMEOUT seconds."""

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        timeout = self.env.get(SQLITE_POOL_TIMEOUT_KEY)
        if timeout:
            self.datastore.pool.pool_timeout = float(timeout)


def recorder_pool(recorder: Any) -> psycopg_pool.ConnectionPool[Any] | None:
    """The psycopg pool behind an eventsourcing recorder (None on SQLite)."""
    datastore = getattr(recorder, "datastore", None)
    pool = getattr(datastore, "pool", None)
    return pool if isinstance(pool, psycopg_pool.ConnectionPool) else None
