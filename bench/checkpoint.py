"""From a write's 2xx to a checkpoint that includes it, cosigned by 2 of 3 witnesses.

Setup (not timed): a fresh PostgreSQL schema gongshi_ckpt_<hex> at GONGSHI_TEST_DATABASE_URL
(default postgresql://postgres@127.0.0.1:5432/test; dropped at the end), a temp
GONGSHI_HOME, ``gongshi keys init --witness finance --witness audit --witness supervision``
(ML-DSA-44 witness keys and the default policy: 2 of the 3), an intake token, and
``gongshi serve`` (one worker, GONGSHI_CHECKPOINT_INTERVAL at its default of 2 s unless
--interval), as subprocesses with the same environment.

Three ``gongshi-verify witness serve`` processes run on loopback throughout. Phases a and b
alternate (--rounds pairs, default 4, so that drift on a shared machine falls on both),
each --seconds (default 10) after a 2 s warm-up, with
--writers (default 4) closed-loop writers (one thread and one keep-alive connection each,
POST /api/v1/subjects):

a. without witnesses: ``gongshi witness set-url NAME none``: nothing is submitted;
b. with witnesses: their URLs set with ``gongshi witness set-url`` (the running server reads
   the policy file again); after b, until the last write of b is witnessed.

Figures: writes/s in each phase and the ratio b/a (target >= 0.95); for every write of b, the
time from its 2xx (its evidence carries its leaf index) to the first moment a monitor
polling GET /log/v1/checkpoint every 50 ms sees a checkpoint of a larger size, each new one
checked with verify/ against the policy (the log's signature and 2 of 3 cosignatures):
p50, p90, p99, max (target p99 <= 5 s at the default interval). Also the checkpoints signed
and witnessed during b, and each witness's state at the end (gongshi log status).

    python bench/checkpoint.py [--seconds S] [--writers N] [--rounds R] [--interval SECONDS]
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from argparse import ArgumentParser, Namespace
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from uuid import uuid4

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ledger.settings import Database, parse_database_url
from verify.policy import Policy, PolicyError, check_policy, parse_policy

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
DEPARTMENTS = ("finance", "audit", "supervision")
BODY = json.dumps({"kind": "worker", "personal": {"name": "基准"}}).encode()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def gongshi(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "api.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"gongshi {' '.join(args)}: {done.stdout}\n{done.stderr}")
    return done.stdout


def wait_http(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not come up:\n{log.read_text()}") from None
            time.sleep(0.1)


@contextmanager
def process(args: list[str], env: dict[str, str], log: Path, ready: str) -> Iterator[None]:
    with log.open("wb") as out:
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_http(ready, proc, log)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Monitor(threading.Thread):
    """Polls the served (witnessed) checkpoint; the first moment each size was seen."""

    def __init__(self, port: int, policy: Policy) -> None:
        super().__init__(daemon=True)
        self.port, self.policy = port, policy
        self.seen: list[tuple[float, int]] = []
        self.invalid: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        size = -1
        while not self.stop.is_set():
            conn.request("GET", "/log/v1/checkpoint")
            response = conn.getresponse()
            body = response.read().decode()
            now = time.monotonic()
            if response.status == 200 and int(body.split("\n")[1]) > size:
                try:
                    checkpoint, _ = check_policy(body, self.policy)
                    size = checkpoint.size
                    self.seen.append((now, size))
                except (PolicyError, ValueError) as e:
                    self.invalid.append(str(e))
            self.stop.wait(0.05)

    def covered_at(self, leaf: int) -> float | None:
        return next((t for t, size in self.seen if size > leaf), None)


def writers(port: int, token: str, count: int, seconds: float) -> list[tuple[float, int]]:
    """``count`` closed-loop writers for ``seconds``; (2xx time, leaf index) of each write."""
    done: list[tuple[float, int]] = []
    errors: list[str] = []
    end = time.monotonic() + seconds
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def write() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < end:
            conn.request("POST", "/api/v1/subjects", BODY, headers)
            response = conn.getresponse()
            body = response.read()
            if response.status != 201:
                errors.append(f"{response.status} {body[:200]!r}")
                continue
            done.append((time.monotonic(), int(json.loads(body)["evidence"]["leaf_index"])))

    threads = [threading.Thread(target=write) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"{len(errors)} writes failed, first: {errors[0]}")
    return done


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def run(args: Namespace, home: Path, database: Database) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGSHI_")}
    env.update(GONGSHI_HOME=str(home), GONGSHI_DATABASE_URL=database.url, PYTHONPATH=str(ROOT))
    if args.interval is not None:
        env["GONGSHI_CHECKPOINT_INTERVAL"] = str(args.interval)
    witness_args = [a for name in DEPARTMENTS for a in ("--witness", name)]
    gongshi(env, "keys", "init", *witness_args)
    token = gongshi(env, "tokens", "create", "--principal", "bench-intake", "--role", "intake")
    token = token.strip().splitlines()[0]
    policy = parse_policy((home / "policy").read_text())
    port = free_port()
    serve = [sys.executable, "-m", "api.cli", "serve", "--port", str(port)]
    rates: dict[str, list[float]] = {"a": [], "b": []}
    written: list[tuple[float, int]] = []
    with process(serve, env, home / "serve.log", f"http://127.0.0.1:{port}/healthz"), \
            witnesses(env, home) as urls:  # fmt: skip
        monitor = Monitor(port, policy)
        monitor.start()
        for round_ in range(1, args.rounds + 1):
            for name in urls:  # a: the policy names no URL, nothing is submitted
                gongshi(env, "witness", "set-url", name, "none")
            writers(port, token, args.writers, 2.0)  # warm-up
            done = writers(port, token, args.writers, args.seconds)
            rates["a"].append(len(done) / args.seconds)
            for name, url in urls.items():  # b: the server reads the policy file again
                gongshi(env, "witness", "set-url", name, url)
            writers(port, token, args.writers, 2.0)
            done = writers(port, token, args.writers, args.seconds)
            rates["b"].append(len(done) / args.seconds)
            written += done
            drain(monitor, max(leaf for _, leaf in done))
            print(f"round {round_}: a (no witness) {rates['a'][-1]:.1f} writes/s, "
                  f"b (3 witnesses) {rates['b'][-1]:.1f} writes/s")  # fmt: skip
        monitor.stop.set()
        monitor.join()
        report(written, monitor, rates)
        print(gongshi(env, "log", "status").rstrip())


def drain(monitor: Monitor, leaf: int, seconds: float = 60) -> None:
    """Wait until a witnessed checkpoint covers ``leaf``."""
    deadline = time.monotonic() + seconds
    while monitor.covered_at(leaf) is None:
        if time.monotonic() > deadline:
            raise RuntimeError(f"leaf {leaf} not witnessed in {seconds} s: {monitor.invalid}")
        time.sleep(0.05)


@contextmanager
def witnesses(env: dict[str, str], home: Path) -> Iterator[dict[str, str]]:
    """The three departments' ``gongshi-verify witness serve`` processes; their URLs."""
    urls: dict[str, str] = {}
    with ExitStack() as stack:
        for name in DEPARTMENTS:
            port = free_port()
            args = [
                sys.executable, "-m", "verify", "witness", "serve", "--name", name,
                "--key", str(home / "keys" / f"witness-{name}.skey"),
                "--state", str(home / "witness" / f"{name}.json"),
                "--log-vkey", str(home / "keys" / "log.vkey"),
                "--listen", f"127.0.0.1:{port}",
            ]  # fmt: skip
            (home / "witness").mkdir(exist_ok=True)
            url = f"http://127.0.0.1:{port}"
            stack.enter_context(process(args, env, home / f"witness-{name}.log", url))
            urls[name] = url
        yield urls


