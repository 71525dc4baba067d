"""A background thread that runs one step every ``interval`` seconds until stopped.

Used by the log's follower and the checkpoint scheduler: a step that raises is logged and
kept in ``error`` (for /healthz) and the loop goes on; a step that succeeds clears it.
"""

from __future__ import annotations

import logging
import threading
from typing import Self

log = logging.getLogger(__name__)


class Periodic:
    """Subclasses define ``step()``; ``start()`` runs it every ``interval`` s in a daemon
    thread named ``name``, ``stop()`` ends the loop and waits for it."""

    def __init__(self, interval: float, name: str) -> None:
        if interval <= 0:
            raise ValueError("interval must be positive")
        self.interval = interval
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def step(self) -> object:
        raise NotImplementedError

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.step()
                self.error = None
            except Exception as e:  # keep going; the error is kept for health checks
                self.error = e
                log.exception("%s failed", self._thread.name)
            self._stop.wait(self.interval)
