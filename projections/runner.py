"""Running a projection: leaves after the tracked position, rows and position in one commit.

    gongshi_proj_positions (name, position, generation)

``position`` is the number of leaves applied (the tree size the rows are built to). One
step is one transaction: take the projection's lock (PostgreSQL: an advisory transaction
lock named by the table, of the ledger's schema, ledger.db.lock_key; SQLite: BEGIN
IMMEDIATE), read the position, read the next leaves, apply them, write the changed rows and
the new position, commit. A crash rolls the whole step back, and a second runner serialises
on the lock and sees the first's position: every leaf is applied exactly once.
``generation`` changes when the table is dropped or swapped, so a runner's cache of rows is
used only while (position, generation) is what it last wrote.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from itertools import chain
from operator import attrgetter

from ledger.db import Cursor, SqlDatabase, schema_lock, xact_lock
from ledger.errors import LedgerError
from projections.base import Leaf, Projection
from projections.leaves import log_size, read_leaves
from projections.names import VaultNames
from projections.rows import Rows, digest_of_lines, row_lines, table_ddl
from verify.canonical import canonical_bytes

POSITIONS = (
    "CREATE TABLE IF NOT EXISTS gongshi_proj_positions (name TEXT PRIMARY KEY,"
    " position BIGINT NOT NULL, generation BIGINT NOT NULL, params TEXT NOT NULL)"
)
_index = attrgetter("index")
REGISTERED = "subject.Registered"  # a subject's first record: its name is in the vault
MAX_CACHED = 250_000  # documents a runner keeps between batches before starting afresh
Progress = Callable[[int, int], None]


class ProjectionStateError(LedgerError):
    """A projection's table can't be continued (built with other params, ahead of the log,
    or a record its handler can't fold): the evidence is in the message."""


def table_name(list_name: str, shadow: bool = False) -> str:
    """``disbursements`` -> ``gongshi_proj_disbursements`` (``..._shadow`` for a rebuild)."""
    return "gongshi_proj_" + list_name.replace("-", "_") + ("_shadow" if shadow else "")


@dataclass(frozen=True)
class Status:
    name: str
    position: int
    log_size: int
    digest: str
    rows: int

    @property
    def lag(self) -> int:
        return max(0, self.log_size - self.position)


class Runner:
    """Follows the log for one projection into one table. One runner per thread."""

    def __init__(
        self, db: SqlDatabase, projection: Projection, table: str | None = None, batch: int = 2000
    ) -> None:
        if batch < 1:
            raise ValueError("batch must be at least 1")
        self.db = db
        self.projection = projection
        self.table = table or table_name(projection.name)
        self.batch = batch
        self._rows = Rows(self.table)
        self._cached_at: tuple[int, int] | None = None
        self._pending: tuple[int, int] | None = None
        self._created = False

    @property
    def params_text(self) -> str:
        """The projection's params as canonical JSON: stored with the position."""
        return canonical_bytes(self.projection.params).decode()

    def stored_params(self, cur: Cursor | None = None) -> str | None:
        """The params the table was built with (None before its first step)."""
        if cur is None:
            self.ensure_tables()
            with self.db.transaction(immediate=False) as own:
                return self.stored_params(own)
        found = cur.execute(
            "SELECT params FROM gongshi_proj_positions WHERE name = ?", (self.table,)
        )
        return str(found[0][0]) if found else None

    def params_changed(self, cur: Cursor | None = None) -> str:
        """ "" if the table was built with this runner's params, else what it was built with."""
        stored = self.stored_params(cur)
        return stored if stored is not None and stored != self.params_text else ""

    def check(self, cur: Cursor, position: int) -> None:
        """Refuse to continue a table built with other params or ahead of the log (a reset
        log): both need ``gongshi rebuild``. Requires the lock held."""
        built = self.params_changed(cur)
        if position and built:
            raise ProjectionStateError(
                f"{self.table} was built with params {built}, configured"
                f" {self.params_text}: run gongshi rebuild {self.projection.name}"
            )
        size = log_size(cur)
        if position > size:
            raise ProjectionStateError(
                f"{self.table} is at position {position} but the log has {size} leaves (was the"
                f" log reset?): run gongshi rebuild {self.projection.name}"
            )

    def ensure_tables(self) -> None:
        """Create the table and the positions table if missing (idempotent, any process)."""
        if self._created:
            return
        with schema_lock(self.db.database), self.db.transaction() as cur:
            for statement in (POSITIONS, *table_ddl(self.table)):
                cur.execute(statement)
        self._created = True

    def lock(self, cur: Cursor) -> None:
        """Hold this projection's lock until ``cur``'s transaction ends (SQLite: held)."""
        xact_lock(cur, self.table)

    def read_position(self, cur: Cursor) -> tuple[int, int]:
        """(position, generation); (0, 0) before the first step."""
        found = cur.execute(
            "SELECT position, generation FROM gongshi_proj_positions WHERE name = ?", (self.table,)
        )
        return (int(found[0][0]), int(found[0][1])) if found else (0, 0)

    def position(self) -> int:
        self.ensure_tables()
        with self.db.transaction(immediate=False) as cur:
            return self.read_position(cur)[0]

    def step(self, stop: int | None = None) -> int:
        """Apply the next batch (up to leaf ``stop``, exclusive); returns leaves applied."""
        self.ensure_tables()
        with self.db.transaction() as cur:
            self.lock(cur)
            added = self.advance(cur, stop)
        self.committed()
        return added

    def advance(self, cur: Cursor, stop: int | None = None) -> int:
        """One batch inside the caller's transaction. Requires this projection's lock held."""
        position, generation = self.read_position(cur)
        self.check(cur, position)
        target = self.target(cur, position, stop)
        if target <= position:
            return 0
        handled = self.projection.handlers
        with collector_paused():
            leaves = read_leaves(
                cur, self.db.is_postgres, position, target, self.projection.zone, handled
            )
            self.apply(cur, list(leaves), generation, (position, target))
        return target - position

    def target(self, cur: Cursor, position: int, stop: int | None) -> int:
        """Where the next batch from ``position`` ends: the log's size, a batch, ``stop``."""
        target = min(log_size(cur), position + self.batch)
        return target if stop is None else min(target, stop)

    def apply(
        self, cur: Cursor, leaves: list[Leaf], generation: int,
        span: tuple[int, int] | None = None,
    ) -> None:  # fmt: skip
        """Apply ``leaves`` and write the rows and the new position in ``cur``'s transaction.
        ``span``: (position, new position), the leaves read, when ``leaves`` holds only
        those of the types this projection handles, in order (read_leaves' ``types``);
        without it, ``leaves`` are all the next ones (requires leaves[0].index ==
        position), and those of other types are skipped here."""
        start, target = span or (leaves[0].index, leaves[-1].index + 1)
        if self._cached_at != (start, generation) or len(self._rows) > MAX_CACHED:
            self._rows = Rows(self.table, complete=start == 0 and self._empty(cur))
        self._cached_at = None  # until this batch commits
        rows = self._rows
        rows.cursor = cur
        try:
            projection = self.projection
            projection.begin()
            handlers = projection.handlers
            for leaf in leaves if span else [leaf for leaf in leaves if leaf.type in handlers]:
                # Projection.apply, inlined: this loop is the rebuild's cost
                try:
                    handlers[leaf.type](projection, rows, leaf)
                except (KeyError, TypeError, ValueError, AttributeError) as e:
                    raise ProjectionStateError(
                        f"{projection.name}: can't fold leaf {leaf.index} ({leaf.type},"
                        f" stream {leaf.stream}): {type(e).__name__}: {e}"
                    ) from e
            projection.finish(rows)
            rows.flush()
            cur.execute(
                "INSERT INTO gongshi_proj_positions (name, position, generation, params)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE"
                " SET position = excluded.position, params = excluded.params",
                (self.table, target, generation, self.params_text),
            )
        finally:
            rows.cursor = None
        self._pending = (target, generation)

    def _empty(self, cur: Cursor) -> bool:
        """The table holds no document (at position 0: just created or dropped)."""
        return not cur.execute(f"SELECT 1 FROM {self.table} LIMIT 1")

    def committed(self) -> None:
        """The transaction around ``advance`` committed: the cache holds what it wrote."""
        if self._pending is not None:
            self._cached_at, self._pending = self._pending, None

    def catch_up(self, stop: int | None = None, progress: Progress | None = None) -> int:
        """Step until the position reaches the log's size (or ``stop``); returns leaves."""
        total = 0
        while True:
            added = self.step(stop)
            if not added:
                return total
            total += added
            if progress is not None:
                progress(self.position(), self.log_size())

    def log_size(self) -> int:
        with self.db.transaction(immediate=False) as cur:
            return log_size(cur)

    def digest(self, cur: Cursor | None = None) -> tuple[str, int]:
        """(digest, rows) of the public rows as they are now (docs/FORMAT.md §8)."""
        if cur is not None:
            return digest_of_lines(row_lines(cur, self.table))
        self.ensure_tables()
        with self.db.transaction(immediate=False) as own:
            return digest_of_lines(row_lines(own, self.table))

    def status(self) -> Status:
        self.ensure_tables()
        with self.db.transaction(immediate=False) as cur:
            position = self.read_position(cur)[0]
            digest, count = digest_of_lines(row_lines(cur, self.table))
            return Status(self.projection.name, position, log_size(cur), digest, count)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for one batch. A batch allocates several objects
    per leaf (the parsed record, the cached documents) and keeps most until it ends, so the
    collector would otherwise traverse them again and again while they are still alive;
    reference counting still frees everything acyclic. It is switched on again (and so runs)
    after the batch, unless it was off before."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def step_together(db: SqlDatabase, runners: list[Runner], stop: int | None = None) -> int:
    """One transaction for several projections: those at the lowest position share one read
    of the next leaves (a rebuild of every projection reads the log once, not once each).
    Returns the leaves applied to the runners that moved (0: all are caught up)."""
    for runner in runners:
        runner.ensure_tables()
    with db.transaction() as cur:
        for runner in runners:
            runner.lock(cur)
        at = {runner.table: runner.read_position(cur) for runner in runners}
        for runner in runners:
            runner.check(cur, at[runner.table][0])
        position = min(p for p, _ in at.values())
        behind = [r for r in runners if at[r.table][0] == position]
        target = min(r.target(cur, position, stop) for r in behind)
        if target <= position:
            return 0
        zones = {r.projection.zone for r in behind}
        if len(zones) != 1:
            raise ValueError(f"projections stepped together in one timezone, not {zones}")
        handled = {kind for runner in behind for kind in runner.projection.handlers}
        names = {id(n): n for r in behind if isinstance(n := r.projection.names, VaultNames)}
        with collector_paused(), ExitStack() as batch:
            by_type: dict[str, list[Leaf]] = {}
            wanted = handled | {REGISTERED} if names else handled
            for leaf in read_leaves(cur, db.is_postgres, position, target, zones.pop(), wanted):
                by_type.setdefault(leaf.type, []).append(leaf)
            subjects = {leaf.stream for leaf in by_type.get(REGISTERED, ())}
            for source in names.values():  # the names of the batch's new subjects, at once
                batch.enter_context(source.prefetched(subjects))
            for runner in behind:
                mine = [by_type[kind] for kind in runner.projection.handlers if kind in by_type]
                leaves = mine[0] if len(mine) == 1 else sorted(chain(*mine), key=_index)
                runner.apply(cur, leaves, at[runner.table][1], (position, target))
    for runner in behind:
        runner.committed()
    return target - position
