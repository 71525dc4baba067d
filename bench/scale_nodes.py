"""Many API nodes for bench/scale.py: N ``gongshi serve`` processes on one primary.

Each server runs the log's integrator, the checkpoint signer (every 0.5 s here) and the
projections' follower in background threads; they coordinate only through PostgreSQL
advisory transaction locks of the schema (ledger.db.lock_key): ``ledger.log.store.LOCK``
for integration and signing, one lock per projection (projections/runner.py). While this
process writes genuine domain saves (``Points.enter``) for --seconds, a sampler reads
pg_locks every few milliseconds for the servers' own backends (their application_name is
this run's) and counts, per lock, how many of them held it at once (at most 1 if the lock
does its job), how many different servers held it in turn (each server's connections carry
its own application_name), and how often a server waited for it. Afterwards: the log holds
every stored record once (size = records, the last checkpoint's root equal to the root
recomputed from the tiles, one root per signed size), and every projection's position is
the log's size; bench/scale.py's next ``rebuild --all`` then compares each live projection,
built in part by the servers, with a replay (identical digests: each leaf applied once).
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from uuid import uuid4

import psycopg
from scale_books import random_books

from ledger.actor import Actor, Role
from ledger.db import lock_key
from ledger.ledger import Ledger
from ledger.log.store import LOCK
from ledger.points.config import Component, SchemeConfig
from ledger.points.service import Points
from ledger.settings import Settings
from projections.registry import NAMES
from projections.runner import table_name

ROOT = Path(__file__).resolve().parents[1]
READY_PATIENCE = 180.0
INTEGRATION = "integration+signing"


@dataclass
class LockSeen:
    """What the sampler saw of one advisory lock."""

    samples: int = 0
    max_holders: int = 0
    holders: set[str] = field(default_factory=set)  # the servers (application_name)
    waited: int = 0  # samples with a server backend waiting for it


class Sampler(threading.Thread):
    def __init__(self, settings: Settings, app_name: str, period: float = 0.003) -> None:
        super().__init__(daemon=True)
        self.settings = settings
        self.app_name = app_name
        self.period = period
        self.stop = threading.Event()
        self.seen: dict[str, LockSeen] = defaultdict(LockSeen)
        self.rounds = 0

    def run(self) -> None:
        sql = (
            "SELECT a.application_name, l.granted, l.objid"
            " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND a.application_name LIKE %s"
            " AND l.objsubid = 2 AND l.classid::bigint = %s"
        )
        database = self.settings.database
        schema = lock_key(database, LOCK)[0]  # the first key: the schema's
        names = {lock_key(database, table_name(n))[1]: f"projection {n}" for n in NAMES}
        names[lock_key(database, LOCK)[1]] = INTEGRATION
        with psycopg.connect(database.psycopg_conninfo(), autocommit=True) as conn:
            while not self.stop.is_set():
                held: dict[str, set[str]] = defaultdict(set)
                waiting: set[str] = set()
                for server, granted, objid in conn.execute(
                    sql, (self.app_name + "-%", schema)
                ).fetchall():
                    name = names.get(int(objid), f"key {int(objid):#x}")
                    if granted:
                        held[name].add(str(server))
                    else:
                        waiting.add(name)
                for name in set(held) | waiting:
                    seen = self.seen[name]
                    seen.samples += 1
                    seen.max_holders = max(seen.max_holders, len(held.get(name, ())))
                    seen.holders |= held.get(name, set())
                    seen.waited += name in waiting
                self.rounds += 1
                self.stop.wait(self.period)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


def _state(ledger: Ledger) -> tuple[int, int, dict[str, int]]:
    """(records stored, log size, projection -> position)."""
    records = int(ledger.db.execute("SELECT COUNT(*) FROM gongshi_events")[0][0])
    size = ledger.log.state().size
    positions = {
        str(n): int(p)
        for n, p in ledger.db.execute("SELECT name, position FROM gongshi_proj_positions")
    }
    return records, size, positions


def many_nodes(
    ledger: Ledger, settings: Settings, env: dict[str, str], nodes: int, seconds: float = 20.0
) -> list[str]:
    """Run ``nodes`` servers for ``seconds`` of writes; the printable findings."""
    lines = [f"many API nodes: {nodes} gongshi serve processes on the primary, {seconds:g} s"]
    app_name = f"gongshi-scale-{uuid4().hex[:8]}"
    logs = Path(tempfile.mkdtemp(prefix="gongshi-scale-nodes-"))
    ports = [_free_port() for _ in range(nodes)]
    servers: list[subprocess.Popen[bytes]] = []
    signed_before = int(ledger.db.execute("SELECT COUNT(*) FROM gongshi_log_checkpoints")[0][0])
    sampler = Sampler(settings, app_name)
    try:
        began = time.perf_counter()
        for n, port in enumerate(ports):
            name = f"{app_name}-{n + 1}"  # this server's backends in pg_stat_activity
            url = env["GONGSHI_DATABASE_URL"] + f"&application_name={name}"
            child_env = {**env, "GONGSHI_DATABASE_URL": url, "PGAPPNAME": name,
                         "GONGSHI_CHECKPOINT_INTERVAL": "0.5"}  # fmt: skip
            out = (logs / f"serve-{port}.log").open("wb")
            servers.append(subprocess.Popen(
                [str(ROOT / ".venv" / "bin" / "gongshi"), "serve", "--port", str(port)],
                env=child_env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT,
            ))  # fmt: skip
        waiting = set(ports)
        while waiting and time.perf_counter() - began < READY_PATIENCE:
            waiting = {p for p in waiting if not _ready(p)}
            time.sleep(0.5)
        if waiting:
            return [*lines, f"  NOT READY after {READY_PATIENCE:g} s: ports {sorted(waiting)}"
                    f" (logs in {logs})"]  # fmt: skip
        lines.append(f"  ready in {time.perf_counter() - began:.1f} s (ports {ports})")
        sampler.start()
        writes = _write_for(ledger, seconds)
        lines.append(f"  {len(writes)} domain saves written meanwhile by this process"
                     f" (p50 {sorted(writes)[len(writes) // 2] * 1000:.0f} ms)")  # fmt: skip
        deadline = time.perf_counter() + 60
        while time.perf_counter() < deadline:
            records, size, positions = _state(ledger)
            if size == records and positions and min(positions.values()) == size:
                break
            time.sleep(0.5)
        sampler.stop.set()
        sampler.join()
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
        for server in servers:
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
    records, size, positions = _state(ledger)
    lines.append(f"  pg_locks sampled {sampler.rounds:,} times over the servers' backends:")
    for name, seen in sorted(sampler.seen.items()):
        lines.append(
            f"    {name}: held by at most {seen.max_holders} backend at once"
            f" [{'ok' if seen.max_holders <= 1 else 'TWO HOLDERS'}], by {len(seen.holders)} of"
            f" the {nodes} servers in turn; a server waiting for it in {seen.waited} samples"
        )
    signed = ledger.db.execute(
        "SELECT size, root FROM gongshi_log_checkpoints ORDER BY size DESC LIMIT 1"
    )
    count = int(ledger.db.execute("SELECT COUNT(*) FROM gongshi_log_checkpoints")[0][0])
    same = bool(signed) and bytes(signed[0][1]) == ledger.log.root(int(signed[0][0]))
    lines.append(
        f"  log: {size:,} leaves for {records:,} stored records"
        f" [{'ok' if size == records else 'DIFFERENT'}]; {count - signed_before} checkpoints"
        f" signed by the servers (one row per size), the newest's root"
        f" {'equals' if same else 'DIFFERS FROM'} the tiles' root"
    )
    behind = {n: p for n, p in positions.items() if p != size}
    lines.append(
        f"  projections: {len(positions)} at the log's size {size:,}"
        if not behind
        else f"  projections NOT at the log's size {size:,}: {behind}"
    )
    lines.append(f"  (server logs in {logs})")
    return lines


def _write_for(ledger: Ledger, seconds: float) -> list[float]:
    """``Points.enter`` deductions on random books for ``seconds``; each save's latency."""
    books = random_books(ledger, 50, os.getpid())
    rng = random.Random(os.getpid())
    latencies: list[float] = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        book = rng.choice(books)
        state = Points(ledger).book(book)
        points = Points(ledger, SchemeConfig(county=state.county, year=state.year))
        actor = Actor(f"tpc-{state.county}-{state.township}", Role.TOWNSHIP_PARTY_COMMITTEE)
        began = time.perf_counter()
        points.enter(book, quarter=4, component=Component.DEDUCTION, points_tenths=5,
                     reason="基准测试：多节点写入", actor=actor)  # fmt: skip
        latencies.append(time.perf_counter() - began)
    return latencies
