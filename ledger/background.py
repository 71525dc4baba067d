"""A background thread that runs one step every ``interval`` seconds until stopped.

Used by the log's follower, the projections' follower and the checkpoint scheduler. A step
that raises is kept in ``error`` (for /healthz) and logged with a password-free reason; the
next attempt comes after a capped exponential backoff (0.2 s, 0.4 s, ... at most 5 s), and
the first step that succeeds clears ``error``. Nothing here holds a connection between
steps: each step borrows one (``SqlDatabase``), so a step after the database came back
succeeds without a restart.
"""

from __future__ import annotations

import logging
import threading
from typing import Self

from ledger.unavailable import redact, unavailable

log = logging.getLogger(__name__)

BACKOFF = (0.2, 5.0)  # seconds: the first retry's delay, and the cap


def backoff_delay(failures: int, first: float = BACKOFF[0], cap: float = BACKOFF[1]) -> float:
    """The pause after ``failures`` consecutive failures (>= 1): first · 2^(failures-1),
    at most ``cap``."""
    return min(cap, first * (1 << min(failures - 1, 32)))


def describe(error: BaseException) -> str:
    """What /healthz and the log may say of ``error``: a reason from ``unavailable`` for a
    database fault, else the exception's type name (never its text, which may quote data)."""
    return unavailable(error) or f"error ({type(error).__name__})"


def log_failure(name: str, error: BaseException, failures: int, delay: float) -> None:
    """Log a failed step: a database fault as one line with its reason (its traceback says
    nothing new), anything else with its traceback; the message text is redacted."""
    reason = unavailable(error)
    if reason is not None:
        log.warning("%s: %s (failure %d); retrying in %.1f s", name, reason, failures, delay)
    else:
        log.error(
            "%s failed: %s: %s; retrying in %.1f s",
            name, type(error).__name__, redact(str(error)), delay, exc_info=error,
        )  # fmt: skip


class Periodic:
    """Subclasses define ``step()``; ``start()`` runs it every ``interval`` s in a daemon
    thread named ``name``, ``stop()`` ends the loop and waits for it. With ``eager``, a
    step that returns a true value (work done) is followed at once by the next."""

    eager = False

    def __init__(self, interval: float, name: str, backoff: tuple[float, float] = BACKOFF) -> None:
        if interval <= 0:
            raise ValueError("interval must be positive")
        self.interval = interval
        self.name = name
        self.backoff = backoff
        self.error: BaseException | None = None
        self.failures = 0  # consecutive failed steps
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

    def run_once(self) -> float:
        """One step; returns the pause before the next (0 when eager and work was done)."""
        try:
            done = self.step()
        except Exception as e:  # keep going; the error is kept for health checks
            self.error = e
            self.failures += 1
            delay = backoff_delay(self.failures, *self.backoff)
            log_failure(self.name, e, self.failures, delay)
            return delay
        if self.error is not None:
            log.warning("%s: recovered after %d failed step(s)", self.name, self.failures)
        self.error = None
        self.failures = 0
        return 0.0 if self.eager and done else self.interval

    def _run(self) -> None:
        while not self._stop.is_set():
            delay = self.run_once()
            if delay:
                self._stop.wait(delay)
