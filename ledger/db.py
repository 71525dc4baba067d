"""Plain SQL access to the ledger's database, for the tables that are not eventsourcing's own.

SQL is written with ``?`` placeholders; on PostgreSQL they become ``%s``. On PostgreSQL the
connection's search_path is the configured schema, created here if missing.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg

from ledger.settings import Database


class SqlDatabase:
    """One connection per thread, opened lazily; ``transaction()`` commits or rolls back."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._local = threading.local()
        self._all: list[Any] = []
        self._guard = threading.Lock()

    @property
    def _conn(self) -> Any:
        return getattr(self._local, "conn", None)

    @property
    def is_postgres(self) -> bool:
        return self.database.kind == "postgresql"

    def _connect(self) -> Any:
        conn = self._conn
        if conn is None:
            if self.is_postgres:
                conn = psycopg.connect(self.database.psycopg_conninfo(), autocommit=True)
                if self.database.schema:
                    conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.database.schema}"')
                    conn.execute(f'SET search_path TO "{self.database.schema}"')
                conn.autocommit = False
            else:
                path = self.database.sqlite_path
                assert path is not None
                path.parent.mkdir(parents=True, exist_ok=True)
                # Transactions are begun explicitly (see transaction()), not by the module.
                conn = sqlite3.connect(
                    str(path), timeout=30, check_same_thread=False, isolation_level=None
                )
                # Deleted vault rows are overwritten with zeros, not left in free pages.
                conn.execute("PRAGMA secure_delete = ON")
            self._local.conn = conn
            with self._guard:
                self._all.append(conn)
        return conn

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.is_postgres else sql

    @contextmanager
    def transaction(self, immediate: bool = True) -> Iterator[Cursor]:
        """One transaction on this connection, committed at the end or rolled back.

        On SQLite a writing transaction takes the database's write lock at BEGIN
        (``immediate``): a deferred one that read first and then wrote would fail at once
        with "database is locked" when another process holds the lock, instead of waiting.
        Read-only transactions pass ``immediate=False``. PostgreSQL callers lock explicitly.
        """
        conn = self._connect()
        cursor = conn.cursor()
        if not self.is_postgres:
            cursor.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
        try:
            yield Cursor(cursor, self)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement in its own transaction and return its rows (if any)."""
        reading = sql.lstrip()[:6].upper() == "SELECT"
        with self.transaction(immediate=not reading) as cur:
            return cur.execute(sql, params)

    def compact(self, *tables: str) -> None:
        """PostgreSQL: VACUUM FULL ``tables`` so deleted rows leave the table files (SQLite's
        secure_delete already zeroes them). WAL and backups keep history; see the README."""
        if self.is_postgres:
            conn = self._connect()
            conn.commit()
            conn.autocommit = True
            try:
                for table in tables:
                    conn.execute(f"VACUUM FULL {table}")
            finally:
                conn.autocommit = False

    def close(self) -> None:
        """Close every thread's connection (call when no thread is using them)."""
        with self._guard:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()


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


SCHEMA_LOCK_KEY = 0x676F6E67  # "gong": the advisory lock serialising DDL between processes


@contextmanager
def schema_lock(database: Database) -> Iterator[None]:
    """Hold a PostgreSQL advisory lock while creating tables: concurrent CREATE TABLE IF NOT
    EXISTS in several processes can fail with "tuple concurrently updated". No-op on SQLite."""
    if database.kind != "postgresql":
        yield
        return
    with psycopg.connect(database.psycopg_conninfo(), autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK_KEY,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK_KEY,))


def ensure_schema(database: Database) -> None:
    """Create the PostgreSQL schema named in the URL (eventsourcing needs it to exist)."""
    if database.kind == "postgresql" and database.schema:
        with psycopg.connect(database.psycopg_conninfo(), autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{database.schema}"')
    elif database.kind == "sqlite":
        assert database.sqlite_path is not None
        database.sqlite_path.parent.mkdir(parents=True, exist_ok=True)


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
            "gongshi_log_witness_status", "gongshi_log_submission_leases",
        ):  # fmt: skip
            conn.execute(f"DROP TABLE IF EXISTS {schema}{table}")
        # The read models (projections/): gongshi_proj_* and their positions.
        for (table,) in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s AND tablename LIKE %s",
            (database.schema or "public", "gongshi\\_proj\\_%"),
        ).fetchall():
            conn.execute(f'DROP TABLE IF EXISTS {schema}"{table}"')
