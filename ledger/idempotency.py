"""Idempotency keys, recorded in the same database transaction as the write's events.

    gongshi_idempotency (principal, idempotency_key, request_hash, records, created_at,
                         status, response)
        one row per (principal, key) that made a write: the request's fingerprint (an
        HMAC of method, path, query and body, computed by the API), the records the write
        saved as JSON [[stream, version], ...], when (Unix seconds), and once the answer
        was built, its status and body bytes.

While ``with pending(PendingKey(...)):`` is active, every save of this context also writes the
key's row, inside the transaction that inserts the events (the recorder subclasses below,
chosen with eventsourcing's APPLICATION_RECORDER_TOPIC by ``ledger.app.open_app``): the first
save inserts it, later saves of the same request add their records. The primary key
(principal, idempotency_key) makes a concurrent duplicate's whole save roll back with
``KeyInUse`` — one write, whichever server or process it came through. The key row is
inserted *before* the events, so on PostgreSQL a duplicate waits on the key (not on the
events table lock) and then finds it taken.

Records are named by (stream, version), not notification id: both identify the record, and
(stream, version) is known before the insert, which lets the key take its slot first.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.persistence import Recording, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from eventsourcing.utils import get_topic
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier, Literal

from ledger import guards
from ledger.db import SqlDatabase
from ledger.factories import take_write_turn

TABLE = "gongshi_idempotency"
COLUMNS = (
    "principal TEXT NOT NULL, idempotency_key TEXT NOT NULL, request_hash TEXT NOT NULL,"
    " records TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL, status INTEGER,"
    " response {blob}, PRIMARY KEY (principal, idempotency_key)"
)
INSERT = (
    "INSERT INTO {table} (principal, idempotency_key, request_hash, records, created_at)"
    " VALUES ({p}, {p}, {p}, {p}, {p}) ON CONFLICT (principal, idempotency_key) DO NOTHING"
    " RETURNING principal"
)
ADD_RECORDS = (
    "UPDATE {table} SET records = {p} WHERE principal = {p} AND idempotency_key = {p}"
    " RETURNING principal"
)
Record = tuple[str, int]  # (stream, version)
GUARD_ABORT = (  # {changed}: "(query) <> value" per condition, joined by OR
    "DO $$ BEGIN IF {changed} THEN RAISE unique_violation USING MESSAGE ="
    " 'gongshi guard: a condition read before this save changed (ledger/guards.py)';"
    " END IF; END $$"
)


class KeyInUse(Exception):
    """Another request with this principal's key saved first; this save was rolled back.

    Deliberately not a RecordConflictError: ``retry_on_conflict`` must not retry it.
    """

    def __init__(self, principal: str, key: str) -> None:
        super().__init__(f"idempotency key {key!r} of {principal!r} is already recorded")
        self.principal = principal
        self.key = key


@dataclass
class PendingKey:
    """A request's key; ``records`` fills as its saves succeed (``recorded`` once any did)."""

    principal: str
    key: str
    request_hash: str
    records: list[Record] = field(default_factory=list)

    @property
    def recorded(self) -> bool:
        return bool(self.records)


_pending: ContextVar[PendingKey | None] = ContextVar("gongshi_idempotency", default=None)


@contextmanager
def pending(key: PendingKey) -> Iterator[PendingKey]:
    """Record ``key`` with every save made in this context until the block ends."""
    token = _pending.set(key)
    try:
        yield key
    finally:
        _pending.reset(token)


@contextmanager
def deferred() -> Iterator[None]:
    """Saves in this block do not carry the request's key: the resumable first steps of a
    command whose last commit carries it (ledger/points/year_close.py seals book by book,
    then commits the close). A retry after a failure among those steps finds no key and runs
    the command again, which skips what was done and finishes it."""
    token = _pending.set(None)
    try:
        yield
    finally:
        _pending.reset(token)


def current() -> PendingKey | None:
    """The key of the request running in this context (None without one)."""
    return _pending.get()


def saved(recordings: Sequence[Recording[Any]]) -> None:
    """Called by ``LedgerApp.save`` after a save committed: the key now holds its records."""
    key = _pending.get()
    if key is not None:
        key.records.extend(_records_of_recordings(recordings))


def _records_of_recordings(recordings: Sequence[Recording[Any]]) -> list[Record]:
    return [
        (str(r.notification.originator_id), r.notification.originator_version) for r in recordings
    ]


def _records_of(stored: Sequence[StoredEvent]) -> list[Record]:
    return [(str(e.originator_id), e.originator_version) for e in stored]


def _statement(
    key: PendingKey, stored: Sequence[StoredEvent]
) -> tuple[str, tuple[Any, ...]] | None:
    """What to write for ``key`` in the transaction inserting ``stored`` (None: nothing)."""
    if not stored:
        return None
    records = json.dumps([*key.records, *_records_of(stored)])
    if key.recorded:
        return ADD_RECORDS, (records, key.principal, key.key)
    return INSERT, (key.principal, key.key, key.request_hash, records, time.time())


