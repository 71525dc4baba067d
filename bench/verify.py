"""Offline verifier throughput (issue 16, first row): ``gongshi-verify bundle`` vs Go's tlog.

1. generate: a genuine ledger (SQLite, in a temp dir) is filled through its own services by
   tests/integration/random_history.py's RandomHistory (care fund, points, supervision, key
   projects, erasures; the standard principal registry enrolled first), valid by construction,
   until it holds --records records (default 100,000; --records 300000 for the issue's figure).
   A checkpoint is signed, the three departments cosign it and the ledger exports the bundle
   (tests/integration/bundles.py: export_cosigned); the departments' policy is pinned.
   Generation is slow and slows down as the ledger grows (measured on a loaded 2-core machine:
   ~220 records/s at 3k, 107 at 17k, 57 at 58k; whether RandomHistory's reads or the ledger
   is the cause is not yet known): keep a bundle with --out DIR and time it again with
   --bundle DIR (its pinned-policy beside it).
2. verify: ``python -m verify bundle DIR --policy PINNED --jobs N`` in a child, --repeat times,
   for each N of --jobs (default "1,2": one process, then both cores; the verifier's default
   is the CPU count); each run must exit 0 and print VALID. Wall time, records/s, CPU time
   (the verifier's and its pool's) and peak RSS (getrusage(RUSAGE_CHILDREN) in a small
   launcher whose only child is the verifier: the largest one process of the verifier and
   its workers, not their sum; with --jobs N the N workers add ~25-35 MB each).
3. reference, same run: a Go program using golang.org/x/mod/sumdb/tlog (StoredHashes over each
   line of records.jsonl, then TreeHash) computes only the RFC 9162 root, built from Debian's
   golang-go and golang-golang-x-mod-dev (apt-get installed when missing; GO111MODULE=off with
   GOPATH=/usr/share/gocode). Its root must equal the bundle's. Printed: Python/Go speed ratio
   against the target >= 1.0x. Skipped with a message when Go can't be installed or built.
   It is root-only: StoredHashes hashes each leaf (a line without its LF, as the verifier's
   leaves; a canonical record never ends in the CR that bufio.ScanLines would also drop) and
   each interior node once, 2n - 1 hashes as a compact range does, keeping them (32 bytes
   each, so its RSS grows with n); TreeHash reads O(log n) of them. No parsing, no checks.

4. with several --bundle (e.g. two sizes), each is timed and a last table gives seconds,
   records/s, microseconds per record and peak RSS by size: a flat cost per record shows
   as the same microseconds per record at both sizes.

    python bench/verify.py [--records N] [--repeat N] [--out DIR | --bundle DIR ...]
                           [--jobs 1,2] [--seed N]
"""

from __future__ import annotations

import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from argparse import ArgumentParser, Namespace
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_RATIO = 1.0  # issue 16: the verifier at least as fast as Go's root-only computation
GOPATH = Path("/usr/share/gocode")
GO_PACKAGES = ("golang-go", "golang-golang-x-mod-dev")
GO_PROGRAM = r"""
// The RFC 9162 root of a file's lines (leaf data), with golang.org/x/mod/sumdb/tlog only.
package main

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"os"

	"golang.org/x/mod/sumdb/tlog"
)

type hashes []tlog.Hash

func (h hashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		out[i] = h[x]
	}
	return out, nil
}

func main() {
	f, err := os.Open(os.Args[1])
	if err != nil {
		panic(err)
	}
	scanner := bufio.NewScanner(bufio.NewReaderSize(f, 4<<20))
	scanner.Buffer(make([]byte, 1<<20), 64<<20)
	var stored hashes
	var n int64
	for scanner.Scan() {
		more, err := tlog.StoredHashes(n, scanner.Bytes(), stored)
		if err != nil {
			panic(err)
		}
		stored = append(stored, more...)
		n++
	}
	if err := scanner.Err(); err != nil {
		panic(err)
	}
	root, err := tlog.TreeHash(n, stored)
	if err != nil {
		panic(err)
	}
	fmt.Println(n, base64.StdEncoding.EncodeToString(root[:]))
}
"""

