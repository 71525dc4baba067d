"""HTTP load on a running ``gongshi serve``: the public list, inclusion proofs, hash tiles.

Setup (timed, not part of the figures): a fresh PostgreSQL schema gongshi_load_<hex> at
GONGSHI_TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test; dropped at
the end), a temp GONGSHI_HOME, ``gongshi demo`` into it (~19.6k records, a signed and
cosigned checkpoint, the projections built), then ``gongshi serve --workers W`` as a
subprocess with the same environment (its log in the temp home), ready when /healthz
answers. The server is stopped at the end (SIGTERM, then SIGKILL after 30 s).

Load: --connections (default 64) keep-alive HTTP/1.1 connections, each one asyncio task
that sends a GET, reads the whole response and sends the next (closed loop, no pipelining).
The client is a minimal HTTP/1.1 GET client over asyncio streams (status line, headers,
Content-Length or chunked body) in this one process, so that it takes as little CPU as it
can: client and server share the machine's cores (2 on the reference machine), so the
figures are those of the server with the client's CPU taken out of its budget.

Scenarios, each --seconds (default 10; --quick 3) measured after a 2 s warm-up (1 s with
--quick) on the same connections:

a. public list: GET /api/v1/public/points, the issue's route (its default page: every
   year, 50 rows; anonymous, no validator: every request asks for the whole answer, which
   the server's rendered cache holds once per position, api/http_cache.py; checked before
   the run and by every 200 body holding a row);
b. inclusion proof: GET /log/v1/proof/inclusion?index=I&size=S, S the signed checkpoint's
   size (GET /log/v1/checkpoint, second line), I uniform in [0, S); a sample of proofs is
   verified against the checkpoint's root before the run;
c. hash tile: GET /tile/0/<N> for a full level-0 tile N (uniform over the full tiles), its
   hashes checked against the proofs' leaf hashes before the run.

Figures per scenario: requests/s (responses completed in the window / its length), latency
as the client sees it (send to last body byte, client queueing included) p50, p90, p99 and
max in ms, non-200 responses (a lost connection counts as status 0) and 200s with an
unexpected body (both must be 0), reconnects, and the CPU seconds per second of the server
(its processes), the client (this process) and the rest of the machine (mostly PostgreSQL).
Exception lines in the server's log are summed up at the end.
Targets (issue 16), each printed next to its figure: public list >= 3,000 req/s,
inclusion proofs >= 3,000 req/s, hash tiles >= 5,000 req/s, 0 errors. A closed loop's p99
is about connections ÷ throughput: latency is bench/openloop.py's.

Before the setup and again before the load the benchmark waits (up to 15 min, polling
every 10 s) until no ``python -m pytest`` process runs on the machine, so a CI run does not
disturb the figures; a scenario after which one runs is flagged.

    python bench/load.py [--seconds S] [--connections N] [--workers W] [--quick] [--no-wait]
"""

from __future__ import annotations

import asyncio
import base64
import json
import math
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from argparse import ArgumentParser, Namespace
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from uuid import uuid4

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg

from ledger.log.tiles import encode_index
from ledger.settings import Database, parse_database_url
from verify.merkle import HASH_SIZE, verify_inclusion

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
LIST_PATH = "/api/v1/public/points"
TILE_WIDTH = 256
PATHS = 50_000  # pre-built random paths per scenario, cycled
CHECKED_PROOFS = 20
QUIET_POLL, QUIET_MAX = 10.0, 15 * 60.0
TARGET_LIST_RPS, TARGET_PROOF_RPS, TARGET_TILE_RPS = 3000.0, 3000.0, 5000.0  # req/s


