"""The parsed rows of each public list, kept for the projection mark they were read at.

A public list read parses every row of its table (the points list: every cadre's period
rows) before filtering and paging. ``RowsCache.reader`` gives a ``ListReader`` that parses a
list once per mark of its projection (its position and generation, api/read_side.py: a
rebuild replays to the same position under a new generation, maybe with other rows): later
reads at the same mark (another page, filter or format of the list, the page's sections)
reuse the parsed rows. Rows read while the projection moved are not kept, so the rows kept
under a mark are that mark's.

Memory bound: one entry per (list, group), holding only the newest mark's rows (a newer
position, or a newer generation, replaces it), and at most ``max_rows`` rows in all
(DEFAULT_MAX_ROWS, 100,000 parsed rows: some tens of MB of Python dicts; the least recently
used lists are dropped first). A list longer than ``max_rows`` is not kept: it is parsed
for each render, as without this cache (its rendered answers are still kept by
api/http_cache.py, whose cache is bounded by bytes).

The rows are shared between requests: callers must not change a row in place (the queries
build new rows for what they decide, ``{**row, ...}``); each call returns a new list.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from fastapi import Request

from api.read_side import Mark
from projections.queries import ListReader, Row
from projections.registry import UnknownProjection

MarkOf = Callable[[str], Mark]
DEFAULT_MAX_ROWS = 100_000
Key = tuple[str, str | None]


class RowsCache:
    """(list, group) -> (mark, parsed rows), at most ``max_rows`` rows in all. Thread-safe."""

    def __init__(self, max_rows: int = DEFAULT_MAX_ROWS) -> None:
        if max_rows < 0:
            raise ValueError("max_rows must be >= 0")
        self.max_rows = max_rows
        self.rows = 0  # rows kept, all lists together
        self._items: OrderedDict[Key, tuple[Mark, list[Row]]] = OrderedDict()
        self._lock = threading.Lock()
        self.reads = 0  # lists parsed from the database (a test counts them)

    def __len__(self) -> int:
        return len(self._items)

    def get(self, name: str, grp: str | None, mark: Mark) -> list[Row] | None:
        with self._lock:
            found = self._items.get((name, grp))
            if found is None or found[0] != mark:
                return None
            self._items.move_to_end((name, grp))
            return found[1]

    def put(self, name: str, grp: str | None, mark: Mark, rows: list[Row]) -> None:
        """Keep ``rows`` for ``mark`` unless the list's kept rows are newer (same generation,
        a later position), or ``rows`` alone exceed the bound."""
        key = (name, grp)
        with self._lock:
            kept = self._items.get(key)
            if kept is not None:
                old = kept[0]
                if old.generation == mark.generation and old.position > mark.position:
                    return
                del self._items[key]
                self.rows -= len(kept[1])
            if len(rows) > self.max_rows:
                return
            self._items[key] = (mark, rows)
            self.rows += len(rows)
            while self.rows > self.max_rows:
                _, (_, evicted) = self._items.popitem(last=False)
                self.rows -= len(evicted)

    def reader(self, base: ListReader, mark: MarkOf) -> ListReader:
        """A reader over ``base`` that keeps each list's rows for ``mark(name)``."""
        return _Reader(base, mark, self)


class _Reader(ListReader):
    def __init__(self, base: ListReader, mark: MarkOf, cache: RowsCache) -> None:
        super().__init__(base.db)
        self._base, self._mark, self._cache = base, mark, cache

    def rows(self, name: str, grp: str | None = None) -> list[Row]:
        try:
            at = self._mark(name)
        except UnknownProjection:  # not a projection's list: read as it is
            return self._base.rows(name, grp)
        found = self._cache.get(name, grp, at)
        if found is None:
            found = self._base.rows(name, grp)
            self._cache.reads += 1
            if self._mark(name) == at:
                self._cache.put(name, grp, at, found)
        return list(found)


_CREATE = threading.Lock()


def rows_cache(request: Request) -> RowsCache:
    """The app's rows cache (made on first use, one per app and process)."""
    state = request.app.state
    found: RowsCache | None = getattr(state, "rows_cache", None)
    if found is None:
        with _CREATE:
            found = getattr(state, "rows_cache", None)
            if found is None:
                found = state.rows_cache = RowsCache()
    return found
