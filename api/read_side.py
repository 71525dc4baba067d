"""Where public reads are answered from: the primary, or a PostgreSQL streaming replica.

``Services.read`` is a ``ReadSide``. The public lists, the log's proofs, leaves and
checkpoints, the tiles and the public page read through it; writes, the integrator, the
projection followers, checkpoint signing, cosignatures and the console stay on the primary.

Without ``GONGSHI_READ_DATABASE_URL`` it wraps the primary's own objects (the ledger's log
store and recorder, the projections' runners): exactly the reads of before.

With it (``ReadSide.replica``), it has a pool of its own on the replica: an eventsourcing
recorder built with CREATE_TABLE off (a hot standby refuses DDL, and the tables are the
primary's, replayed), a ``SqlDatabase`` borrowing from that recorder's pool, a ``ListReader``
and a ``LogStore(create=False)`` over it. Nothing here writes. Opening touches no
connection: a replica that is down at start costs the reads, not the server.

Read-your-writes: ``wait(min_position, names, seconds)`` polls the projection positions on
the READ database (the primary's tracking rows as the replica has replayed them), so a
``min_position`` answered from a replica has that write in it; when the wait runs out the
route answers 409 ``log.not_at_position`` with Retry-After. There is no silent fallback to
the primary. A replica that cannot be reached fails the read with the pool's or the
driver's error, which ``ledger.unavailable`` names (503 with Retry-After), never a 500; so
does a table missing on the replica (not replayed yet; a list's own table reads as empty)
or a read role without SELECT on a table (``ReadSideUnavailable``, ``ReadDatabase``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import NamedTuple

import psycopg
from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.utils import Environment

from ledger.db import Cursor, SqlDatabase
from ledger.factories import PostgresFactory, recorder_pool
from ledger.log.store import LogStore
from ledger.settings import APP_NAME, Database
from ledger.unavailable import ReadSideUnavailable
from projections.follow import wait_for
from projections.queries import ListReader, Row
from projections.registry import ProjectionSet
from projections.runner import table_name

Clock = Callable[[], float]
POLL = 0.02  # s between two looks at the replica's positions while waiting


READ_FAULTS = (psycopg.errors.UndefinedTable, psycopg.errors.InsufficientPrivilege)


@contextmanager
def _read_faults() -> Iterator[None]:
    """psycopg's UndefinedTable / InsufficientPrivilege as ``ReadSideUnavailable`` (503 with
    Retry-After naming the read database, not SQL), from the error."""
    try:
        yield
    except READ_FAULTS as e:
        raise ReadSideUnavailable(type(e).__name__) from e


def _missing_table(e: ReadSideUnavailable) -> bool:
    return isinstance(e.__cause__, psycopg.errors.UndefinedTable)


class ReadDatabase(SqlDatabase):
    """The replica's database: a table missing on it (the primary's CREATE not replayed
    yet: a fresh primary, a projection added by an upgrade) or a read role without SELECT
    on a table raises ``ReadSideUnavailable`` (api: 503 with Retry-After), not a 500."""

    @contextmanager
    def transaction(self, immediate: bool = True, wait: float | None = None) -> Iterator[Cursor]:
        with _read_faults(), super().transaction(immediate, wait) as cur:
            yield cur

    @contextmanager
    def reading(self, wait: float | None = None) -> Iterator[Cursor]:
        with _read_faults(), super().reading(wait) as cur:
            yield cur


class ReplicaReader(ListReader):
    """A replica's rows: a list whose table the primary has not created yet (its projection
    never stepped: position 0) is empty, as on the primary, where reading creates it."""

    def rows(self, name: str, grp: str | None = None) -> list[Row]:
        try:
            return super().rows(name, grp)
        except ReadSideUnavailable as e:
            if _missing_table(e):
                return []
            raise


class Mark(NamedTuple):
    """What a projection's rows are built to: its position and its table's generation
    (projections/runner.py: changed by a rebuild, which may replay to the same position
    with other params or code). The public lists' caches are keyed by it."""

    position: int
    generation: int


