"""Where public reads are answered from: the primary, or a PostgreSQL streaming replica.

``Services.read`` is a ``ReadSide``. The public lists, the log's proofs, leaves and
checkpoints, the tiles and the public page read through it; writes, the integrator, the
projection followers, checkpoint signing and the console stay on the primary.

Without ``GONGSHI_READ_DATABASE_URL`` it wraps the primary's own objects (the ledger's log
store and recorder, the projections' runners): exactly the reads of before.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from ledger.log.store import LogStore
from projections.follow import wait_for
from projections.queries import ListReader
from projections.registry import ProjectionSet

Clock = Callable[[], float]


class ReadSide:
    """The read database's projection rows (``reader``), log (``log``, with its recorder as
    ``log.recorder``) and projection positions."""

    def __init__(
        self, reader: ListReader, log: LogStore, projections: ProjectionSet | None = None
    ) -> None:
        self.reader = reader
        self.log = log
        self._projections = projections

    @classmethod
    def primary(cls, reader: ListReader, log: LogStore, projections: ProjectionSet) -> ReadSide:
        """The primary's own objects: reads as without a replica."""
        return cls(reader, log, projections)

    @property
    def replica(self) -> bool:
        """True if reads go to a replica (not the primary's own objects)."""
        return self._projections is None

    def position(self, names: Iterable[str]) -> int:
        """The smallest position of the named projections on the read database (0 for a
        projection that has not stepped yet)."""
        wanted = list(names)
        if self._projections is not None:
            return min(r.position() for r in self._projections.select(wanted))
        raise NotImplementedError

    def log_size(self) -> int:
        """Leaves in the read database's log."""
        return self.log.state().size

    def wait(
        self,
        min_position: int,
        names: Iterable[str],
        seconds: float,
        clock: Clock = time.monotonic,
        poll: float = 0.02,
    ) -> bool:
        """True once every named projection on the read database has reached
        ``min_position``; False if ``seconds`` pass first. Requires min_position >= 0."""
        if self._projections is not None:
            return wait_for(self._projections, min_position, names, seconds, clock, poll)
        raise NotImplementedError

    def close(self) -> None:
        """Close what this read side opened (nothing when it wraps the primary's objects)."""
