"""A failed position read is shared by every request that was waiting for it (api/positions.py,
review16 item 1): during an outage N concurrent requests all fail within about one read's
time, not one pool timeout after another; and a list request whose position read fails
before routing (api/cached_reads.py) is answered 503 at once, not after a second read."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import psycopg_pool
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.positions import SharedPositions
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.settings import Settings

READ = 0.3  # s a failing read takes (the pool's timeout, shortened)


def failing(reads: list[str]) -> SharedPositions[int]:
    lock = threading.Lock()

    def read(name: str) -> int:
        with lock:
            reads.append(name)
        time.sleep(READ)
        raise psycopg_pool.PoolTimeout("couldn't get a connection after 0.30 sec")

    return SharedPositions(read)


def test_every_waiter_gets_the_failure_of_the_read_it_waited_for() -> None:
    reads: list[str] = []
    shared = failing(reads)

    async def one() -> tuple[BaseException | None, float]:
        start = time.monotonic()
        try:
            await shared.get("points")
        except Exception as e:
            return e, time.monotonic() - start
        return None, time.monotonic() - start

    async def together() -> list[tuple[BaseException | None, float]]:
        return list(await asyncio.gather(*(one() for _ in range(8))))

    got = asyncio.run(together())
    assert all(isinstance(e, psycopg_pool.PoolTimeout) for e, _ in got)
    # one read for all eight (serialised failures took 8 reads and 8 x READ)
    assert len(reads) == 1 and shared.reads == 1
    assert max(t for _, t in got) < 1.6 * READ, [round(t, 2) for _, t in got]


def test_a_request_after_the_failure_reads_again() -> None:
    calls: list[str] = []

    def read(name: str) -> int:
        calls.append(name)
        if len(calls) == 1:
            raise OSError("the database went away")
        return 7

    shared = SharedPositions(read)
    with pytest.raises(OSError):
        asyncio.run(shared.get("points"))
    assert asyncio.run(shared.get("points")) == 7 and len(calls) == 2


@pytest.fixture
def client(ledger: Ledger, settings: Settings, clock: SteppingClock) -> Iterator[TestClient]:
    app = create_app(settings, clock=clock, follow=False)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def test_a_list_whose_position_read_fails_before_routing_is_answered_503_after_one_read(
    client: TestClient,
) -> None:
    reads: list[str] = []
    client.app.state.shared_positions = failing(reads)  # type: ignore[attr-defined]
    start = time.monotonic()
    got = client.get("/api/v1/public/points")
    took = time.monotonic() - start
    assert got.status_code == 503, got.text
    assert got.headers["Retry-After"] == "1"
    assert got.headers["content-type"].startswith("application/problem+json")
    body = got.json()
    assert body["code"] == "unavailable" and "SQL" not in body["detail"]
    assert got.headers.get("X-Request-Id")
    assert reads == ["points"], reads  # the route did not wait for a second read
    assert took < 1.6 * READ + 0.5
