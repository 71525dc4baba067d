"""A projection's position read once for all the requests waiting for it (single flight).

Every public list request reads its projection's position (its cache key). Under load many
requests want the same position at the same moment; one database read serves all of those
that arrived before it started, so the answer is exactly as fresh as each request's own
read would have been: a request uses a read only if the read began after the request
arrived, never an older value (there is no time-to-live and nothing to invalidate). A
request that arrives while an older read is under way waits for it to end and then shares
the next one.

A failure is shared as a value is: every request that was waiting for a read that fails
(the database or replica down: the pool waits its timeout, then raises) gets that read's
exception at once, since the read ended after the request arrived, which is as recent as
its own failure would have been. Otherwise the waiters would fly one read after another,
each waiting the pool timeout again: the k-th request answered 503 after k timeouts. A
request arriving after the failure starts a new read.

One ``SharedPositions`` per app, used on its event loop (the read itself runs in the thread
pool); reads of different loops are never shared.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from api.read_side import Mark

if TYPE_CHECKING:
    from api.services import Services

Clock = Callable[[], float]
V = TypeVar("V")


class SharedPositions(Generic[V]):
    """``await get(name)``: ``read(name)`` begun no earlier than the call (the app's: a
    projection's ``Mark``, its position and generation)."""

    def __init__(self, read: Callable[[str], V], clock: Clock = time.monotonic) -> None:
        self._read, self._clock = read, clock
        self._done: dict[tuple[int, str], tuple[float, V]] = {}  # began, value
        self._flying: dict[tuple[int, str], tuple[float, asyncio.Future[None]]] = {}
        self._failed: dict[tuple[int, str], tuple[float, Exception]] = {}  # ended, error
        self.reads = 0  # database reads (a test counts them)

    async def get(self, name: str) -> V:
        arrived = self._clock()
        key = (id(asyncio.get_running_loop()), name)
        while True:
            done = self._done.get(key)
            if done is not None and done[0] >= arrived:
                return done[1]
            failed = self._failed.get(key)
            if failed is not None and failed[0] >= arrived:  # failed after this arrived
                raise failed[1]
            flying = self._flying.get(key)
            if flying is None:
                return await self._fly(key, name)
            # a read under way: if it began after this request arrived its value is kept in
            # _done (above, next turn); if it failed, its error in _failed (raised above, next
            # turn); if it began before this request arrived and succeeded, the next read is ours
            await asyncio.wait([flying[1]])

    async def _fly(self, key: tuple[int, str], name: str) -> V:
        began = self._clock()
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._flying[key] = (began, future)
        try:
            self.reads += 1
            try:
                value = await run_in_threadpool(self._read, name)
            except Exception as e:
                self._failed[key] = (self._clock(), e)  # for the waiters: raised by each
                raise
            done = self._done.get(key)
            if done is None or done[0] <= began:
                self._done[key] = (began, value)
            return value
        finally:
            del self._flying[key]
            future.set_result(None)  # wakes the waiters, who look at _done


def shared_positions(request: Request, s: Services) -> SharedPositions[Mark]:
    """The app's shared reads of a projection's mark (position and generation) over its read
    side (made on first use, on the event loop: no other request runs meanwhile)."""
    state = request.app.state
    found: SharedPositions[Mark] | None = getattr(state, "shared_positions", None)
    if found is None:
        found = state.shared_positions = SharedPositions(s.read.mark)
    return found
