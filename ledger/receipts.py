"""Receipts: the recordings a unit of work's saves produced, kept for its answer.

``LedgerApp.save`` returns eventsourcing ``Recording``s (the event and its notification: id,
stream, version, stored state). Inside ``with capture() as saved:`` every successful save of
this context appends its recordings to ``saved``; a save that raised (a conflict that
``retry_on_conflict`` will retry, a refused key) appends nothing. A write's answer is built
from these, never by re-reading "the newest record", which under concurrency is someone
else's.

The scope is a context variable: each request (asyncio task, or thread) has its own, and a
worker thread started with a copy of the context (Starlette's threadpool) appends to the same
list as the request that started it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Recording

_active: ContextVar[list[Recording[UUID]] | None] = ContextVar("gongshi_receipts", default=None)


@contextmanager
def capture() -> Iterator[list[Recording[UUID]]]:
    """Collect the recordings of every save made in this context until the block ends.

    Nested captures each see only the saves made while they are the innermost one.
    """
    saved: list[Recording[UUID]] = []
    token = _active.set(saved)
    try:
        yield saved
    finally:
        _active.reset(token)


def keep(recordings: Sequence[Recording[Any]]) -> None:
    """Called by ``LedgerApp.save`` after a save succeeded; a no-op outside ``capture()``."""
    saved = _active.get()
    if saved is not None:
        saved.extend(recordings)


def captured() -> list[Recording[UUID]] | None:
    """The recordings captured so far in this context; None outside ``capture()``."""
    return _active.get()
