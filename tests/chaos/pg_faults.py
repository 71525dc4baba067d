"""PostgreSQL faults for the chaos suite: terminating the server's own backends.

Only backends of the test database (``datname = current_database()``) whose
application_name is the one this test gave its server are terminated: never another
database's, another test's, or the shared server itself (which is never restarted).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import psycopg

TERMINATE = (
    "SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
    " AND application_name = %s"
)
COUNT = (
    "SELECT count(*) FROM pg_stat_activity"
    " WHERE datname = current_database() AND application_name = %s"
)


def terminate(conninfo: str, app_name: str) -> int:
    """Terminate every backend of this database named ``app_name``; how many there were.

    Requires a non-empty ``app_name`` (an empty one would match other clients)."""
    assert app_name.startswith("gongshi-chaos-"), app_name
    with psycopg.connect(conninfo, autocommit=True, application_name="gongshi-chaos-killer") as c:
        return len(c.execute(TERMINATE, (app_name,)).fetchall())


def backends(conninfo: str, app_name: str) -> int:
    """How many backends of this database are named ``app_name`` now."""
    with psycopg.connect(conninfo, autocommit=True, application_name="gongshi-chaos-killer") as c:
        row = c.execute(COUNT, (app_name,)).fetchone()
        return int(row[0]) if row else 0


@dataclass
class Terminator:
    """A thread that terminates the named backends every ``every`` seconds until stopped."""

    conninfo: str
    app_name: str
    every: float
    terminated: int = 0
    rounds: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> Terminator:
        self._thread = threading.Thread(target=self._run, daemon=True, name="terminator")
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join(30)

    def _run(self) -> None:
        with psycopg.connect(self.conninfo, autocommit=True,
                             application_name="gongshi-chaos-killer") as conn:  # fmt: skip
            while not self._stop.is_set():
                self.terminated += len(conn.execute(TERMINATE, (self.app_name,)).fetchall())
                self.rounds += 1
                self._stop.wait(self.every)
