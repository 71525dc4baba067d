"""Keeping projections current: a polling follower thread, and read-your-writes waits.

Polling works on both databases (SQLite has no notifications); the interval bounds the lag
after a quiet period, and a busy log is followed batch after batch without sleeping.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

from projections.registry import ProjectionSet

Clock = Callable[[], float]


class ProjectionFollower:
    """Runs every projection's catch-up in a background thread until ``stop``."""

    def __init__(self, projections: ProjectionSet, interval: float = 0.2) -> None:
        self.projections = projections
        self.interval = interval
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="projections", daemon=True)

    def start(self) -> ProjectionFollower:
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                moved = sum(runner.step() for runner in self.projections.select())
            except Exception as e:  # kept for the caller; the loop retries after a pause
                self.error = e
                moved = 0
            if not moved:
                self._stop.wait(self.interval)


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