# --- a minimal HTTP/1.1 GET client ---------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection; ``get`` sends one GET and reads its response."""

    def __init__(self, host: str, port: int, auth: str = "") -> None:
        self.host, self.port = host, port
        bearer = f"Authorization: Bearer {auth}\r\n" if auth else ""
        self.head = f"Host: {host}:{port}\r\n{bearer}\r\n".encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.reconnects = -1  # the first open is not a reconnect

    async def open(self) -> None:
        self.close()
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.reconnects += 1

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    async def get(self, target: bytes) -> tuple[int, bytes]:
        """Status and body of ``GET target``. Reopens first if the server closed."""
        if self.writer is None or self.reader is None:
            await self.open()
        reader, writer = self.reader, self.writer
        assert reader is not None and writer is not None
        writer.write(b"GET " + target + b" HTTP/1.1\r\n" + self.head)
        await writer.drain()
        line = await reader.readline()
        if not line:
            raise ConnectionError("the server closed the connection")
        status = int(line[9:12])  # b"HTTP/1.1 200 OK\r\n"
        length, chunked, close = -1, False, False
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                close = b"close" in value.lower()
        if chunked:
            body = await self._chunked(reader)
        elif length >= 0:
            body = await reader.readexactly(length)
        else:  # no length: the body runs to the end of the connection
            body, close = await reader.read(), True
        if close:
            self.close()
        return status, body

    @staticmethod
    async def _chunked(reader: asyncio.StreamReader) -> bytes:
        parts: list[bytes] = []
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            if size == 0:
                while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(parts)
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)


async def fetch(port: int, target: str, auth: str = "") -> tuple[int, bytes]:
    conn = Connection("127.0.0.1", port, auth)
    try:
        return await conn.get(target.encode())
    finally:
        conn.close()


# --- load ----------------------------------------------------------------------------------


@dataclass
class Result:
    seconds: float
    latencies: list[float] = field(default_factory=list)  # seconds, responses in the window
    statuses: dict[int, int] = field(default_factory=dict)  # non-200 (0: connection lost)
    bad_bodies: int = 0
    reconnects: int = 0
    client_cpu: float = 0.0
    server_cpu: float = 0.0
    busy_cpu: float = 0.0  # the whole machine's (PostgreSQL's included)
    sample_error: bytes = b""

    @property
    def errors(self) -> int:
        return sum(self.statuses.values())