def report(
    written: list[tuple[float, int]], monitor: Monitor, rates: dict[str, list[float]]
) -> None:
    waits = []
    for acked, leaf in written:
        covered = monitor.covered_at(leaf)
        assert covered is not None  # drained
        waits.append(max(0.0, covered - acked))
    without, with_ = statistics.mean(rates["a"]), statistics.mean(rates["b"])
    ratio = with_ / without
    verdict = "met" if ratio >= 0.95 else "NOT met"
    print(f"write throughput: without witnesses {without:.1f} writes/s, with {with_:.1f}; "
          f"ratio {ratio:.3f} (target >= 0.95: {verdict})")  # fmt: skip
    print(f"witnessed checkpoints seen by the monitor: {len(monitor.seen)}, each verified "
          f"(log signature, 2 of 3 cosignatures); invalid: {len(monitor.invalid)}")  # fmt: skip
    p99 = percentile(waits, 99)
    print(f"2xx -> checkpoint cosigned by 2 of 3 including it, {len(waits)} writes: "
          f"p50 {statistics.median(waits):.2f} s, p90 {percentile(waits, 90):.2f} s, "
          f"p99 {p99:.2f} s, max {max(waits):.2f} s "
          f"(target p99 <= 5 s: {'met' if p99 <= 5 else 'NOT met'})")  # fmt: skip


def main() -> None:
    parser = ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=4, help="a/b phase pairs")
    parser.add_argument("--interval", type=float, help="GONGSHI_CHECKPOINT_INTERVAL (s)")
    args = parser.parse_args()
    url = os.environ.get("GONGSHI_TEST_DATABASE_URL") or DEFAULT_URL
    schema = f"gongshi_ckpt_{uuid4().hex[:12]}"
    database = parse_database_url(f"{url.split('?')[0]}?schema={schema}")
    try:
        with tempfile.TemporaryDirectory(prefix="gongshi-ckpt-") as tmp:
            run(args, Path(tmp), database)
    finally:
        with psycopg.connect(database.psycopg_conninfo(), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


if __name__ == "__main__":
    main()
