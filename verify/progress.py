"""Progress of a long check on stderr, with the standard library only: a line rewritten in
place twice a second (records counted so far, seconds elapsed) while the check runs, only
when stderr is a terminal; cleared when it ends, so the result stands alone."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

TICK = 0.5  # seconds between redraws


class Ticker:
    """Counts what the check reports (``update``) and redraws the line on its own thread."""

    def __init__(self, label: str, out: TextIO) -> None:
        self.label, self.out = label, out
        self.count = 0
        self.started = time.monotonic()
        self.stop = threading.Event()
        self.width = 0

    def update(self, count: int) -> None:
        self.count = count

    def draw(self) -> None:
        line = f"{self.label}: {self.count:,} records, {time.monotonic() - self.started:.0f} s"
        self.width = max(self.width, len(line))
        print(f"\r{line:<{self.width}}", end="", file=self.out, flush=True)

    def run(self) -> None:
        while not self.stop.wait(TICK):
            self.draw()

    def clear(self) -> None:
        print(f"\r{'':<{self.width}}\r", end="", file=self.out, flush=True)


@contextmanager
def ticking(label: str, out: TextIO | None = None) -> Iterator[Ticker | None]:
    """A Ticker on ``out`` (default stderr) while the block runs, or None when ``out`` is not
    a terminal (a script or a pipe sees the result alone)."""
    stream = sys.stderr if out is None else out
    if not stream.isatty():
        yield None
        return
    ticker = Ticker(label, stream)
    ticker.draw()
    thread = threading.Thread(target=ticker.run, name="gongshi-verify-progress", daemon=True)
    thread.start()
    try:
        yield ticker
    finally:
        ticker.stop.set()
        thread.join()
        ticker.clear()