class ReadSide:
    """The read database's projection rows (``reader``), log (``log``, with its recorder as
    ``log.recorder``) and projection positions."""

    def __init__(
        self,
        reader: ListReader,
        log: LogStore,
        projections: ProjectionSet | None = None,
        factory: PostgresFactory | None = None,
    ) -> None:
        self.reader = reader
        self.log = log
        self._projections = projections  # the primary's runners (None: a replica)
        self._factory = factory  # the replica's own pool (None: the primary's)

    @classmethod
    def primary(cls, reader: ListReader, log: LogStore, projections: ProjectionSet) -> ReadSide:
        """The primary's own objects: reads as without a replica."""
        return cls(reader, log, projections)

    @classmethod
    def replica(cls, database: Database) -> ReadSide:
        """Reads from ``database``, a streaming replica of the primary (PostgreSQL), through
        a pool of its own (``database.pool_size`` connections at most), opened lazily."""
        if database.kind != "postgresql":
            raise ValueError("a read replica is a PostgreSQL database")
        env = {**database.eventsourcing_env(), PostgresFactory.CREATE_TABLE: "n"}
        factory = PostgresFactory(Environment(APP_NAME, env))
        recorder: ApplicationRecorder = factory.application_recorder()
        db = ReadDatabase(database, recorder_pool(recorder))
        return cls(ReplicaReader(db), LogStore(db, recorder, create=False), factory=factory)

    @property
    def is_replica(self) -> bool:
        """True if reads go to a replica (not the primary's own objects)."""
        return self._projections is None

    def position(self, names: Iterable[str]) -> int:
        """The smallest position of the named projections on the read database (0 for a
        projection that has not stepped yet). Requires at least one name."""
        wanted = list(names)
        if not wanted:
            raise ValueError("position of no projection")
        if self._projections is not None:
            return min(r.position() for r in self._projections.select(wanted))
        return min(mark.position for mark in self._replica_marks(wanted))

    def mark(self, name: str) -> Mark:
        """Projection ``name``'s position and generation on the read database, in one
        query: what its rows are (a rebuild replays to the same position under a new
        generation, maybe with other params: other rows). (0, 0) before its first step."""
        if self._projections is not None:
            runner = self._projections.select([name])[0]
            runner.ensure_tables()
            with runner.db.transaction(immediate=False) as cur:
                return Mark(*runner.read_position(cur))
        return self._replica_marks([name])[0]

    def _replica_marks(self, names: list[str]) -> list[Mark]:
        tables = [table_name(name) for name in names]
        holes = ",".join("?" * len(tables))
        try:
            rows = self.reader.db.execute(
                "SELECT name, position, generation FROM gongshi_proj_positions"
                f" WHERE name IN ({holes})",
                tables,
            )
        except ReadSideUnavailable as e:
            if not _missing_table(e):
                raise
            rows = []  # no projection has stepped on the primary yet
        found = {str(name): Mark(int(position), int(gen)) for name, position, gen in rows}
        return [found.get(table, Mark(0, 0)) for table in tables]

    def log_size(self) -> int:
        """Leaves in the read database's log."""
        return self.log.state().size

    def probe(self, wait: float) -> int:
        """The read database's log size, waiting ``wait`` seconds at most for a connection
        (a health check answers quickly); the database's fault as an exception."""
        with self.reader.db.transaction(immediate=False, wait=wait) as cur:
            return int(cur.execute("SELECT size FROM gongshi_log_state WHERE id = 1")[0][0])

    def wait(
        self,
        min_position: int,
        names: Iterable[str],
        seconds: float,
        clock: Clock = time.monotonic,
        poll: float = POLL,
    ) -> bool:
        """True once every named projection on the read database has reached
        ``min_position``; False if ``seconds`` pass first. Requires min_position >= 0."""
        if min_position < 0:
            raise ValueError("position must be >= 0")
        wanted = list(names)
        if self._projections is not None:
            return wait_for(self._projections, min_position, wanted, seconds, clock, poll)
        deadline = clock() + seconds
        while self.position(wanted) < min_position:
            if clock() >= deadline:
                return False
            time.sleep(poll)
        return True

    def close(self) -> None:
        """Close the replica's pool (nothing when this wraps the primary's objects)."""
        if self._factory is not None:
            self._factory.close()
