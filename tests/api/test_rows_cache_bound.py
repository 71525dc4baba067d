"""api/rows_cache.py's memory bound (review16 item 8): one entry per list holding only the
newest mark's rows, at most ``max_rows`` rows in all (least recently used dropped first), a
list longer than the bound not kept."""

from __future__ import annotations

from api.read_side import Mark
from api.rows_cache import RowsCache


def rows(n: int) -> list[dict[str, object]]:
    return [{"n": i} for i in range(n)]


def test_only_the_newest_mark_of_a_list_is_kept() -> None:
    cache = RowsCache(max_rows=100)
    cache.put("points", None, Mark(5, 0), rows(3))
    cache.put("points", None, Mark(4, 0), rows(4))  # older: ignored
    assert cache.get("points", None, Mark(5, 0)) == rows(3) and cache.rows == 3
    cache.put("points", None, Mark(2, 1), rows(2))  # a rebuild's generation: replaces
    assert cache.get("points", None, Mark(5, 0)) is None
    assert cache.get("points", None, Mark(2, 1)) == rows(2)
    assert len(cache) == 1 and cache.rows == 2


def test_rows_are_bounded_in_all_and_a_list_beyond_the_bound_is_not_kept() -> None:
    cache = RowsCache(max_rows=10)
    cache.put("a", None, Mark(1, 0), rows(4))
    cache.put("b", None, Mark(1, 0), rows(4))
    assert cache.get("a", None, Mark(1, 0)) is not None  # a: used last
    cache.put("c", None, Mark(1, 0), rows(4))  # 12 > 10: b, the least recently used, goes
    assert cache.get("b", None, Mark(1, 0)) is None
    assert cache.get("a", None, Mark(1, 0)) is not None
    assert cache.rows == 8 and len(cache) == 2
    cache.put("huge", None, Mark(1, 0), rows(11))
    assert cache.get("huge", None, Mark(1, 0)) is None and cache.rows == 8
    for year in range(50):  # one entry per group, whatever the queries: still bounded
        cache.put("points", str(year), Mark(1, 0), rows(3))
    assert cache.rows <= 10