# -- generating a genuine bundle ----------------------------------------------------------------


def generate(out: Path, records: int, seed: int, scratch: Path) -> Path:
    """A bundle of at least ``records`` records exported to ``out`` from a ledger filled by
    RandomHistory; returns the pinned policy's path (beside ``out``)."""
    from ledger.clock import SteppingClock
    from ledger.demo.ids import seeded_ids
    from ledger.ledger import open_ledger
    from ledger.log.checkpoints import sign_checkpoint
    from ledger.log.keys import create_log_key, load_signer
    from ledger.settings import Settings, parse_database_url
    from tests.integration.bundles import ORIGIN, Keys, export_cosigned
    from tests.integration.helpers import stored_count
    from tests.integration.random_history import KINDS, RandomHistory

    KINDS_USED = range(KINDS)  # every operation, erase_subject included
    home = scratch / "ledger"
    home.mkdir(mode=0o700)
    database = parse_database_url(f"sqlite:///{home / 'ledger.db'}")
    settings = Settings(home=home / "home", database=database, vault_key_hex=secrets.token_hex(32))
    clock = SteppingClock(datetime(2023, 3, 1, 9, 0, tzinfo=UTC), timedelta(minutes=1))
    ledger = open_ledger(settings, clock=clock, new_id=seeded_ids(seed))
    try:
        history = RandomHistory(ledger, clock)
        rng = random.Random(seed)
        operations, start = 0, time.perf_counter()
        while (count := stored_count(ledger)) < records:
            # After the first 200 operations the day stays put (a multiple of 3 adds no
            # day in RandomHistory.apply), so any length stays inside the points season.
            a = rng.randrange(1000) if operations < 200 else 3 * rng.randrange(333)
            history.apply([(rng.choice(KINDS_USED), a, rng.randrange(1000))])
            operations += 1
            if operations % 2000 == 0:
                rate = count / (time.perf_counter() - start)
                print(f"  {count:,} records, {rate:,.0f} records/s", flush=True)
        seconds = time.perf_counter() - start
        print(f"  {count:,} records from {operations:,} operations in {seconds:.1f} s")
        create_log_key(settings.log_skey_path, settings.log_vkey_path, ORIGIN)
        keys = Keys.fresh(load_signer(settings.log_skey_path, ORIGIN))
        sign_checkpoint(ledger.log, keys.log, ORIGIN, clock)
        pinned = export_cosigned(ledger, settings, keys, out)
    finally:
        ledger.close()
    return pinned


def bundle_size(bundle: Path) -> tuple[int, str]:
    manifest = json.loads((bundle / "MANIFEST.json").read_text())
    return int(manifest["tree_size"]), str(manifest["root"])


# -- timing a child -----------------------------------------------------------------------------


@dataclass
class Run:
    code: int
    output: str
    seconds: float
    cpu: float
    max_rss_kib: int


# Starts one command and measures it, as a small process of its own (python -S): the command
# is its only child, so getrusage(RUSAGE_CHILDREN).ru_maxrss is that command's peak RSS (on
# Linux a child's ru_maxrss starts from its parent's high-water mark, which is this launcher's,
# not the generator's). Writes "exit-code wall-seconds cpu-seconds max-rss-KiB" to argv[1].
LAUNCHER = """
import os, resource, sys, time
start = time.perf_counter()
pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ)
_, status = os.waitpid(pid, 0)
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
code = os.waitstatus_to_exitcode(status)
with open(sys.argv[1], "w") as f:
    f.write(f"{code} {seconds} {usage.ru_utime + usage.ru_stime} {usage.ru_maxrss}")
"""


