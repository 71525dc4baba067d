"""Making deleted rows leave the database's files (after an erasure).

A DELETE or UPDATE does not remove the old bytes from disk by itself:

- SQLite (WAL mode, as eventsourcing opens it): the old page images stay in ``ledger.db-wal``
  until a checkpoint copies the newest pages into ``ledger.db`` and the WAL is reset, which in
  a running server (connections always open) may never happen. Within a page, the old cell's
  bytes stay in free space unless ``secure_delete`` is on for the connection that deleted or
  rewrote it. So: every connection that deletes or rewrites personal rows has
  ``secure_delete`` on (``require_secure_delete`` checks ours), then ``checkpoint_sqlite``
  runs ``PRAGMA wal_checkpoint(TRUNCATE)``: every frame copied back and the WAL cut to zero
  bytes. It waits for readers that still use old frames, and raises rather than report
  success when they do not finish in time.
- PostgreSQL: a deleted or replaced tuple stays in the table's file (a dead tuple) until the
  table is rewritten. ``rewrite_postgres`` runs ``VACUUM FULL`` on the named tables, which
  writes each table (and its TOAST table and indexes) into a new file and drops the old one.
  VACUUM FULL copies a dead tuple that a still-open transaction may see, so it first waits
  until every transaction of this database that began before it has ended. VACUUM FULL holds
  an ACCESS EXCLUSIVE lock on each table while it copies it: reads and writes of that table
  wait (2.5 s for a 60 MB table with its indexes on a 2-core machine). The lock wait is
  bounded by ``lock_timeout``.

Out of reach of both, and of this module: PostgreSQL's WAL segments and archives, replicas,
backups, file-system snapshots, and blocks a file system freed but did not overwrite.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

from ledger.db import SqlDatabase
from ledger.errors import LedgerError
from ledger.settings import Database

APPLICATION_NAME = "gongshi-erasure"  # how the rewrite shows in pg_stat_activity
Clock = Callable[[], float]


class ScrubIncomplete(LedgerError):
    """Deleted rows may still be in a database file. ``where`` names the file or tables,
    ``blockers`` what held them (connections, with pid, application and since when)."""

    def __init__(self, where: str, reason: str, blockers: Sequence[str] = ()) -> None:
        text = f"{where}: {reason}"
        if blockers:
            text += f" (held by {'; '.join(blockers)})"
        super().__init__(text)
        self.where = where
        self.reason = reason
        self.blockers = list(blockers)


def require_secure_delete(db: SqlDatabase) -> None:
    """SQLite: ScrubIncomplete unless ``db``'s connection (this thread's) zeroes deleted
    content (``PRAGMA secure_delete``); a no-op on PostgreSQL."""
    if db.is_postgres:
        return
    with db.transaction(immediate=False) as cur:
        found = cur.execute("PRAGMA secure_delete")
    if not found or int(found[0][0]) != 1:
        raise ScrubIncomplete(
            str(db.database.sqlite_path),
            "the connection's secure_delete is off: deleted rows would stay in free space",
        )


def checkpoint_sqlite(
    path: Path,
    wait: float = 5.0,
    clock: Clock = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """``PRAGMA wal_checkpoint(TRUNCATE)`` on the SQLite database at ``path``: every WAL frame
    copied into the main file and the WAL truncated to zero bytes. Retried for up to ``wait``
    seconds (>= 0) while a reader or writer blocks it; ScrubIncomplete if it never succeeds.

    Requires that the caller holds no open transaction on the database (it would block it)."""
    deadline = clock() + wait
    attempts = 0
    while True:
        attempts += 1
        # A connection of its own: the checkpoint can't run inside a transaction, and a short
        # busy timeout per attempt keeps the whole wait bounded by ``wait``.
        conn = sqlite3.connect(str(path), timeout=min(0.2, wait), isolation_level=None)
        try:
            busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            reason = f"wal_checkpoint(TRUNCATE) busy: {copied} of {frames} frames copied"
        except sqlite3.OperationalError as e:  # "database is locked" from the busy handler
            busy, reason = 1, f"wal_checkpoint(TRUNCATE) failed: {e}"
        finally:
            conn.close()
        if busy == 0:
            return
        if clock() >= deadline:
            raise ScrubIncomplete(
                f"{path}-wal",
                f"{reason} after {attempts} attempts in {wait:g} s: a connection still reads"
                " old frames, which keep the deleted rows until the WAL is checkpointed",
            )
        sleep(0.05)


def _older_transactions(conn: psycopg.Connection[TupleRow], since: datetime) -> list[str]:
    """This database's client transactions (other than ``conn``'s) begun before ``since``."""
    rows = conn.execute(
        "SELECT pid, application_name, state, xact_start FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        " AND backend_type = 'client backend' AND xact_start < %s ORDER BY xact_start",
        (since,),
    ).fetchall()
    return [
        f"pid {pid} {application or '-'} {state} since {started.isoformat()}"
        for pid, application, state, started in rows
    ]


def rewrite_postgres(
    database: Database,
    tables: Sequence[str],
    wait: float = 5.0,
    clock: Clock = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """VACUUM FULL each of ``tables`` (those that exist, in the database's schema) once no
    transaction that began before this call is still open; ScrubIncomplete, naming the
    connections, if one is still open after ``wait`` seconds (>= 0) or a table's lock is not
    granted within the remaining time. Requires that every delete and rewrite of the data has
    committed before the call. Uses one connection of its own (VACUUM can't run in a
    transaction), closed before returning."""
    deadline = clock() + wait
    with psycopg.connect(
        database.psycopg_conninfo(), autocommit=True, application_name=APPLICATION_NAME
    ) as conn:
        if database.schema:
            conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(database.schema)))
        # Taken once, now: transactions begun later than this began after the deletes
        # committed, so no snapshot of theirs sees the old tuples.
        since = conn.execute("SELECT clock_timestamp()").fetchone()[0]  # type: ignore[index]
        while blockers := _older_transactions(conn, since):
            if clock() >= deadline:
                raise ScrubIncomplete(
                    f"tables {', '.join(tables)}",
                    f"transactions older than the erasure still open after {wait:g} s; they"
                    " may see the deleted rows, so VACUUM FULL would keep them",
                    blockers,
                )
            sleep(0.05)
        remaining_ms = max(100, int((deadline - clock()) * 1000))
        conn.execute(sql.SQL("SET lock_timeout = {}").format(sql.Literal(remaining_ms)))
        for table in tables:
            if conn.execute("SELECT to_regclass(%s)", (table,)).fetchone() == (None,):
                continue
            try:
                conn.execute(sql.SQL("VACUUM FULL {}").format(sql.Identifier(table)))
            except psycopg.errors.LockNotAvailable:
                raise ScrubIncomplete(
                    f"table {table}", f"VACUUM FULL's lock not granted in {remaining_ms} ms"
                ) from None
