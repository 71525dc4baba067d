"""eventsourcing's infrastructure factories with the connection settings eventsourcing lacks.

Selected by ``Database.eventsourcing_env()`` (PERSISTENCE_MODULE names a class here).

PostgreSQL: eventsourcing's datastore passes only dbname/host/port/user/password to its
psycopg_pool; ``PostgresFactory`` adds the URL's libpq parameters (sslmode, sslrootcert, ...,
connect_timeout, application_name) and the ``options`` that set search_path and lock_timeout,
before the pool opens. That pool (checked on checkout: POSTGRES_PRE_PING) is the process's
one pool: ``SqlDatabase.sharing`` borrows from it.

SQLite: one write turn per file per process. eventsourcing's pool lets one writer at a
time into the file (its writer lock); ``SQLiteFactory`` replaces that lock with the file's
``sqlite_writer_lock``, which ``SqlDatabase`` takes too for its writing transactions. So the
process's writers queue on one lock instead of polling SQLite's busy handler against each
other (which starved some for seconds with 16 writers), and SQLite's busy timeout is left
for other processes. Lock order: the write turn, then the file's lock; whoever holds them
never asks eventsourcing's pool for a connection for reading. eventsourcing's writers take
the turn *before* asking the pool (``ledger.idempotency.IdempotentSQLiteRecorder``): the
pool takes its writer lock while holding its single-permit semaphore, through which every
reader passes, so a writer queued there for the turn held up every eventsourcing read of
the process; taken first, the (re-entrant) lock is free to the writer inside the pool.
The pool's wait is GONGSHI_SQLITE_POOL_TIMEOUT (the ledger's lock timeout, not
eventsourcing's fixed 5 s), then ConnectionUnavailableError, which ``ledger.unavailable``
names.
"""

from __future__ import annotations

import os
import sqlite3
import threading
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


_WRITERS: dict[str, threading.RLock] = {}
_WRITERS_GUARD = threading.Lock()


def sqlite_writer_lock(path: str | os.PathLike[str]) -> threading.RLock:
    """The process's write turn for the SQLite file at ``path`` (one lock per real path).
    Re-entrant: eventsourcing takes and releases it in one thread, and so does SqlDatabase."""
    key = os.path.realpath(path)
    with _WRITERS_GUARD:
        return _WRITERS.setdefault(key, threading.RLock())


def take_write_turn(path: str | os.PathLike[str], timeout: float) -> threading.RLock:
    """Take the process's write turn on the SQLite file at ``path``, waiting ``timeout``
    seconds at most, then sqlite3's "database is locked" (``ledger.unavailable`` names it).
    Returns the lock, held: the caller releases it."""
    turn = sqlite_writer_lock(path)
    if not turn.acquire(timeout=timeout):
        raise sqlite3.OperationalError(f"database is locked: no write turn within {timeout:g} s")
    return turn


class SQLiteFactory(_SQLiteFactory):
    """eventsourcing's SQLite factory; its pool waits GONGSHI_SQLITE_POOL_TIMEOUT seconds and
    its writers take the file's ``sqlite_writer_lock``."""

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        pool = self.datastore.pool
        timeout = self.env.get(SQLITE_POOL_TIMEOUT_KEY)
        if timeout:
            pool.pool_timeout = float(timeout)
        if not pool.is_sqlite_memory_mode:
            # eventsourcing's writer lock (a plain Lock, acquired with a timeout and released
            # by the same thread in put_connection), shared with SqlDatabase's writers.
            if not isinstance(getattr(pool, "_writer_lock", None), type(threading.Lock())):
                raise RuntimeError("eventsourcing's SQLite pool has no writer lock to share")
            pool._writer_lock = sqlite_writer_lock(pool.db_name)  # type: ignore[assignment]


def recorder_pool(recorder: Any) -> psycopg_pool.ConnectionPool[Any] | None:
    """The psycopg pool behind an eventsourcing recorder (None on SQLite)."""
    datastore = getattr(recorder, "datastore", None)
    pool = getattr(datastore, "pool", None)
    return pool if isinstance(pool, psycopg_pool.ConnectionPool) else None
