"""The parsed rows of each public list, kept for the projection position they were read at.

A public list read parses every row of its table (the points list: every cadre's period
rows) before filtering and paging. ``RowsCache.reader`` gives a ``ListReader`` that parses a
list once per position of its projection: later reads at the same position (another page,
filter or format of the list, the page's sections) reuse the parsed rows. Rows read while
the projection moved are not kept, so the rows kept under a position are that position's.
One entry per list and group: the cache holds at most the newest rows of each list.

The rows are shared between requests: callers must not change a row in place (the queries
build new rows for what they decide, ``{**row, ...}``); each call returns a new list.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from fastapi import Request

from projections.queries import ListReader, Row
from projections.registry import UnknownProjection

Position = Callable[[str], int]


class RowsCache:
    """(list, group) -> (position, parsed rows). Thread-safe."""

    def __init__(self) -> None:
        self._items: dict[tuple[str, str | None], tuple[int, list[Row]]] = {}
        self._lock = threading.Lock()
        self.reads = 0  # lists parsed from the database (a test counts them)

    def get(self, name: str, grp: str | None, position: int) -> list[Row] | None:
        with self._lock:
            found = self._items.get((name, grp))
        return found[1] if found is not None and found[0] == position else None

    def put(self, name: str, grp: str | None, position: int, rows: list[Row]) -> None:
        with self._lock:
            kept = self._items.get((name, grp))
            if kept is None or kept[0] <= position:
                self._items[(name, grp)] = (position, rows)

    def reader(self, base: ListReader, position: Position) -> ListReader:
        """A reader over ``base`` that keeps each list's rows for ``position(name)``."""
        return _Reader(base, position, self)


class _Reader(ListReader):
    def __init__(self, base: ListReader, position: Position, cache: RowsCache) -> None:
        super().__init__(base.db)
        self._base, self._position, self._cache = base, position, cache

    def rows(self, name: str, grp: str | None = None) -> list[Row]:
        try:
            at = self._position(name)
        except UnknownProjection:  # not a projection's list: read as it is
            return self._base.rows(name, grp)
        found = self._cache.get(name, grp, at)
        if found is None:
            found = self._base.rows(name, grp)
            self._cache.reads += 1
            if self._position(name) == at:
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
