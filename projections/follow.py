"""Keeping projections current: a polling follower thread, and read-your-writes waits.

Polling works on both databases (SQLite has no notifications); the interval bounds the lag
after a quiet period, and a busy log is followed batch after batch without sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from ledger.background import Periodic
from projections.registry import ProjectionSet

Clock = Callable[[], float]


class ProjectionFollower(Periodic):
    """Runs every projection's catch-up in a background thread until ``stop``: batch after
    batch while there is work, every ``interval`` s when idle. A failed step is kept in
    ``error`` and retried after a capped backoff (``ledger.background``); the next step that
    succeeds clears it."""

    eager = True

    def __init__(self, projections: ProjectionSet, interval: float = 0.2) -> None:
        super().__init__(interval, "projections")
        self.projections = projections

    def step(self) -> int:
        """One batch for every projection; the leaves applied (0: all caught up)."""
        return sum(runner.step() for runner in self.projections.select())


def wait_for(
    projections: ProjectionSet,
    position: int,
    names: Iterable[str] | None = None,
    timeout: float = 5.0,
    clock: Clock = time.monotonic,
    poll: float = 0.02,
) -> bool:
    """True once every named projection has applied leaves 0..position-1 (read-your-writes);
    False if ``timeout`` seconds pass first. Requires position >= 0."""
    if position < 0:
        raise ValueError("position must be >= 0")
    runners = projections.select(names)
    deadline = clock() + timeout
    while True:
        if all(runner.position() >= position for runner in runners):
            return True
        if clock() >= deadline:
            return False
        time.sleep(poll)
