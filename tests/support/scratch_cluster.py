"""A scratch PostgreSQL primary and a streaming replica of it, for the read-replica tests.

Never the shared cluster: ``initdb`` makes a primary in a temporary directory (trust
authentication, listening on 127.0.0.1 only, its socket in that directory), started on a
free port in PORTS; ``pg_basebackup -R`` copies it into a replica (a hot standby streaming
from it) started on another free port. Both run as the ``postgres`` OS user (``runuser``
when the tests run as root). ``ScratchPair.stop()`` stops both (``-m immediate``) and
removes the directory; ``scratch_pair()`` does so when its block ends, on failure too.

``unavailable_reason()`` says why this machine can't (binaries missing, neither root nor
the postgres user): the tests skip with it locally and fail with it in CI.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg

PORTS = range(5440, 5460)  # the team's range for scratch clusters
OS_USER = "postgres"
CONF = """
listen_addresses = '127.0.0.1'
unix_socket_directories = '{sockets}'
max_connections = 120
shared_buffers = 16MB
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = replica
max_wal_senders = 4
hot_standby = on
hot_standby_feedback = on
wal_receiver_status_interval = 1
log_min_messages = warning
"""


def bin_dir() -> Path | None:
    """The newest /usr/lib/postgresql/N/bin with initdb, pg_ctl and pg_basebackup."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    for path in reversed(found):
        if all((path / tool).exists() for tool in ("initdb", "pg_ctl", "pg_basebackup")):
            return path
    return None


def unavailable_reason() -> str | None:
    """None if this process can build the scratch clusters, else why not."""
    if bin_dir() is None:
        return "PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) not found"
    try:
        owner = pwd.getpwnam(OS_USER)
    except KeyError:
        return f"no {OS_USER!r} OS user to run the scratch clusters as"
    if os.geteuid() not in (0, owner.pw_uid):
        return f"the scratch clusters run as {OS_USER!r}: needs root (runuser) or that user"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "runuser not found (needed to run the scratch clusters as postgres)"
    return None


def _free_port(taken: set[int]) -> int:
    """A port of PORTS that nothing listens on (a race with another process is caught by
    the cluster's start failing, and retried on the next port)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:]
    first = 4 * int(worker) % len(PORTS) if worker.isdigit() else 0  # workers apart
    order: list[int] = [*PORTS[first:], *PORTS[:first]]
    for port in order:
        if port in taken:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError(f"no free port in {PORTS.start}..{PORTS.stop - 1}")


@dataclass
class ScratchPair:
    root: Path
    bin: Path
    primary_port: int = 0
    replica_port: int = 0

    @property
    def primary_dir(self) -> Path:
        return self.root / "primary"

    @property
    def replica_dir(self) -> Path:
        return self.root / "replica"

    def url(self, port: int, query: str = "") -> str:
        return f"postgresql://postgres@127.0.0.1:{port}/postgres" + (f"?{query}" if query else "")

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Run a PostgreSQL tool (by name, from ``bin``) as the postgres OS user."""
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", OS_USER, "--", *command]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, cwd=self.root, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed: {done.stdout}{done.stderr}")
        return done

    def _start(self, data: Path, taken: set[int], port: int = 0) -> int:
        """Start the cluster in ``data`` on ``port``, or on a free port (trying the next on
        failure)."""
        if port:
            self.run("pg_ctl", "-D", str(data), "-l", str(data / "server.log"), "-w",
                     "-t", "30", "-o", f"-p {port}", "start")  # fmt: skip
            return port
        last = ""
        for _ in range(5):
            port = _free_port(taken)
            try:
                self.run("pg_ctl", "-D", str(data), "-l", str(data / "server.log"), "-w",
                         "-t", "30", "-o", f"-p {port}", "start")  # fmt: skip
                return port
            except RuntimeError as e:
                last = str(e) + _tail(data / "server.log")
                taken.add(port)
        raise RuntimeError(f"could not start the cluster in {data}: {last}")

    def start(self) -> None:
        """initdb the primary, start it, copy it with pg_basebackup -R, start the replica
        and wait until it streams."""
        self.run("initdb", "-D", str(self.primary_dir), "-U", "postgres", "--auth=trust",
                 "-E", "UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions")  # fmt: skip
        with (self.primary_dir / "postgresql.conf").open("a") as conf:
            conf.write(CONF.format(sockets=self.root / "sockets"))
        self.primary_port = self._start(self.primary_dir, set())
        self.run("pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary_port), "-U",
                 "postgres", "-D", str(self.replica_dir), "-R", "-X", "stream",
                 "--checkpoint=fast", "--no-sync")  # fmt: skip
        self.start_replica()

    def start_replica(self) -> None:
        """Start the replica (again: on the port it had, which its clients know) and wait
        until the primary sees it streaming."""
        self.replica_port = self._start(self.replica_dir, {self.primary_port}, self.replica_port)
        deadline = time.monotonic() + 30
        while True:
            with psycopg.connect(self.url(self.primary_port), autocommit=True) as conn:
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"
                ).fetchone()
            if row is not None and row[0] >= 1:
                return
            if time.monotonic() > deadline:
                raise RuntimeError("the replica did not start streaming" + self.logs())
            time.sleep(0.05)

    def stop_replica(self) -> None:
        """Stop the replica at once (``-m immediate``: as if the machine went away)."""
        self.run("pg_ctl", "-D", str(self.replica_dir), "-m", "immediate", "-w", "stop")

    def replica_running(self) -> bool:
        return (self.replica_dir / "postmaster.pid").exists()

    def replica_sql(self, sql: str) -> list[tuple[object, ...]]:
        """Run ``sql`` on the replica (a superuser connection), its rows."""
        with psycopg.connect(self.url(self.replica_port), autocommit=True) as conn:
            cur = conn.execute(sql)
            return list(cur.fetchall()) if cur.description else []

    def logs(self) -> str:
        return "".join(_tail(d / "server.log") for d in (self.primary_dir, self.replica_dir))

    def stop(self) -> None:
        """Stop both clusters (immediately) and remove everything."""
        for data in (self.replica_dir, self.primary_dir):
            if (data / "postmaster.pid").exists():
                with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                    self.run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


def _tail(log: Path, lines: int = 20) -> str:
    try:
        text = log.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return ""
    return f"\n--- {log} ---\n" + "\n".join(text)


@contextlib.contextmanager
def scratch_pair() -> Iterator[ScratchPair]:
    """A running primary and streaming replica, stopped and removed when the block ends."""
    binaries = bin_dir()
    assert binaries is not None, unavailable_reason()
    root = Path(tempfile.mkdtemp(prefix="gongshi-replica-"))
    owner = pwd.getpwnam(OS_USER)
    (root / "sockets").mkdir()
    for path in (root, root / "sockets"):
        os.chown(path, owner.pw_uid, owner.pw_gid)
        path.chmod(0o700)
    pair = ScratchPair(root, binaries)
    try:
        pair.start()
        yield pair
    finally:
        pair.stop()
