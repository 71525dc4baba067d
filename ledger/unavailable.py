"""Which exceptions are database faults outside the code, and a password-free reason for them.

``unavailable(e)`` answers the one question the entry points ask of an exception: is this the
database being away, busy or locked (answer 503 with Retry-After, or exit 3 on the command
line), or a fault in the code (500)? It walks ``e``'s explicit ``__cause__`` chain (``raise
... from``), so eventsourcing's ``OperationalError`` wrapping a psycopg or sqlite3 error
(``raise OperationalError(e) from e``) is recognised by what it wraps. It does not follow
``__context__`` (implicit chaining): a bug raised while handling a fault, in an ``except`` or
``finally`` block, is a bug (500, with its traceback), not a 503. Code that turns a fault into
another exception must say ``from e``. The reasons come from a fixed vocabulary: never a
driver's message, which may echo a connection string.

``redact(text)`` removes passwords from database URLs and libpq conninfo strings in ``text``,
for the few places that must show a URL or a driver's message (logs, ConfigError).
"""

from __future__ import annotations

import re
import sqlite3

import psycopg
import psycopg_pool
from eventsourcing.persistence import ConnectionUnavailableError

# The fixed reasons (the HTTP problem's detail and /healthz show these, nothing else).
UNREACHABLE = "database unreachable"
CONNECTION_LOST = "database connection lost"
POOL_EXHAUSTED = "database connection pool exhausted"
POOL_CLOSED = "database connection pool closed"
LOCK_TIMEOUT = "database lock timeout"
LOCKED = "database is locked"
CANCELED = "database query canceled (timeout)"
SHUTTING_DOWN = "database server shutting down"
OUT_OF_RESOURCES = "database server out of resources"
CONFLICT = "database transaction conflict"
FILE_UNAVAILABLE = "database file unavailable"
DISK_ERROR = "database disk error"
READ_SIDE = "read database not ready or not readable"

# SQLSTATE (PostgreSQL error codes, appendix A) → reason. Class 08 is handled by prefix.
_SQLSTATE = {
    "55P03": LOCK_TIMEOUT,  # lock_not_available (lock_timeout, NOWAIT)
    "57014": CANCELED,  # query_canceled (statement_timeout, cancel request)
    "57P01": CONNECTION_LOST,  # admin_shutdown: pg_terminate_backend or server stop
    "57P02": SHUTTING_DOWN,  # crash_shutdown
    "57P03": SHUTTING_DOWN,  # cannot_connect_now (starting up / shutting down)
    "57P05": CONNECTION_LOST,  # idle_session_timeout
    "25P03": CONNECTION_LOST,  # idle_in_transaction_session_timeout
    "40001": CONFLICT,  # serialization_failure: retrying is the documented answer
    "40P01": CONFLICT,  # deadlock_detected: one side was rolled back, retrying is safe
}
_SQLITE = (  # sqlite3.OperationalError messages that are not the code's fault
    ("database is locked", LOCKED),
    ("database table is locked", LOCKED),
    ("database schema is locked", LOCKED),
    ("unable to open database file", FILE_UNAVAILABLE),
    ("disk i/o error", DISK_ERROR),
    ("database or disk is full", DISK_ERROR),
)


class ReadSideUnavailable(Exception):
    """The read database (a replica, api/read_side.py) lacks a table the read needs (not
    replayed yet) or refuses the read role a SELECT: not the code's fault, nor a reason to
    name SQL to a client. Raised ``from`` psycopg's UndefinedTable / InsufficientPrivilege
    on the read side only (the same errors on the primary are bugs: 500); named READ_SIDE."""


class Contention(Exception):
    """Concurrent writers kept taking the same stream's next version until the retries' time
    bound ran out (``ledger.app.retry_on_conflict``): contention, not a fault in the code.
    Raised ``from`` the last RecordConflictError; named CONFLICT."""


def unavailable(e: BaseException) -> str | None:
    """A short, password-free reason if ``e`` or an exception in its ``__cause__`` chain is a
    database fault outside the code (unreachable, connection lost or closed, pool exhausted or
    closed, lock timeout, SQLite "database is locked", ``Contention``, the read database not
    ready or not readable: ``ReadSideUnavailable``); None for anything
    else, including an exception merely raised while handling a fault (``__context__``)."""
    seen: set[int] = set()
    current: BaseException | None = e
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        reason = _reason(current)
        if reason is not None:
            return reason
        current = current.__cause__
    return None


def _reason(e: BaseException) -> str | None:
    if isinstance(e, Contention):
        return CONFLICT
    if isinstance(e, ReadSideUnavailable):
        return READ_SIDE
    if isinstance(e, psycopg_pool.PoolTimeout | psycopg_pool.TooManyRequests):
        return POOL_EXHAUSTED
    if isinstance(e, psycopg_pool.PoolClosed):
        return POOL_CLOSED
    if isinstance(e, ConnectionUnavailableError):  # eventsourcing's own (SQLite) pool
        return POOL_EXHAUSTED
    if isinstance(e, psycopg.InterfaceError):  # "the connection is closed", "lost"
        return CONNECTION_LOST
    if isinstance(e, psycopg.OperationalError):
        return _postgres_reason(e)
    if isinstance(e, sqlite3.OperationalError):
        text = str(e).lower()
        return next((reason for prefix, reason in _SQLITE if text.startswith(prefix)), None)
    if isinstance(e, sqlite3.ProgrammingError) and "closed database" in str(e):
        return CONNECTION_LOST
    return None


def _postgres_reason(e: psycopg.OperationalError) -> str | None:
    sqlstate = e.sqlstate
    if sqlstate is None:  # raised by libpq on the client side: no server answer
        if e.pgconn is not None and e.pgconn.status == psycopg.pq.ConnStatus.OK:
            return CONNECTION_LOST
        text = str(e).lower()
        if "connection failed" in text or "could not" in text or "timeout expired" in text:
            return UNREACHABLE
        return CONNECTION_LOST
    if sqlstate.startswith("08"):  # connection_exception
        return UNREACHABLE if sqlstate in ("08001", "08004") else CONNECTION_LOST
    if sqlstate.startswith("53"):  # insufficient_resources: too many connections, disk full
        return OUT_OF_RESOURCES
    if sqlstate.startswith("58"):  # system_error: I/O error
        return DISK_ERROR
    return _SQLSTATE.get(sqlstate)


_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]*):[^@\s]*@", re.IGNORECASE)
_KEYWORD_PASSWORD = re.compile(
    r"(?P<head>\b(?:ssl)?password\s*=\s*)(?:'(?:[^'\\]|\\.)*'|[^\s&]*)", re.IGNORECASE
)


def redact(text: str) -> str:
    """``text`` with every password in a URL (``scheme://user:PASSWORD@``) and every
    ``password=``/``sslpassword=`` value (conninfo or URL query) replaced by ``***``."""
    text = _URL_PASSWORD.sub(r"\g<head>:***@", text)
    return _KEYWORD_PASSWORD.sub(r"\g<head>***", text)
