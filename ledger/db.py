"""Plain SQL access to the ledger's database, for the tables that are not eventsourcing's own.

SQL is written with ``?`` placeholders; on PostgreSQL they become ``%s``.

PostgreSQL: every transaction borrows a connection from a psycopg_pool and gives it back at
the end; the pool checks a connection on checkout and replaces a dead one, so a terminated
backend or a short outage costs the transactions that were using it, not the ones after.
``SqlDatabase.sharing(database, recorder)`` borrows from eventsourcing's pool (one pool per
process, ``ledger.factories``); a standalone ``SqlDatabase(database)`` (a command, a test)
keeps a pool of its own with the same settings, and creates the URL's schema if it does not
exist yet before its first transaction (the first command on a new database may be
``gongshi tokens create``). Pooled connections are in autocommit mode
(eventsourcing's are, and ours are made so): ``transaction()`` begins and commits
explicitly. Their search_path is the URL's schema (set at connect through libpq's
``options``; eventsourcing qualifies its own tables). Waiting for a connection longer than
``Database.pool_timeout`` raises psycopg_pool.PoolTimeout (``ledger.unavailable``: 503).

SQLite: one connection per thread (a file does not go away), busy timeout
``Database.lock_timeout``; a writing transaction first takes the process's write turn on
the file, the lock eventsourcing's writers take too (``ledger.factories``).
"""

from __future__ import annotations

import sqlite3
import threading
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
import psycopg_pool
from psycopg.rows import tuple_row

from ledger.factories import recorder_pool, take_write_turn
from ledger.settings import Database


def _autocommit(conn: psycopg.Connection[Any]) -> None:
    conn.autocommit = True


def standalone_pool(database: Database) -> psycopg_pool.ConnectionPool[Any]:
    """A pool of up to ``database.pool_size`` connections, checked on checkout, not yet open."""
    return psycopg_pool.ConnectionPool(
        kwargs=database.pool_kwargs(),
        min_size=1,
        max_size=database.pool_size,
        open=False,
        configure=_autocommit,
        check=psycopg_pool.ConnectionPool.check_connection,
        timeout=database.pool_timeout,
        name="gongshi",
    )


