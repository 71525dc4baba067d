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
  until nothing older than the erasure holds back the database's xmin horizon: every
  transaction of this database that began before it (a long report, a ``pg_dump``), prepared
  transactions, replication slots and walsenders reporting a standby's older xmin
  (hot_standby_feedback). VACUUM FULL holds an ACCESS EXCLUSIVE lock on each table while it
  copies it: reads and writes of that table wait (2.5 s for a 60 MB table with its indexes on
  a 2-core machine). Each table's lock wait is bounded by ``lock_timeout``, set from the time
  left.

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


def _older_transactions(conn: psycopg.Connection[TupleRow], since: datetime, xid: str) -> list[str]:
    """What may still see rows deleted before ``since`` (the erasure's own transaction id
    ``xid``), other than ``conn``: this database's client transactions begun before
    ``since``; prepared transactions (two-phase commit) of this database prepared before it or
    with an older transaction id; replication slots whose ``xmin`` is older (a standby's
    hot_standby_feedback through a slot: it holds the horizon of every database); walsenders
    whose ``backend_xmin`` is older (feedback without a slot; physical ones serve every
    database). A slot's ``catalog_xmin`` (logical decoding) holds back only the system
    catalogs, not our tables' dead rows, so it is not a blocker."""
    older = "age({}) > age(%(xid)s::xid)"
    rows = conn.execute(
        "SELECT 'pid ' || pid || ' ' || coalesce(nullif(application_name, ''), '-') || ' '"
        "       || coalesce(state, '-') || ' since ' || xact_start, xact_start"
        " FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        "   AND backend_type = 'client backend' AND xact_start < %(since)s"
        " UNION ALL"
        " SELECT 'prepared transaction ' || quote_literal(gid) || ' (xid ' || transaction"
        "        || ', owner ' || owner || ') since ' || prepared, prepared"
        " FROM pg_prepared_xacts"
        " WHERE database = current_database()"
        f"  AND (prepared < %(since)s OR {older.format('transaction')})"
        " UNION ALL"
        " SELECT 'replication slot ' || quote_literal(slot_name) || ' (' || slot_type"
        "        || ', xmin ' || xmin || ')', NULL"
        f" FROM pg_replication_slots WHERE xmin IS NOT NULL AND {older.format('xmin')}"
        " UNION ALL"
        " SELECT 'walsender pid ' || pid || ' ' || coalesce(nullif(application_name, ''), '-')"
        "        || ' (backend_xmin ' || backend_xmin || ')', backend_start"
        " FROM pg_stat_activity"
        " WHERE backend_type = 'walsender' AND backend_xmin IS NOT NULL"
        "   AND (datname IS NULL OR datname = current_database())"
        f"  AND {older.format('backend_xmin')}"
        " ORDER BY 2 NULLS LAST, 1",
        {"since": since, "xid": xid},
    ).fetchall()
    return [str(what) for what, _ in rows]


def rewrite_postgres(
    database: Database,
    tables: Sequence[str],
    wait: float = 5.0,
    clock: Clock = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """VACUUM FULL each of ``tables`` (those that exist, in the database's schema) once
    nothing older than this call holds back the xmin horizon (transactions begun before it,
    prepared transactions, replication slots and walsenders with an older xmin);
    ScrubIncomplete, naming them, if one still does after ``wait`` seconds (>= 0) or a
    table's lock is not granted within the time left. Requires that every delete and
    rewrite of the data has committed before the call. Uses one connection of its own
    (VACUUM can't run in a transaction), closed before returning."""
    deadline = clock() + wait
    with psycopg.connect(
        database.psycopg_conninfo(), autocommit=True, application_name=APPLICATION_NAME
    ) as conn:
        if database.schema:
            conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(database.schema)))
        # Taken once, now: transactions begun later than this began after the deletes
        # committed, so no snapshot of theirs sees the old tuples; the transaction id (this
        # statement's) is newer than every delete's.
        since, xid = conn.execute(  # type: ignore[misc]
            "SELECT clock_timestamp(), pg_current_xact_id()::xid::text"
        ).fetchone()
        while blockers := _older_transactions(conn, since, xid):
            if clock() >= deadline:
                raise ScrubIncomplete(
                    f"tables {', '.join(tables)}",
                    f"transactions older than the erasure still open after {wait:g} s; they"
                    " may see the deleted rows, so VACUUM FULL would keep them",
                    blockers,
                )
            sleep(0.05)
        for table in tables:
            if conn.execute("SELECT to_regclass(%s)", (table,)).fetchone() == (None,):
                continue
            # Each table's lock wait bounded by the time left, so the whole call stays
            # within ``wait`` (one lock_timeout for all would allow it once per table).
            remaining_ms = max(100, int((deadline - clock()) * 1000))
            conn.execute(sql.SQL("SET lock_timeout = {}").format(sql.Literal(remaining_ms)))
            try:
                conn.execute(sql.SQL("VACUUM FULL {}").format(sql.Identifier(table)))
            except psycopg.errors.LockNotAvailable:
                raise ScrubIncomplete(
                    f"table {table}", f"VACUUM FULL's lock not granted in {remaining_ms} ms"
                ) from None