class IdempotentSQLiteRecorder(SQLiteApplicationRecorder):
    """SQLite: the key row is written by the statement before the events, same transaction.

    ``insert_events`` takes the file's write turn (``ledger.factories``) before it asks the
    pool for a connection: the pool takes its writer lock (the same re-entrant turn, so free
    to us then) while holding the single permit every reader passes through, and a writer
    waiting there for the turn blocked every eventsourcing read in the process.
    """

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        pool = self.datastore.pool
        if pool.is_sqlite_memory_mode:
            return super().insert_events(stored_events, **kwargs)
        turn = take_write_turn(pool.db_name, pool.pool_timeout)
        try:
            return super().insert_events(stored_events, **kwargs)
        finally:
            turn.release()

    def construct_create_table_statements(self) -> list[str]:
        table = f"CREATE TABLE IF NOT EXISTS {TABLE} ({COLUMNS.format(blob='BLOB')})"
        return [*super().construct_create_table_statements(), table]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        key = _pending.get()
        statement = None if key is None else _statement(key, stored_events)
        if key is not None and statement is not None:
            sql, params = statement
            c.execute(sql.format(table=TABLE, p="?"), params)
            if c.fetchone() is None:
                raise KeyInUse(key.principal, key.key)
        if stored_events and guards.pending():
            if statement is None:
                # Take the write lock before the guards' reads: eventsourcing's BEGIN is
                # deferred, and a transaction that reads first and then writes gets
                # SQLITE_BUSY at once (no busy wait) when another process wrote meanwhile.
                # A statement that writes nothing still takes it, waiting the busy timeout.
                c.execute(f"DELETE FROM {TABLE} WHERE 0")
            if broken := guards.first_broken(lambda e: self._ask(c, e)):
                raise guards.GuardConflict(guards.message(broken))  # ledger/guards.py
        return super()._insert_events(c, stored_events, **kwargs)

    def _ask(self, c: SQLiteCursor, expect: guards.Expect) -> int:
        query = guards.QUERIES[expect.query]
        key = guards.stored_id(expect, sqlite=True)
        c.execute(query.format(table=self.events_table_name, uuid="?", p="?"), (key,))
        return int(c.fetchone()[0])


def _unretried(method: Any) -> Any:
    """``method`` without eventsourcing's ``@retry`` wrapper (functools.wraps keeps the
    original as ``__wrapped__``)."""
    return getattr(method, "__wrapped__", method)