async def load(
    port: int, paths: list[bytes], good: Callable[[bytes], bool], args: Namespace, server: int
) -> Result:
    """--connections closed loops over ``paths`` (each connection from its own offset) for
    the warm-up, then --seconds measured: only responses completed in that window count."""
    conns = [Connection("127.0.0.1", port, args.auth) for _ in range(args.connections)]
    await asyncio.gather(*(c.open() for c in conns))
    result = Result(args.seconds)
    clock = time.perf_counter
    begin = clock() + args.warmup
    end = begin + args.seconds

    async def loop(conn: Connection, at: int) -> None:
        latencies, statuses, n = result.latencies, result.statuses, len(paths)
        while True:
            sent = clock()
            if sent >= end:
                return
            try:
                status, body = await conn.get(paths[at % n])
            except (ConnectionError, asyncio.IncompleteReadError) as e:
                conn.close()  # reopened by the next get
                status, body = 0, repr(e).encode()
            done = clock()
            at += 1
            if begin <= done < end:
                latencies.append(done - sent)
                if status != 200:
                    statuses[status] = statuses.get(status, 0) + 1
                    result.sample_error = result.sample_error or body[:300]
                elif not good(body):
                    result.bad_bodies += 1

    async def meter() -> None:  # CPU seconds of both sides over the measured window
        await asyncio.sleep(max(0.0, begin - clock()))
        client, served, busy = time.process_time(), cpu_seconds(server), machine_busy()
        await asyncio.sleep(max(0.0, end - clock()))
        result.client_cpu = time.process_time() - client
        result.server_cpu = cpu_seconds(server) - served
        result.busy_cpu = machine_busy() - busy

    step = len(paths) // len(conns)
    try:
        await asyncio.gather(meter(), *(loop(c, i * step) for i, c in enumerate(conns)))
    finally:
        result.reconnects = sum(c.reconnects for c in conns)
        for c in conns:
            c.close()
    return result


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its descendants (Linux /proc; else 0)."""
    tick = os.sysconf("SC_CLK_TCK")
    total, stack = 0.0, [pid]
    while stack:
        p = stack.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
            for task in Path(f"/proc/{p}/task").iterdir():
                stack += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError, IndexError):
            continue
    return total


def machine_busy() -> float:
    """CPU seconds all cores spent neither idle nor waiting for I/O (Linux /proc/stat)."""
    try:
        ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:9]]
    except (OSError, ValueError):
        return 0.0
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def quantile(values: list[float], q: float) -> float:
    """Nearest-rank quantile of sorted ``values``."""
    return values[min(len(values) - 1, max(0, math.ceil(q * len(values)) - 1))]


def report(name: str, target: str, result: Result) -> tuple[float, float]:
    """Print the scenario's figures; return (req/s, p99 ms)."""
    values = sorted(result.latencies)
    if not values:
        raise RuntimeError(f"{name}: no response completed in the window")
    rps = len(values) / result.seconds
    p50, p90, p99 = (quantile(values, q) * 1e3 for q in (0.5, 0.9, 0.99))
    print(f"{name:<16} GET {target}")
    print(
        f"{'':<16} {rps:>8,.0f} req/s   p50 {p50:6.2f}  p90 {p90:6.2f}  p99 {p99:6.2f}"
        f"  max {values[-1] * 1e3:7.2f} ms   n={len(values):,}"
    )
    codes = ", ".join(f"{k}: {v}" for k, v in sorted(result.statuses.items())) or "none"
    server, client, busy = (
        cpu / result.seconds for cpu in (result.server_cpu, result.client_cpu, result.busy_cpu)
    )
    print(
        f"{'':<16} non-200: {result.errors} ({codes}), bad bodies: {result.bad_bodies},"
        f" reconnects: {result.reconnects}"
    )
    print(
        f"{'':<16} CPU s/s: server {server:.2f}, client {client:.2f}, the rest"
        f" (PostgreSQL, ...) {max(0.0, busy - server - client):.2f}; machine {busy:.2f}"
        f" of {os.cpu_count()}"
    )
    if result.sample_error:
        print(f"{'':<16} first error body: {result.sample_error!r}")
    return rps, p99


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


# --- setup ---------------------------------------------------------------------------------


def pytest_pids() -> list[str]:
    found = subprocess.run(
        ["pgrep", "-f", "python -m pytest"], capture_output=True, text=True, check=False
    )
    return found.stdout.split()


def wait_for_quiet() -> None:
    """Wait until no ``python -m pytest`` runs (every QUIET_POLL s, at most QUIET_MAX s)."""
    started = time.monotonic()
    while True:
        found = pytest_pids()
        if not found:
            waited = time.monotonic() - started
            print(f"no pytest running (waited {waited:.0f} s); load average {os.getloadavg()}")
            return
        if time.monotonic() - started > QUIET_MAX:
            print(f"WARNING: pytest still running after {QUIET_MAX:.0f} s (pids {found});"
                  " the figures may be disturbed")  # fmt: skip
            return
        time.sleep(QUIET_POLL)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def fresh_database() -> tuple[str, Database]:
    url = os.environ.get("GONGSHI_TEST_DATABASE_URL") or DEFAULT_URL
    schema = f"gongshi_load_{uuid4().hex[:12]}"
    return schema, parse_database_url(f"{url.split('?')[0]}?schema={schema}")


