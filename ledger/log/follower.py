"""A background thread that integrates new records every ``interval`` seconds.

Run by long-lived processes (the HTTP server) so that a record acknowledged to a caller is
in the log within ``interval`` plus one integration step; short-lived commands call
``LogStore.integrate()`` before they exit instead.
"""

from __future__ import annotations

import logging
import threading

from ledger.log.store import LogStore

log = logging.getLogger(__name__)


class LogFollower:
    def __init__(self, store: LogStore, interval: float = 0.2) -> None:
        if interval <= 0:
            raise ValueError("interval must be positive")
        self.store = store
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gongshi-log-follower", daemon=True)
        self.error: BaseException | None = None

    def start(self) -> LogFollower:
        self._thread.start()
        return self

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.store.integrate()
            except Exception as e:  # keep following; the error is kept for health checks
                self.error = e
                log.exception("log integration failed")
            self._stop.wait(self.interval)
