"""Conditions a save checks inside its own transaction, after the events table's write lock:
what two writers in different processes must not both get past.

Optimistic concurrency covers writers of one stream. Two commands that write *different*
streams but must not interleave need more: opening a points book (the book's stream) while
the year-end close (the scheme's stream) commits its ranking of the books. Each states what it
read, and its save fails with a conflict (RecordConflictError: ``retry_on_conflict`` runs the
command again, on fresh state) if that changed before its own commit:

- ``stream_version(scheme, v)``: opening a book — the scheme is still at version ``v``, the
  one whose ``closed`` the command checked (a close or reopening since: retried, and refused
  as ``points.year_closed`` once the year is closed);
- ``topic_count("points.BookOpened", n)``: the close — no book was opened anywhere since its
  scan counted ``n`` (a book opened since: retried, and the book ranked and sealed); and
  ``topic_count("subject.Erased", n)``: no subject was erased since it read the erased ones
  (an erasure since: retried, and that cadre left out of the ranking and its cases).
- ``stream_version(principal, v)``: every save (``LedgerApp.save``) — each actor's registry
  stream is still at the version its rules were checked against (a role or scope changed
  since: checked again, and refused by the rule rather than stored under the old role).

The check runs in the save's transaction: on SQLite while holding the file's write lock (a
writer in another process that committed since this transaction's read is refused by
SQLite itself), on PostgreSQL after eventsourcing's ``LOCK TABLE ... IN EXCLUSIVE MODE`` (so
every earlier inserter has committed and is visible; a sync after the insert, then one
statement for all the conditions, raised at eventsourcing's own sync). The save's own records are
never the counted ones (a close opens no book, a book's save writes no scheme record, a save
of a principal's own stream does not guard it; a save that writes records of a counted topic,
as a mentoring pair's start under ``topic_count("mentoring.PairStarted", n)``, is checked
against the records of the others: PostgreSQL, counting after the insert, adds the save's own).
(ledger/idempotency.py's recorders call ``check``.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.persistence import IntegrityError

# {table}: the events table; {uuid}: a stream id parameter; {p}: a text parameter
QUERIES = {
    "version": "SELECT COALESCE(MAX(originator_version), 0) FROM {table}"
    " WHERE originator_id = {uuid}",
    "count": "SELECT COUNT(*) FROM {table} WHERE topic = {p}",
}


@dataclass(frozen=True, slots=True)
class Expect:
    query: str  # a key of QUERIES
    key: str  # the stream id or topic it is asked of
    value: int


def stream_version(stream: UUID, version: int) -> Expect:
    """``stream`` is still at ``version`` when the save commits."""
    return Expect("version", str(stream), version)


def stored_id(expect: Expect, sqlite: bool) -> str:
    """The parameter ``expect`` is asked with: a stream id as the backend stores it
    (eventsourcing's SQLite recorder stores a UUID's ``hex``)."""
    if expect.query == "version" and sqlite:
        return UUID(expect.key).hex
    return expect.key


def topic_count(topic: str, count: int) -> Expect:
    """The log still holds ``count`` records of ``topic`` when the save commits."""
    return Expect("count", topic, count)


_expected: ContextVar[tuple[Expect, ...]] = ContextVar("gongshi_guards", default=())


@contextmanager
def expecting(*conditions: Expect) -> Iterator[None]:
    """Every save inside the block checks ``conditions`` in its transaction."""
    token = _expected.set(_expected.get() + conditions)
    try:
        yield
    finally:
        _expected.reset(token)


def pending() -> tuple[Expect, ...]:
    return _expected.get()


class GuardConflict(IntegrityError):
    """A guarded condition changed before the save's commit (a RecordConflictError)."""


def first_broken(ask: Callable[[Expect], int]) -> tuple[Expect, int] | None:
    """The first pending condition whose value ``ask`` finds changed, with that value."""
    for expect in _expected.get():
        found = ask(expect)
        if found != expect.value:
            return expect, found
    return None


def message(broken: tuple[Expect, int]) -> str:
    expect, found = broken
    return f"guard: {expect.query} of {expect.key} is {found}, read as {expect.value}"
