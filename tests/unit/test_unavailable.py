"""unavailable(): which exceptions are database faults outside the code; redact(): no passwords."""

from __future__ import annotations

import sqlite3

import psycopg
import psycopg.errors
import psycopg_pool
import pytest
from eventsourcing.persistence import (
    ConnectionUnavailableError,
    IntegrityError,
    OperationalError,
    ProgrammingError,
)

from ledger.unavailable import (
    CONNECTION_LOST,
    LOCK_TIMEOUT,
    LOCKED,
    POOL_EXHAUSTED,
    redact,
    unavailable,
)


def wrapped(inner: BaseException, outer: BaseException) -> BaseException:
    """``outer`` raised ``from inner``, as eventsourcing's recorders do."""
    try:
        try:
            raise inner
        except BaseException as e:
            raise outer from e
    except BaseException as caught:
        return caught


def in_context(inner: BaseException, outer: BaseException) -> BaseException:
    """``outer`` raised while handling ``inner`` (implicit chaining)."""
    try:
        try:
            raise inner
        except BaseException:
            raise outer  # noqa: B904
    except BaseException as caught:
        return caught


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (psycopg.InterfaceError("the connection is closed"), CONNECTION_LOST),
        (psycopg_pool.PoolTimeout("couldn't get a connection after 5.00 sec"), POOL_EXHAUSTED),
        (psycopg_pool.TooManyRequests("the pool has already 8 requests waiting"), POOL_EXHAUSTED),
        (ConnectionUnavailableError("Timed out waiting for return of connection"), POOL_EXHAUSTED),
        (psycopg.errors.LockNotAvailable("canceling statement due to lock timeout"), LOCK_TIMEOUT),
        (psycopg.errors.AdminShutdown("terminating connection"), CONNECTION_LOST),
        (sqlite3.OperationalError("database is locked"), LOCKED),
        (wrapped(sqlite3.OperationalError("database is locked"), OperationalError("x")), LOCKED),
        (wrapped(psycopg.InterfaceError("closed"), OperationalError("x")), CONNECTION_LOST),
    ],
)
def test_faults_outside_the_code_have_a_reason(error: BaseException, reason: str) -> None:
    assert unavailable(error) == reason


def test_unreachable_server_is_recognised() -> None:
    with pytest.raises(psycopg.OperationalError) as caught:
        psycopg.connect("host=127.0.0.1 port=1 dbname=x connect_timeout=2")
    assert unavailable(caught.value) == "database unreachable"


@pytest.mark.parametrize(
    "error",
    [
        ValueError("boom"),
        sqlite3.OperationalError("no such table: gongshi_log_state"),
        sqlite3.OperationalError('near "SELEC": syntax error'),
        wrapped(sqlite3.OperationalError("no such table: x"), OperationalError("x")),
        OperationalError("wrapped nothing"),  # eventsourcing's, without a recognised cause
        ProgrammingError("relation does not exist"),
        IntegrityError("duplicate key"),
        psycopg.errors.UndefinedTable("relation x does not exist"),
        psycopg.errors.ObjectNotInPrerequisiteState("currval not yet defined"),
        # A bug raised while handling a fault is a bug (500 with its traceback), not a 503:
        in_context(sqlite3.OperationalError("database is locked"), KeyError("k")),
        in_context(psycopg_pool.PoolTimeout("after 5 s"), AttributeError("x")),
    ],
)
def test_faults_in_the_code_have_none(error: BaseException) -> None:
    assert unavailable(error) is None


def test_a_cycle_in_the_chain_ends() -> None:
    a, b = ValueError("a"), ValueError("b")
    a.__cause__, b.__cause__ = b, a
    assert unavailable(a) is None


@pytest.mark.parametrize(
    "text",
    [
        "postgresql://alice:s3cr%40t@db.example:5432/ledger?schema=x",
        "host=db user=alice password=s3cr@t dbname=ledger",
        "host=db password='s3cr@t with space' dbname=ledger",
        "postgresql://alice@db/ledger?password=s3cr@t&sslmode=require",
        "postgresql://alice@db/ledger?sslpassword=s3cr@t",
    ],
)
def test_redact_removes_the_password(text: str) -> None:
    out = redact(text)
    assert "s3cr" not in out
    assert "***" in out
    assert "alice" in out or "host=db" in out  # the rest stays readable


def test_redact_leaves_text_without_password_alone() -> None:
    text = "postgresql://alice@db.example:5432/ledger?sslmode=require"
    assert redact(text) == text


def test_conflicts_are_retried_with_jittered_backoff_then_named_contention() -> None:
    """retry_on_conflict: pauses drawn from [0, min(cap, first·2^(n-1))), growing; when the
    time bound would be passed, Contention from the last conflict, which is a 503 reason."""
    from eventsourcing.persistence import RecordConflictError

    from ledger.app import retry_on_conflict
    from ledger.unavailable import CONFLICT, Contention

    now = [0.0]
    pauses: list[float] = []

    def sleep(seconds: float) -> None:
        pauses.append(seconds)
        now[0] += seconds

    def conflict() -> None:
        now[0] += 0.01
        raise IntegrityError("UNIQUE constraint failed: stored_events.originator_id")

    with pytest.raises(Contention) as caught:
        retry_on_conflict(conflict, bound=1.0, backoff=(0.01, 0.08), sleep=sleep,
                          rand=lambda: 0.5, clock=lambda: now[0])  # fmt: skip
    assert pauses[:5] == pytest.approx([0.005, 0.01, 0.02, 0.04, 0.04])
    assert now[0] <= 1.0 + 0.01 and len(pauses) > 20  # more than the old 20 attempts
    assert isinstance(caught.value.__cause__, RecordConflictError)
    assert unavailable(caught.value) == CONFLICT

    calls = []

    def twice_then_done() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise IntegrityError("conflict")
        return "saved"

    assert retry_on_conflict(twice_then_done, sleep=lambda _: None) == "saved"
    assert len(calls) == 3
