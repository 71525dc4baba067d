"""Plain SQL access to the ledger's database, for the tables that are not eventsourcing's own.

SQL is written with ``?`` placeholders; on PostgreSQL they become ``%s``. On PostgreSQL the
connection's search_path is the configured schema, created here if missing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg

from ledger.settings import Database


class SqlDatabase:
    """One connection, opened lazily; ``transaction()`` commits or rolls back as a unit."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._conn: Any = None

    @property
    def is_postgres(self) -> bool:
        return self.database.kind == "postgresql"

    def _connect(self) -> Any:
        if self._conn is None:
            if self.is_postgres:
                conn = psycopg.connect(self.database.psycopg_conninfo(), autocommit=True)
                if self.database.schema:
                    conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.database.schema}"')
                    conn.execute(f'SET search_path TO "{self.database.schema}"')
                conn.autocommit = False
                self._conn = conn
            else:
                path = self.database.sqlite_path
                assert path is not None
                path.parent.mkdir(parents=True, exist_ok=True)
                # Transactions are begun explicitly (see transaction()), not by the module.
                self._conn = sqlite3.connect(
                    str(path), timeout=30, check_same_thread=False, isolation_level=None
                )
                # Deleted vault rows are overwritten with zeros, not left in free pages.
                self._conn.execute("PRAGMA secure_delete = ON")
        return self._conn

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.is_postgres else sql

    @contextmanager
    def transaction(self, immediate: bool = False) -> Iterator[_Cursor]:
        """One transaction on this connection, committed at the end or rolled back.

        On SQLite ``immediate`` takes the database's write lock at BEGIN (so a
        read-then-write step can't be overtaken); PostgreSQL callers lock explicitly.
        """
        conn = self._connect()
        cursor = conn.cursor()
        if not self.is_postgres:
            cursor.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
        try:
            yield _Cursor(cursor, self)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement in its own transaction and return its rows (if any)."""
        with self.transaction() as cur:
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
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class _Cursor:
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
        for table in ("gongshi_events", "gongshi_vault_documents", "gongshi_vault_subjects"):
            conn.execute(f"DROP TABLE IF EXISTS {schema}{table}")