def measured(command: list[str], env: dict[str, str] | None = None) -> Run:
    """``command`` (an absolute executable first) run through LAUNCHER."""
    with tempfile.TemporaryDirectory() as scratch:
        figures, output = Path(scratch) / "figures", Path(scratch) / "output"
        with output.open("wb") as out:
            subprocess.run(
                [sys.executable, "-S", "-c", LAUNCHER, str(figures), *command],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env or dict(os.environ),
                cwd=ROOT,
                check=True,
            )
        code, seconds, cpu, max_rss = figures.read_text().split()
        text = output.read_text(errors="replace")
    return Run(int(code), text, float(seconds), float(cpu), int(max_rss))


def describe(name: str, run: Run, records: int) -> str:
    return (
        f"{name}: {run.seconds:.2f} s wall, CPU {run.cpu:.2f} s "
        f"({run.cpu / run.seconds:.2f} cores), {records / run.seconds:,.0f} records/s, "
        f"peak RSS {run.max_rss_kib / 1024:.1f} MB"
    )


def time_verifier(bundle: Path, pinned: Path, records: int, repeat: int, jobs: int) -> Run | None:
    """The fastest of ``repeat`` VALID runs; None (failures shown) if one isn't VALID."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "verify", "bundle", str(bundle), "--policy", str(pinned),
               "--jobs", str(jobs)]  # fmt: skip
    best: Run | None = None
    for n in range(1, repeat + 1):
        run = measured(command, env)
        lines = run.output.splitlines()
        if run.code != 0 or "VALID" not in lines:
            print(f"  run {n}: exit {run.code}, not VALID:")
            for line in lines[:25]:
                print(f"    {line}")
            return None
        print("  " + describe(f"--jobs {jobs} run {n} VALID", run, records))
        best = run if best is None or run.seconds < best.seconds else best
    return best


# -- the Go reference ---------------------------------------------------------------------------


def go_available() -> str:
    """'' when go and Debian's x/mod source are there (apt-get installing them if not, as
    root); else why not."""
    tlog = GOPATH / "src/golang.org/x/mod/sumdb/tlog"
    if shutil.which("go") and tlog.is_dir():
        return ""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return f"go or {tlog} missing and apt-get can't install {' '.join(GO_PACKAGES)} here"
    print(f"  installing {' '.join(GO_PACKAGES)} with apt-get ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for step in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *GO_PACKAGES]):
        done = subprocess.run(step, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            return f"{' '.join(step)} failed: {done.stderr.strip()[-300:]}"
    return "" if shutil.which("go") and tlog.is_dir() else f"installed, yet go or {tlog} missing"


def go_reference(records_file: Path, scratch: Path) -> tuple[Run, str] | str:
    """The Go root-only run over ``records_file`` and the root it printed; or why not."""
    why = go_available()
    if why:
        return why
    source = scratch / "gotlog" / "root.go"
    source.parent.mkdir(parents=True)
    source.write_text(GO_PROGRAM)
    binary = scratch / "gotlog" / "root"
    env = {
        **os.environ,
        "GOPATH": str(GOPATH),
        "GO111MODULE": "off",
        "GOFLAGS": "",
        "GOCACHE": str(scratch / "gocache"),
    }
    go = shutil.which("go") or "go"
    built = subprocess.run(
        [go, "build", "-o", str(binary), str(source)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if built.returncode != 0:
        return f"go build failed: {built.stderr.strip()[-300:]}"
    version = subprocess.run([go, "version"], capture_output=True, text=True, check=False)
    print(f"  built with {version.stdout.strip()}")
    run = measured([str(binary), str(records_file)])
    if run.code != 0:
        return f"the Go program failed: {run.output.strip()[-300:]}"
    return run, run.output.split()[-1]


# -- main ---------------------------------------------------------------------------------------


def parse_args() -> Namespace:
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000, help="records to generate")
    parser.add_argument("--repeat", type=int, default=1, help="timed verifier runs")
    parser.add_argument("--out", type=Path, help="export (and keep) the bundle here")
    parser.add_argument("--bundle", type=Path, action="append",
                        help="time this bundle (pinned-policy beside); repeatable")  # fmt: skip
    parser.add_argument("--jobs", default="1,2", help="the verifier's --jobs, comma-separated")
    parser.add_argument("--seed", type=int, default=2023, help="seed of the history")
    args = parser.parse_args()
    if args.records < 1 or args.repeat < 1:
        parser.error("--records and --repeat must be >= 1")
    if args.out is not None and args.out.exists() and any(args.out.iterdir()):
        parser.error(f"--out {args.out} is not empty")
    for bundle in args.bundle or []:
        if not (bundle.parent / "pinned-policy").is_file():
            parser.error(f"--bundle {bundle}: no pinned-policy beside it")
    args.jobs = [int(n) for n in args.jobs.split(",")]
    return args


def measure(bundle: Path, pinned: Path, args: Namespace, scratch: Path) -> list[str] | None:
    """Time the verifier (each --jobs) and Go on ``bundle``; rows for the size table."""
    records, root = bundle_size(bundle)
    size = (bundle / "records.jsonl").stat().st_size
    print(f"bundle {bundle}: {records:,} records, {size / 2**20:.1f} MB of records.jsonl")
    runs: dict[int, Run] = {}
    for jobs in args.jobs:
        print(f"verify: python -m verify bundle {bundle} --policy {pinned} --jobs {jobs}"
              f" (x{args.repeat})")  # fmt: skip
        run = time_verifier(bundle, pinned, records, args.repeat, jobs)
        if run is None:
            return None
        runs[jobs] = run
    rows = [
        f"{records:>10,} {jobs:>5} {run.seconds:>8.2f} {records / run.seconds:>10,.0f} "
        f"{run.seconds / records * 1e6:>8.1f} {run.max_rss_kib / 1024:>8.1f}"
        for jobs, run in runs.items()
    ]
    print("reference: Go golang.org/x/mod/sumdb/tlog, RFC 9162 root only, same leaves")
    reference = go_reference(bundle / "records.jsonl", scratch)
    if isinstance(reference, str):
        print(f"  SKIPPED: {reference} (no Go ratio)")
        return rows
    go, go_root = reference
    same = "same root as the bundle" if go_root == root else f"ROOT DIFFERS: {go_root}"
    print("  " + describe("Go", go, records) + f"; {same}")
    for jobs, run in runs.items():
        ratio = go.seconds / run.seconds
        verdict = "ok" if ratio >= TARGET_RATIO else "below target"
        print(
            f"--jobs {jobs}: {records / run.seconds:,.0f} records/s, {run.seconds:.2f} s, "
            f"peak RSS {run.max_rss_kib / 1024:.1f} MB; Go {go.seconds:.2f} s; "
            f"ratio (Go time / verifier time) {ratio:.3f}x; target >= {TARGET_RATIO:.1f}x "
            f"[{verdict}]; RSS Python/Go {run.max_rss_kib / go.max_rss_kib:.2f}x"
        )
    return rows if go_root == root else None


def main() -> int:
    args = parse_args()
    began = time.perf_counter()
    scratch = Path(tempfile.mkdtemp(prefix="gongshi-bench-verify-"))
    table: list[str] = []
    try:
        if args.bundle:
            bundles = [(b, b.parent / "pinned-policy") for b in args.bundle]
        else:
            bundle = args.out if args.out is not None else scratch / "export" / "bundle"
            bundle.parent.mkdir(parents=True, exist_ok=True)
            print(f"generate: at least {args.records:,} records through the ledger's services")
            bundles = [(bundle, generate(bundle, args.records, args.seed, scratch))]
        for n, (bundle, pinned) in enumerate(bundles):
            rows = measure(bundle, pinned, args, scratch / f"go{n}")
            if rows is None:
                return 1
            table += rows
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    head = ("records", 10), ("jobs", 5), ("seconds", 8), ("records/s", 10), ("us/rec", 8)
    print(" ".join(f"{name:>{width}}" for name, width in head) + f" {'RSS MB':>8}")
    print("\n".join(table))
    print(f"target at 10M records: < 120 s and < 300 MB (issue 16); total "
          f"{time.perf_counter() - began:.1f} s")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
