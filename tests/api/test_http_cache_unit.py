"""api/http_cache.py without a server: the LRU by bytes, If-None-Match matching, keys."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from api.http_cache import (
    Rendered,
    RenderedCache,
    cache_key,
    etag,
    not_modified,
)
from api.positions import SharedPositions


def body(n: int) -> Rendered:
    return Rendered(b"x" * n, "application/json")


def test_the_lru_evicts_the_least_recently_used_by_bytes() -> None:
    size = body(1000).size
    cache = RenderedCache(max_bytes=3 * size)
    for key in "abc":
        cache.put(key, body(1000))
    assert cache.bytes == 3 * size and len(cache) == 3
    assert cache.get("a") is not None  # a is now the most recently used
    cache.put("d", body(1000))
    assert cache.get("b") is None and cache.get("a") is not None
    assert cache.get("c") is not None and cache.get("d") is not None
    cache.put("e", body(2000))  # needs two places: the two least recently used go
    assert len(cache) == 2 and cache.bytes <= cache.max_bytes
    assert cache.get("e") is not None and cache.get("d") is not None


def test_an_answer_larger_than_the_cache_is_not_kept_and_evicts_nothing() -> None:
    cache = RenderedCache(max_bytes=2000)
    cache.put("a", body(100))
    cache.put("big", body(5000))
    assert cache.get("big") is None and cache.get("a") is not None


def test_replacing_a_key_counts_its_bytes_once() -> None:
    cache = RenderedCache(max_bytes=10_000)
    cache.put("a", body(1000))
    cache.put("a", body(3000))
    assert cache.bytes == body(3000).size and len(cache) == 1


def test_the_cache_is_consistent_under_threads() -> None:
    cache = RenderedCache(max_bytes=50 * body(100).size)

    def work(t: int) -> None:
        for i in range(2000):
            cache.put(f"{t}-{i % 80}", body(100))
            cache.get(f"{(t + 1) % 4}-{i % 80}")

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert cache.bytes == len(cache) * body(100).size <= cache.max_bytes


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        ('"k1"', True),
        ('W/"k1"', True),  # If-None-Match compares weakly (RFC 9110 §13.1.2)
        ('"k0", "k1"', True),
        ('"k0",W/"k1" , "k2"', True),
        ("*", True),
        ('"k0"', False),
        ('"k1x"', False),
        ("k1", False),  # not a quoted entity tag
        ("", False),
        (None, False),
    ],
)
def test_if_none_match(header: str | None, matches: bool) -> None:
    assert not_modified(header, etag("k1")) is matches
    assert not_modified(header, etag("k1", weak=True)) is matches


def test_keys_differ_by_every_part_and_its_type() -> None:
    base = cache_key("/api/v1/public/points", "[]", 5)
    assert base == cache_key("/api/v1/public/points", "[]", 5)
    assert base != cache_key("/api/v1/public/points", "[]", 6)
    assert base != cache_key("/api/v1/public/points", "[]", "5")
    assert base != cache_key("/api/v1/public/lectures", "[]", 5)
    assert base != cache_key("/api/v1/public/points", '[["year","2023"]]', 5)
    assert cache_key("/p", "[]", 1, 23) != cache_key("/p", "[]", 12, 3)


def test_a_position_read_is_shared_only_by_requests_that_arrived_before_it_began() -> None:
    values = iter(range(1, 100))
    lock = threading.Lock()

    def read(name: str) -> int:
        time.sleep(0.05)
        with lock:
            return next(values)

    shared = SharedPositions(read)

    async def together() -> list[int]:
        return list(await asyncio.gather(*(shared.get("points") for _ in range(10))))

    got = asyncio.run(together())
    # the first request's read began before the others arrived: they share the next one
    assert got == [1] + [2] * 9 and shared.reads == 2
    assert asyncio.run(shared.get("points")) == 3  # one at a time: a read each, never older
    assert asyncio.run(shared.get("points")) == 4 and shared.reads == 4
    assert asyncio.run(shared.get("lectures")) == 5


def test_a_failed_position_read_is_shared_by_its_waiters_and_read_again_after() -> None:
    calls = []

    def read(name: str) -> int:
        calls.append(name)
        if len(calls) == 1:
            time.sleep(0.05)
            raise OSError("the database went away")
        return 7

    shared = SharedPositions(read)

    async def together() -> list[int | BaseException]:
        return list(
            await asyncio.gather(*(shared.get("points") for _ in range(3)), return_exceptions=True)
        )

    # the waiters get the failure of the read they waited for (api/positions.py: not one
    # pool timeout after another); a request after it reads again
    got = asyncio.run(together())
    assert all(isinstance(e, OSError) for e in got) and len(calls) == 1
    assert asyncio.run(shared.get("points")) == 7 and len(calls) == 2