class SqlDatabase:
    """``transaction()`` commits or rolls back. PostgreSQL: a pooled connection per
    transaction; SQLite: one connection per thread, opened lazily.

    A thread must not open a transaction on this database inside another one of its own
    (SQLite refuses the second BEGIN; PostgreSQL would take a second connection)."""

    def __init__(
        self, database: Database, pool: psycopg_pool.ConnectionPool[Any] | None = None
    ) -> None:
        self.database = database
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._guard = threading.Lock()
        self._own_pool = pool is None
        # A shared pool's schema was created by open_app; a standalone one creates it (if
        # need be) before its first transaction, e.g. ``gongshi tokens create`` on a new one.
        self._schema_ready = not (self._own_pool and self.is_postgres and database.schema)
        self.pool: psycopg_pool.ConnectionPool[Any] | None = None
        if self.is_postgres:
            self.pool = pool if pool is not None else standalone_pool(database)
        elif pool is not None:
            raise ValueError("a connection pool is for PostgreSQL only")

    @classmethod
    def sharing(cls, database: Database, recorder: object) -> SqlDatabase:
        """The database of ``recorder`` (an eventsourcing recorder on ``database``): on
        PostgreSQL borrowing from its pool, so the process has one pool; on SQLite as
        ``SqlDatabase(database)``."""
        return cls(database, recorder_pool(recorder))

    @property
    def is_postgres(self) -> bool:
        return self.database.kind == "postgresql"

    def _sqlite(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            path = self.database.sqlite_path
            assert path is not None
            from ledger.files import private_sqlite_file  # package C's: 0600 in a 0700 dir

            private_sqlite_file(path)
            # Transactions are begun explicitly (see transaction()), not by the module.
            conn = sqlite3.connect(
                str(path),
                timeout=self.database.lock_timeout,
                check_same_thread=False,
                isolation_level=None,
            )
            # Deleted vault rows are overwritten with zeros, not left in free pages.
            conn.execute("PRAGMA secure_delete = ON")
            self._local.conn = conn
            with self._guard:
                self._all.append(conn)
        return conn

    @contextmanager
    def _borrowed(self, wait: float | None = None) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection (autocommit) for the length of the block; PoolTimeout after
        ``wait`` seconds (default the pool's timeout)."""
        pool = self.pool
        assert pool is not None
        if not self._schema_ready:
            with self._guard:
                if not self._schema_ready:  # a standalone database may be the first user
                    ensure_schema(self.database)
                    self._schema_ready = True
        pool.open()  # no-op once open; PoolClosed after close()
        with pool.connection(timeout=wait) as conn:
            yield conn

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.is_postgres else sql

    @contextmanager
    def transaction(self, immediate: bool = True, wait: float | None = None) -> Iterator[Cursor]:
        """One transaction, committed at the end or rolled back.

        On SQLite a writing transaction takes the database's write lock at BEGIN
        (``immediate``): a deferred one that read first and then wrote would fail at once
        with "database is locked" when another process holds the lock, instead of waiting.
        Read-only transactions pass ``immediate=False``. PostgreSQL callers lock explicitly.
        A connection lost meanwhile raises psycopg's OperationalError/InterfaceError
        (``ledger.unavailable`` names them) and is not given back to the pool. ``wait``:
        PostgreSQL, seconds to wait for a pooled connection (default the pool's timeout).
        """
        if self.is_postgres:
            with self._borrowed(wait) as conn, conn.transaction():
                yield Cursor(conn.cursor(row_factory=tuple_row), self)
            return
        lite = self._sqlite()
        turn = self._write_turn() if immediate else None
        try:
            cursor = lite.cursor()
            cursor.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
            try:
                yield Cursor(cursor, self)
                lite.commit()
            except BaseException:
                lite.rollback()
                raise
        finally:
            if turn is not None:
                turn.release()

    def _write_turn(self) -> threading.RLock:
        """Take the process's write turn on the SQLite file (shared with eventsourcing's
        writers, ledger/factories.py), waiting ``lock_timeout`` at most; then "database is
        locked" (``ledger.unavailable`` names it)."""
        assert self.database.sqlite_path is not None
        return take_write_turn(self.database.sqlite_path, self.database.lock_timeout)

    @contextmanager
    def reading(self, wait: float | None = None) -> Iterator[Cursor]:
        """Statements that only read, on one connection for the block. PostgreSQL: each
        statement its own transaction (autocommit: no BEGIN/COMMIT round trips, and no
        snapshot across statements); SQLite: one read transaction."""
        if self.is_postgres:
            with self._borrowed(wait) as conn:
                yield Cursor(conn.cursor(row_factory=tuple_row), self)
            return
        with self.transaction(immediate=False, wait=wait) as cur:
            yield cur

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement in its own transaction and return its rows (if any)."""
        reading = sql.lstrip()[:6].upper() == "SELECT"
        with self.transaction(immediate=not reading) as cur:
            return cur.execute(sql, params)

    def compact(self, *tables: str) -> None:
        """PostgreSQL: VACUUM FULL ``tables`` so deleted rows leave the table files (SQLite's
        secure_delete already zeroes them). WAL and backups keep history; see the README."""
        if self.is_postgres:
            with self._borrowed() as conn:  # autocommit: VACUUM can't run in a transaction
                for table in tables:
                    conn.execute(f"VACUUM FULL {table}")

    def close(self) -> None:
        """Close every SQLite connection, or the pool if it is this database's own (call when
        no thread is using them). A shared pool is closed by its owner (the app)."""
        with self._guard:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()
        if self.pool is not None and self._own_pool:
            self.pool.close()


class Cursor:
    def __init__(self, cursor: Any, db: SqlDatabase) -> None:
        self._cursor = cursor
        self._db = db

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self._cursor.execute(self._db._sql(sql), tuple(params))
        if self._cursor.description is None:
            return []
        return [tuple(row) for row in self._cursor.fetchall()]

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._cursor.executemany(self._db._sql(sql), [tuple(r) for r in rows])

    @property
    def rowcount(self) -> int:
        count: int = self._cursor.rowcount
        return count

    @property
    def is_postgres(self) -> bool:
        return self._db.is_postgres


SCHEMA_LOCK = "tables"  # the advisory lock serialising DDL between processes


def lock_key(database: Database, name: str) -> tuple[int, int]:
    """The PostgreSQL advisory lock ``name`` of the ledger in ``database``'s schema, as the
    two int4 keys (classid, objid) pg_locks shows: the CRC-32 of the schema's name (the
    URL's ``schema``, "public" without one) and of the lock's name, each UTF-8 and masked to
    31 bits (so the int4 given and the oid pg_locks shows are the same number). Advisory
    locks are the database's, not the schema's: with the schema in the key, two ledgers in
    two schemas of one database never wait on each other. (A CRC collision between two
    schemas only makes them take turns.) docs/OPERATIONS.md names the locks."""
    return _key31(database.schema or "public"), _key31(name)


def _key31(text: str) -> int:
    return zlib.crc32(text.encode()) & 0x7FFFFFFF


def xact_lock(cur: Cursor, name: str) -> None:
    """Hold the advisory lock ``name`` (lock_key) until ``cur``'s transaction ends; nothing
    on SQLite (its transactions are begun IMMEDIATE: the file's write lock)."""
    if cur.is_postgres:
        cur.execute(
            "SELECT pg_advisory_xact_lock(CAST(? AS INTEGER), CAST(? AS INTEGER))",
            lock_key(cur._db.database, name),
        )


@contextmanager
def schema_lock(database: Database) -> Iterator[None]:
    """Hold a PostgreSQL advisory lock while creating tables: concurrent CREATE TABLE IF NOT
    EXISTS in several processes can fail with "tuple concurrently updated". The race is on
    one schema's names, so the lock is the schema's (lock_key). No-op on SQLite."""
    if database.kind != "postgresql":
        yield
        return
    key = lock_key(database, SCHEMA_LOCK)
    with psycopg.connect(database.psycopg_conninfo(), autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s::int4, %s::int4)", key)
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s::int4, %s::int4)", key)


def ensure_schema(database: Database) -> None:
    """Create the PostgreSQL schema named in the URL (eventsourcing needs it to exist), or
    the SQLite file with mode 0600 in a 0700 directory (ledger/files.py)."""
    if database.kind == "postgresql" and database.schema:
        with psycopg.connect(database.psycopg_conninfo(), autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{database.schema}"')
    elif database.kind == "sqlite":
        assert database.sqlite_path is not None
        # 0600 before SQLite (eventsourcing) creates it: -wal and -shm inherit its mode.
        from ledger.files import private_sqlite_file

        private_sqlite_file(database.sqlite_path)


def reset_database(database: Database) -> None:
    """Delete every table of the ledger (SQLite: the file). For ``gongshi demo --reset``."""
    if database.kind == "sqlite":
        assert database.sqlite_path is not None
        for suffix in ("", "-wal", "-shm", "-journal"):
            path = database.sqlite_path.with_name(database.sqlite_path.name + suffix)
            path.unlink(missing_ok=True)
        return
    schema = f'"{database.schema}".' if database.schema else ""
    with psycopg.connect(database.psycopg_conninfo(), autocommit=True) as conn:
        for table in (
            "gongshi_events", "gongshi_vault_documents", "gongshi_vault_subjects",
            "gongshi_log_state", "gongshi_log_tiles", "gongshi_log_offsets",
            "gongshi_log_checkpoints", "gongshi_log_cosignatures", "gongshi_log_witnessed",
            "gongshi_log_witness_status", "gongshi_log_submission_leases", "gongshi_idempotency",
        ):  # fmt: skip
            conn.execute(f"DROP TABLE IF EXISTS {schema}{table}")
        # The read models (projections/): gongshi_proj_* and their positions.
        for (table,) in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s AND tablename LIKE %s",
            (database.schema or "public", "gongshi\\_proj\\_%"),
        ).fetchall():
            conn.execute(f'DROP TABLE IF EXISTS {schema}"{table}"')