class IdempotentPostgresRecorder(PostgresApplicationRecorder):
    """PostgreSQL: the key row is written first in the pipeline of the events' transaction.

    ``_insert_events`` runs inside ``conn.transaction()`` before the events' insert (and
    before eventsourcing's table lock), so raising there rolls the whole save back.

    eventsourcing wraps these methods in ``@retry((InterfaceError, OperationalError),
    max_attempts=10, wait=0.2)``; here they run once. With the wrapper one fault cost up to
    ten pool timeouts or lock timeouts per call (about 52 s per request in an outage, every
    request thread blocked), and an insert whose COMMIT was lost on the way back was run
    again: the second insert found its own records (UniqueViolation, a RecordConflictError),
    and ``retry_on_conflict`` re-ran the command on top of them, a double write answered
    201. Now a fault is one prompt error (``ledger.unavailable``: 503); a client retries with
    its Idempotency-Key, which finds the write if the COMMIT did land.
    """

    insert_events = _unretried(PostgresApplicationRecorder.insert_events)
    select_events = _unretried(PostgresApplicationRecorder.select_events)
    select_notifications = _unretried(PostgresApplicationRecorder.select_notifications)
    max_notification_id = _unretried(PostgresApplicationRecorder.max_notification_id)

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        self._table = SQL("{}.{}").format(Identifier(datastore.schema), Identifier(TABLE))
        self.sql_create_statements.append(
            SQL("CREATE TABLE IF NOT EXISTS {} (" + COLUMNS.format(blob="BYTEA") + ")").format(
                self._table
            )
        )

    def _insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        key = _pending.get()
        statement = None if key is None else _statement(key, stored_events)
        if key is not None and statement is not None:
            sql, params = statement
            query: Composed = SQL(sql.replace("{p}", "%s")).format(table=self._table)
            curs.execute(query, params)
            # Fetching syncs the pipeline: the duplicate of an uncommitted key waits here
            # until that transaction ends, then inserts nothing and returns no row.
            if curs.fetchone() is None:
                raise KeyInUse(key.principal, key.key)
        super()._insert_events(curs, stored_events, **kwargs)

    def _insert_stored_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        """The events' insert (after eventsourcing's table lock), a sync, then ledger/
        guards.py's conditions: one statement each, which aborts the transaction as a unique
        violation if its condition changed (raised at eventsourcing's own sync, next, as a
        RecordConflictError, like a stream conflict). The sync first surfaces the insert's
        own unique violation (two writers of one stream version) as eventsourcing would: a
        statement queued after a failed insert, or a fetch before the sync, left the
        pipeline aborted without its sync, and the conflict surfaced as "pipeline aborted",
        an OperationalError that no retry runs again. Nothing is fetched here.

        The conditions go in one statement: with one statement per condition, a failed
        condition left the later ones' PIPELINE_ABORTED results in the queue whenever its
        error arrived while psycopg was still sending (its ``_communicate_gen`` raises without
        fetching the rest), and the transaction's exit then raised "pipeline aborted" instead
        of the conflict (test_year_close's book opened while the close commits, seen in CI).
        Being after the insert, a topic count includes the save's own records of that topic:
        they are added to the value expected (a count is of the other writers' records, as
        SQLite's check before the insert finds it; a mentoring pair's start saves a
        ``mentoring.PairStarted`` under that topic's count)."""
        super()._insert_stored_events(curs, stored_events, **kwargs)
        if not guards.pending():
            return
        with curs.connection.pipeline() as pipeline:  # the pipeline the save is in
            pipeline.sync()
        with curs.connection.cursor() as other:  # ``curs`` keeps the insert's RETURNING
            other.execute(self._guard(guards.pending(), stored_events))

    def _guard(
        self, expects: Sequence[guards.Expect], stored_events: Sequence[StoredEvent] = ()
    ) -> Composed:
        """One statement that aborts if any of ``expects`` changed (``stored_events``: the
        save's own, inserted already: counted on top of a topic count's value)."""
        events = SQL("{}.{}").format(
            Identifier(self.datastore.schema), Identifier(self.events_table_name)
        )
        changed = []
        for expect in expects:
            key = SQL("{}::uuid" if expect.query == "version" else "{}").format(Literal(expect.key))
            query = guards.QUERIES[expect.query].replace("{uuid}", "{key}").replace("{p}", "{key}")
            found = SQL(query).format(table=events, key=key)
            own = sum(expect.query == "count" and e.topic == expect.key for e in stored_events)
            changed.append(SQL("({}) <> {}").format(found, Literal(expect.value + own)))
        return SQL(GUARD_ABORT).format(changed=SQL(" OR ").join(changed))


def recorder_topic(kind: str) -> str:
    """The APPLICATION_RECORDER_TOPIC for a database ``kind`` ("sqlite" or "postgresql")."""
    if kind == "sqlite":
        return get_topic(IdempotentSQLiteRecorder)
    return get_topic(IdempotentPostgresRecorder)


@dataclass(frozen=True)
class StoredKey:
    """A recorded key: the request it was first used for and what that request wrote."""

    request_hash: str
    records: list[Record]
    created_at: float
    status: int | None
    response: bytes | None


class KeyStore:
    """Reads recorded keys and stores the answers given to them (plain SQL on ``db``)."""

    def __init__(self, db: SqlDatabase) -> None:
        self.db = db

    def find(self, principal: str, key: str) -> StoredKey | None:
        rows = self.db.execute(
            f"SELECT request_hash, records, created_at, status, response FROM {TABLE}"
            " WHERE principal = ? AND idempotency_key = ?",
            (principal, key),
        )
        if not rows:
            return None
        request_hash, records, created_at, status, response = rows[0]
        return StoredKey(
            request_hash=str(request_hash),
            records=[(str(s), int(v)) for s, v in json.loads(records)],
            created_at=float(created_at),
            status=None if status is None else int(status),
            response=None if response is None else bytes(response),
        )

    def answer(self, principal: str, key: str, status: int, body: bytes) -> None:
        """Store the first answer given for a recorded key (a later one never replaces it)."""
        self.db.execute(
            f"UPDATE {TABLE} SET status = ?, response = ?"
            " WHERE principal = ? AND idempotency_key = ? AND response IS NULL",
            (status, body, principal, key),
        )

    def expire(self, before: float, principal: str | None = None, key: str | None = None) -> int:
        """Delete the keys recorded before ``before`` (Unix seconds), or only that one key;
        returns how many were deleted."""
        sql = f"DELETE FROM {TABLE} WHERE created_at < ?"
        params: tuple[Any, ...] = (before,)
        if principal is not None and key is not None:
            sql += " AND principal = ? AND idempotency_key = ?"
            params += (principal, key)
        with self.db.transaction() as cur:
            cur.execute(sql, params)
            return cur.rowcount

    def count(self) -> int:
        """How many keys are recorded (for tests and operators)."""
        return int(self.db.execute(f"SELECT COUNT(*) FROM {TABLE}")[0][0])