def drop_schema(database: Database, schema: str) -> None:
    with psycopg.connect(database.psycopg_conninfo(), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def environment(home: Path, database: Database) -> dict[str, str]:
    """This environment without any GONGSHI_ variable, then the home and the database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGSHI_")}
    return {**env, "GONGSHI_HOME": str(home), "GONGSHI_DATABASE_URL": database.url,
            "PYTHONPATH": str(ROOT)}  # fmt: skip


def demo(env: dict[str, str]) -> None:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "demo"], cwd=ROOT, env=env, capture_output=True,
        text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"gongshi demo failed:\n{done.stdout}\n{done.stderr}")
    last = done.stdout.strip().splitlines()[-1]
    print(f"setup: gongshi demo {time.perf_counter() - started:.1f} s; {last[:90]}")


@contextmanager
def serving(env: dict[str, str], workers: int, home: Path) -> Iterator[tuple[int, int]]:
    """``gongshi serve`` on a free port until the block ends; yields (port, pid)."""
    port = free_port()
    started = time.perf_counter()
    log_path = home / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--port", str(port),
             "--workers", str(workers)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"gongshi serve did not start:\n{log_path.read_text()}"
                    ) from None
                time.sleep(0.2)
        print(
            f"setup: gongshi serve --workers {workers} ready in"
            f" {time.perf_counter() - started:.1f} s (port {port})"
        )
        yield port, process.pid
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def server_errors(log: Path, shown: int = 5) -> None:
    """The server log's exception lines (``module.SomeError: ...``), most frequent first."""
    found: dict[str, int] = {}
    for line in log.read_text(errors="replace").splitlines():
        if re.match(r"^[A-Za-z_][\w.]*(Error|Exception)\b", line):
            found[line[:160]] = found.get(line[:160], 0) + 1
    for line, n in sorted(found.items(), key=lambda item: -item[1])[:shown]:
        print(f"server log: {n} x {line}")


# --- scenarios -----------------------------------------------------------------------------


def check_list(port: int, auth: str) -> int:
    status, body = asyncio.run(fetch(port, LIST_PATH, auth))
    if status != 200:
        raise RuntimeError(f"{LIST_PATH}: {status} {body[:300]!r}")
    page = json.loads(body)
    if not page["rows"]:
        raise RuntimeError(f"{LIST_PATH}: no rows (total {page['total']})")
    return len(page["rows"])


def checkpoint(port: int) -> tuple[int, bytes]:
    status, body = asyncio.run(fetch(port, "/log/v1/checkpoint"))
    if status != 200:
        raise RuntimeError(f"/log/v1/checkpoint: {status} {body[:300]!r}")
    lines = body.decode().split("\n")
    return int(lines[1]), base64.b64decode(lines[2])


def check_proofs(port: int, size: int, root: bytes, rng: random.Random) -> dict[int, bytes]:
    """Verify CHECKED_PROOFS inclusion proofs against ``root``; their leaf hashes by index."""
    leaves = {}
    for index in [0, size - 1, *(rng.randrange(size) for _ in range(CHECKED_PROOFS - 2))]:
        status, body = asyncio.run(
            fetch(port, f"/log/v1/proof/inclusion?index={index}&size={size}")
        )
        if status != 200:
            raise RuntimeError(f"inclusion proof {index}: {status} {body[:300]!r}")
        proof = json.loads(body)
        leaf = base64.b64decode(proof["leaf_hash"])
        path = [base64.b64decode(h) for h in proof["proof"]]
        verify_inclusion(index, size, leaf, path, root)
        leaves[index] = leaf
    return leaves


def check_tiles(port: int, leaves: dict[int, bytes], full: int) -> None:
    """Each full level-0 tile holding a checked leaf has that leaf's hash at its place."""
    for index, leaf in leaves.items():
        n, at = divmod(index, TILE_WIDTH)
        if n >= full:
            continue
        status, body = asyncio.run(fetch(port, f"/tile/0/{encode_index(n)}"))
        if status != 200 or len(body) != TILE_WIDTH * HASH_SIZE:
            raise RuntimeError(f"tile 0/{n}: {status}, {len(body)} bytes")
        if body[at * HASH_SIZE : (at + 1) * HASH_SIZE] != leaf:
            raise RuntimeError(f"tile 0/{n}: hash {at} differs from leaf {index}'s proof")


def run(args: Namespace) -> None:
    schema, database = fresh_database()
    began = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="gongshi-load-") as tmp:
            home = Path(tmp)
            env = environment(home, database)
            demo(env)
            args.auth = ""  # every scenario is an anonymous public read
            with serving(env, args.workers, home) as (port, pid):
                print(f"setup: {time.perf_counter() - began:.1f} s in all")
                try:
                    if not args.no_wait:
                        wait_for_quiet()  # again: one may have started during the setup
                    measure(port, pid, args)
                finally:
                    server_errors(home / "serve.log")
    finally:
        drop_schema(database, schema)


