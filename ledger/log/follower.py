"""A background thread that integrates new records every ``interval`` seconds.

Run by long-lived processes (the HTTP server) so that a record acknowledged to a caller is
in the log within ``interval`` plus one integration step; short-lived commands call
``LogStore.integrate()`` before they exit instead.
"""

from __future__ import annotations

from ledger.background import Periodic
from ledger.log.store import LogStore


class LogFollower(Periodic):
    def __init__(self, store: LogStore, interval: float = 0.2) -> None:
        super().__init__(interval, "gongshi-log-follower")
        self.store = store

    def step(self) -> int:
        return self.store.integrate()