def measure(port: int, pid: int, args: Namespace) -> None:
    rng = random.Random(2023)
    rows = check_list(port, args.auth)
    size, root = checkpoint(port)
    leaves = check_proofs(port, size, root, rng)
    full = size // TILE_WIDTH
    check_tiles(port, leaves, full)
    print(
        f"checked: the list's page has {rows} rows; {len(leaves)} inclusion proofs"
        f" verify against the signed checkpoint (size {size:,}); tiles match the proofs"
    )
    print(
        f"load: {args.connections} keep-alive connections, {args.seconds:g} s per scenario"
        f" after {args.warmup:g} s warm-up; client and server share {os.cpu_count()} cores"
    )

    def go(paths: list[str], good: Callable[[bytes], bool]) -> Result:
        result = asyncio.run(load(port, [p.encode() for p in paths], good, args, pid))
        if pytest_pids():
            print("WARNING: a pytest run is going on: the next figures may be disturbed")
        return result

    listed = go([LIST_PATH], lambda body: b'"rows":[{' in body)
    list_rps, list_p99 = report("public list", LIST_PATH, listed)
    proof_paths = [
        f"/log/v1/proof/inclusion?index={rng.randrange(size)}&size={size}" for _ in range(PATHS)
    ]
    proved = go(proof_paths, lambda body: body.startswith(b'{"index":'))
    proof_rps, proof_p99 = report(
        "inclusion proof", f"/log/v1/proof/inclusion?index=I&size={size}", proved
    )
    tiled: Result | None = None
    tile_rps = 0.0
    if full and not args.no_tiles:
        tile_paths = [f"/tile/0/{encode_index(rng.randrange(full))}" for _ in range(PATHS)]
        tiled = go(tile_paths, lambda body: len(body) == TILE_WIDTH * HASH_SIZE)
        tile_rps, _ = report("hash tile", f"/tile/0/<N>, N < {full} (full tiles)", tiled)

    errors = sum(r.errors + r.bad_bodies for r in (listed, proved, tiled) if r is not None)
    figures = [("public list", list_rps, TARGET_LIST_RPS),
               ("inclusion proof", proof_rps, TARGET_PROOF_RPS)]  # fmt: skip
    if tiled is not None:
        figures.append(("hash tile", tile_rps, TARGET_TILE_RPS))
    for name, rps, target in figures:
        print(f"target {name:<16} >= {target:>6,.0f} req/s: {rps:>7,.0f} req/s"
              f" ({rps / target:.2f}x) {verdict(rps >= target)}")  # fmt: skip
    print(f"target no errors (non-200 or bad bodies): {verdict(errors == 0)} ({errors})")
    print(
        f"(a closed loop's p99 is about {args.connections} / throughput: list p99"
        f" {list_p99:.1f} ms, proof p99 {proof_p99:.1f} ms; latency: bench/openloop.py)"
    )


def main() -> None:
    parser = ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, help="measured seconds per scenario (10)")
    parser.add_argument("--connections", type=int, default=64, help="keep-alive connections")
    parser.add_argument("--workers", type=int, default=2, help="gongshi serve --workers")
    parser.add_argument("--quick", action="store_true", help="3 s per scenario, 1 s warm-up")
    parser.add_argument("--no-tiles", action="store_true", help="skip the hash tile scenario")
    parser.add_argument("--no-wait", action="store_true", help="do not wait for pytest to end")
    args = parser.parse_args()
    args.seconds = args.seconds or (3.0 if args.quick else 10.0)
    args.warmup = 1.0 if args.quick else 2.0
    began = time.perf_counter()
    if not args.no_wait:
        wait_for_quiet()
    run(args)
    print(f"total {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
