"""Scale (issue 16, "five province-years"): a PostgreSQL ledger grown in steps, measured at each.

The ledger lives in its own schema (default a new ``gongshi_scale_<hex>`` on
127.0.0.1:5432/test, or --url/--schema of an existing one to grow) and its GONGSHI_HOME
(keys, witness state; --home, default /tmp/gongshi-scale-<schema>). It grows to each of
--sizes (default 1M,3M,10M records) by bulk loading (bench/scale_load.py: valid points
records of whole county-years, built by the domain's aggregates, mapped by the app's
mapper and written with COPY; its docstring says exactly how), and at each size reports:

- generation: records/s of the bulk load (domain + vault rows + COPY), not a target;
- integration: leaves/s of ``LogStore.integrate`` over the step's new records;
- proofs: ``ledger.log.proofs.inclusion`` (random index, size = the log's) and
  ``consistency`` (random old size -> the log's), in-process, --samples each, p50/p99;
  target p99 <= 5 ms;
- a write's latency: --writes genuine domain saves through the ledger (``Points.enter``: a
  deduction on a random book, loaded, checked, saved by ``LedgerApp.save`` with its
  principal checks), p50/p99, with the log at that size;
- a checkpoint signed and cosigned by the three departments' local witnesses (not timed);
- projections: ``catch_up`` of every projection over the step's new leaves (leaves/s);
- ``gongshi rebuild --all`` (a child process: wall time, peak RSS); target < 5 min at 10M;
- ``gongshi export DIR`` (a child: the auditor's bundle with the published lists);
- ``gongshi-verify bundle DIR --policy HOME/policy`` (a child: must print VALID; wall
  time, peak RSS from getrusage(RUSAGE_CHILDREN) in a small launcher whose only child is
  the verifier); targets at 10M: < 2 min, < 300 MB;
- database size: pg_total_relation_size of the schema's tables (events, log, projections,
  vault, the rest).

At the first size, "many API nodes" (bench/scale_nodes.py): 4 ``gongshi serve`` processes
on the primary while this process writes; the integration and checkpoint-signing advisory
lock is sampled in pg_locks (one holder at a time), and afterwards one log with one root
per size and the projections at the log's end, each once (``gongshi check``, ``rebuild``
digests identical).

At the end: a table of cost per record across the sizes (seconds per million records of
each step, the step's work divided by what it covered), so a cost that grows with the log
shows as a rising column.

Figures measured on a shared 2-core machine are contended; the lead reruns them quietly.
Advisory lock keys are the database's, not the schema's: ledgers in other schemas of the
same database take turns on the same integration and projection locks, so the children
get GONGSHI_DB_LOCK_TIMEOUT=300 (a rebuild waiting on another benchmark's lock is slower,
not failed).

    python bench/scale.py [--sizes 1M,3M,10M] [--url URL] [--schema S --home DIR] [--keep]
                          [--samples 2000] [--writes 200] [--no-nodes] [--quick]

Resumable: with --keep the schema and the home stay (their names are printed); the same
--schema and --home with larger --sizes grow that ledger by further units and measure
again (a size is measured at the ledger's size when it holds more, and skipped when it
holds the next size of the list). A run interrupted in
a unit leaves a valid prefix: the next run continues with the next unit. --quick: sizes
50k,100k, 300 proofs, 50 writes (a few minutes).
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from argparse import ArgumentParser, Namespace
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "bench"))  # after ROOT: bench/verify.py is not verify/

import psycopg
from scale_books import random_books
from scale_load import grow, stored_count
from scale_run import Run, measured

from ledger.actor import Actor, Role
from ledger.ledger import Ledger, open_ledger
from ledger.log import proofs
from ledger.log.checkpoints import sign_checkpoint
from ledger.log.keys import load_signer
from ledger.log.local_witnesses import run_local_witnesses
from ledger.log.witnesses import DEPARTMENTS, declared_policy
from ledger.log.witnessing import log_verifier
from ledger.points.config import Component, SchemeConfig
from ledger.points.service import Points
from ledger.settings import Settings, load_settings
from projections.registry import REBUILD_BATCH, projections_of

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
TARGETS = {  # at 10M records (issue 16)
    "verify_seconds": 120.0,
    "verify_mb": 300.0,
    "proof_p99_ms": 5.0,
    "rebuild_seconds": 300.0,
}


@dataclass
class Step:
    """What one size measured."""

    size: int  # asked for
    log_size: int = 0  # the log's leaves when measured (whole units: at least ``size``)
    added: int = 0
    generation: float = 0.0  # s for the added records
    integrated: int = 0
    integration: float = 0.0
    inclusion: list[float] = field(default_factory=list)  # s
    consistency: list[float] = field(default_factory=list)
    writes: list[float] = field(default_factory=list)
    caught_up: int = 0
    catch_up: float = 0.0
    rebuild: Run | None = None
    export: Run | None = None
    verify: Run | None = None
    db_bytes: dict[str, int] = field(default_factory=dict)


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def parse_size(text: str) -> int:
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * scale)


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


TEN_M = 10_000_000


def against(value: float, target: float, unit: str, records: int, linear: bool) -> str:
    """``value`` against a 10M target: judged at 10M or more; below, with ``linear`` the
    value scaled to 10M in proportion to the records (what a constant cost per record
    would give) is judged instead."""
    if records >= TEN_M:
        return f"target < {target:g} {unit} at 10M: {verdict(value < target)}"
    if not linear:
        return f"target < {target:g} {unit} at 10M"
    scaled = value * TEN_M / records
    return (
        f"target < {target:g} {unit} at 10M; x{TEN_M / records:.1f} to 10M at this cost per"
        f" record: {scaled:,.0f} {unit}, {verdict(scaled < target)}"
    )


class Bench:
    def __init__(self, args: Namespace, settings: Settings, env: dict[str, str]) -> None:
        self.args = args
        self.settings = settings
        self.env = env
        self.ledger: Ledger = open_ledger(settings)
        self.rng = random.Random(args.seed)
        self.out = Path(tempfile.mkdtemp(prefix="gongshi-scale-export-"))

    def say(self, line: str) -> None:
        print(line, flush=True)

    def close(self) -> None:
        self.ledger.close()
        shutil.rmtree(self.out, ignore_errors=True)

    # --- the steps -------------------------------------------------------------------

    def step(self, size: int) -> Step:
        step = Step(size)
        ledger = self.ledger
        self.say(f"== size {size:,} records ==")
        began = time.perf_counter()
        written = grow(ledger, size, self.args.unit_records, self.args.per_round, self.say)
        step.generation = time.perf_counter() - began
        step.added = written.records + written.service_records
        if written.records:
            self.say(
                f"generation: {step.added:,} records in {step.generation:.1f} s"
                f" ({step.added / step.generation:,.0f} records/s; domain and vault"
                f" {written.domain_seconds:.1f} s, mapping and COPY {written.copy_seconds:.1f} s,"
                f" {written.service_records:,} through LedgerApp.save)"
            )
        began = time.perf_counter()
        step.integrated = ledger.log.integrate()
        step.integration = time.perf_counter() - began
        log_size = step.log_size = ledger.log.state().size
        rate = step.integrated / step.integration if step.integration else 0.0
        self.say(
            f"integration: {step.integrated:,} leaves in {step.integration:.1f} s"
            f" ({rate:,.0f} leaves/s); log size {log_size:,}"
        )
        self.proofs(step, log_size)
        self.writes(step)
        self.checkpoint()
        self.catch_up(step)
        step.rebuild = self.child("rebuild --all", ["gongshi", "rebuild", "--all"])
        self.report_child(step.rebuild, "rebuild --all", log_size, TARGETS["rebuild_seconds"])
        said = step.rebuild.output.splitlines()
        same, different = (sum(f" is {word}" in line for line in said)
                           for word in ("identical", "DIFFERENT"))  # fmt: skip
        self.say(f"  rebuilt digests: {same} identical to the live projections', {different}"
                 " different")  # fmt: skip
        bundle = self.out / f"bundle-{log_size}"
        step.export = self.child("export", ["gongshi", "export", str(bundle)])
        self.report_child(step.export, "gongshi export", log_size, None)
        if step.export.code == 0:
            policy = str(self.settings.home / "policy")
            step.verify = self.child(
                "verify", ["gongshi-verify", "bundle", str(bundle), "--policy", policy]
            )
            valid = "VALID" in step.verify.output.splitlines()
            self.report_child(step.verify, "gongshi-verify bundle", log_size,
                              TARGETS["verify_seconds"], TARGETS["verify_mb"])  # fmt: skip
            self.say(f"  verdict: {'VALID' if valid else 'NOT VALID'}")
            if not valid:
                self.say("  NOT VALID:\n    " + "\n    ".join(step.verify.output.splitlines()[:20]))
            shutil.rmtree(bundle, ignore_errors=True)
        step.db_bytes = self.db_size()
        total = sum(step.db_bytes.values())
        parts = ", ".join(f"{k} {v / 2**20:,.0f} MB" for k, v in step.db_bytes.items())
        self.say(
            f"database: {total / 2**30:.2f} GB ({total / log_size:,.0f} bytes/record): {parts}"
        )
        return step

    def proofs(self, step: Step, size: int) -> None:
        store, recorder, rng = self.ledger.log, self.ledger.app.recorder, self.rng
        for _ in range(self.args.samples):
            index = rng.randrange(size)
            began = time.perf_counter()
            proofs.inclusion(store, recorder, index, size)
            step.inclusion.append(time.perf_counter() - began)
        for _ in range(self.args.samples):
            old = rng.randrange(1, size)
            began = time.perf_counter()
            proofs.consistency(store, old, size)
            step.consistency.append(time.perf_counter() - began)
        target = TARGETS["proof_p99_ms"]
        for name, values in (("inclusion", step.inclusion), ("consistency", step.consistency)):
            p99 = quantile(values, 0.99) * 1000
            self.say(
                f"{name} proof, in-process, {len(values):,} samples: p50"
                f" {quantile(values, 0.5) * 1000:.2f} ms, p99 {p99:.2f} ms"
                f" (target p99 <= {target:g} ms at 10M: {verdict(p99 <= target)} at this size)"
            )

    def writes(self, step: Step) -> None:
        """``Points.enter``: a deduction on a random book, through the ledger's service."""
        ledger = self.ledger
        books = random_books(ledger, self.args.writes, self.rng.randrange(2**32))
        for book in books:
            state = Points(ledger).book(book)
            points = Points(ledger, SchemeConfig(county=state.county, year=state.year))
            actor = Actor(f"tpc-{state.county}-{state.township}", Role.TOWNSHIP_PARTY_COMMITTEE)
            began = time.perf_counter()
            points.enter(
                book, quarter=4, component=Component.DEDUCTION, points_tenths=5,
                reason="基准测试：督查通报扣分", actor=actor,
            )  # fmt: skip
            step.writes.append(time.perf_counter() - began)
        began = time.perf_counter()
        added = ledger.log.integrate()
        seconds = time.perf_counter() - began
        self.say(
            f"write latency (Points.enter: load the book, check, LedgerApp.save), {len(books)}"
            f" saves: p50 {quantile(step.writes, 0.5) * 1000:.1f} ms, p99"
            f" {quantile(step.writes, 0.99) * 1000:.1f} ms; their {added} leaves integrated"
            f" in {seconds * 1000:.0f} ms"
        )

    def checkpoint(self) -> None:
        settings, ledger = self.settings, self.ledger
        log = log_verifier(settings)
        assert log is not None
        policy = declared_policy(settings.home, log)
        signer = load_signer(settings.log_skey_path, settings.origin)
        signed = sign_checkpoint(ledger.log, signer, settings.origin, ledger.clock, policy)
        names = run_local_witnesses(
            ledger.log, settings.home, DEPARTMENTS, int(time.time()), policy, datetime.now(UTC)
        )
        size = signed.checkpoint.size if signed is not None else ledger.log.state().size
        self.say(f"checkpoint {size:,} signed, cosigned by {', '.join(names)}")

    def catch_up(self, step: Step) -> None:
        began = time.perf_counter()
        with projections_of(self.ledger, self.settings, batch=REBUILD_BATCH) as projections:
            step.caught_up = projections.catch_up()
        step.catch_up = time.perf_counter() - began
        rate = step.caught_up / step.catch_up if step.catch_up else 0.0
        self.say(
            f"projections catch-up: {step.caught_up:,} leaves in {step.catch_up:.1f} s"
            f" ({rate:,.0f} leaves/s)"
        )

    def child(self, label: str, command: list[str]) -> Run:
        executable = shutil.which(command[0], path=str(ROOT / ".venv" / "bin")) or shutil.which(
            command[0]
        )
        assert executable is not None, command[0]
        self.say(f"{label}: {' '.join(command)} ...")
        return measured([executable, *command[1:]], self.env, ROOT)

    def report_child(
        self, run: Run, label: str, records: int, target_s: float | None,
        target_mb: float | None = None,
    ) -> None:  # fmt: skip
        rss = run.max_rss_kib / 1024
        targets = []
        if target_s is not None:
            targets.append(against(run.seconds, target_s, "s", records, linear=True))
        if target_mb is not None:
            targets.append(against(rss, target_mb, "MB", records, linear=False))
        status = "" if run.code == 0 else f" EXIT {run.code}"
        self.say(
            f"  {label}: {run.seconds:.1f} s ({records / run.seconds:,.0f} records/s),"
            f" CPU {run.cpu:.1f} s, peak RSS {rss:,.0f} MB{status}"
            + (f" ({'; '.join(targets)})" if targets else "")
        )
        if run.code != 0:
            self.say("    " + "\n    ".join(run.output.strip().splitlines()[-15:]))

    def db_size(self) -> dict[str, int]:
        schema = self.settings.database.schema or "public"
        rows = self.ledger.db.execute(
            "SELECT tablename, pg_total_relation_size(quote_ident(schemaname) || '.' ||"
            " quote_ident(tablename))"
            " FROM pg_tables WHERE schemaname = ?",
            (schema,),
        )
        groups = {"events": 0, "log": 0, "projections": 0, "vault": 0, "other": 0}
        for table, size in rows:
            name = str(table)
            key = (
                "events" if name == "gongshi_events"
                else "log" if name.startswith("gongshi_log_")
                else "projections" if name.startswith("gongshi_proj_")
                else "vault" if name.startswith("gongshi_vault_")
                else "other"
            )  # fmt: skip
            groups[key] += int(size)
        return groups


def cost_table(steps: list[Step]) -> list[str]:
    """Seconds per million records of each step, per size."""
    lines = [
        "cost per record (seconds per million records of the step's own work; a rising column"
        " is a cost that grows with the log):",
        f"{'log size':>12} {'generate':>9} {'integrate':>9} {'catch-up':>9} {'rebuild':>9}"
        f" {'export':>9} {'verify':>9} {'incl p99':>9} {'cons p99':>9} {'write p99':>9}"
        f" {'db B/rec':>9}",
    ]

    def per_m(seconds: float, records: int) -> str:
        return f"{seconds / records * 1e6:9.1f}" if records else f"{'-':>9}"

    def run_m(run: Run | None, records: int) -> str:
        return per_m(run.seconds, records) if run is not None else f"{'-':>9}"

    for s in steps:
        lines.append(
            f"{s.log_size:>12,} {per_m(s.generation, s.added)}"
            f" {per_m(s.integration, s.integrated)} {per_m(s.catch_up, s.caught_up)}"
            f" {run_m(s.rebuild, s.log_size)} {run_m(s.export, s.log_size)}"
            f" {run_m(s.verify, s.log_size)}"
            f" {quantile(s.inclusion, 0.99) * 1000:7.2f}ms"
            f" {quantile(s.consistency, 0.99) * 1000:7.2f}ms"
            f" {quantile(s.writes, 0.99) * 1000:7.1f}ms"
            f" {sum(s.db_bytes.values()) / max(1, s.log_size):9,.0f}"
        )
    return lines


# --- setup -------------------------------------------------------------------------------


def prepare(args: Namespace) -> tuple[Settings, dict[str, str]]:
    """The home (keys made by ``gongshi keys init`` with three witnesses) and the env of the
    ``gongshi`` children."""
    url = f"{args.url.split('?')[0]}?schema={args.schema}"
    env = {
        **os.environ,
        "GONGSHI_HOME": str(args.home),
        "GONGSHI_DATABASE_URL": url,
        "GONGSHI_LANG": "en",
        # The lock keys are the schema's (ledger.db.lock_key): other ledgers in other
        # schemas no longer take turns with this one. The rebuild may still wait for the
        # nodes' projection steps on this schema: wait (the most the setting allows)
        # rather than fail with a lock timeout.
        "GONGSHI_DB_LOCK_TIMEOUT": "300",
        "PYTHONPATH": str(ROOT),
    }
    if not (args.home / "keys" / "log.skey").exists():
        args.home.mkdir(parents=True, exist_ok=True, mode=0o700)
        gongshi = str(ROOT / ".venv" / "bin" / "gongshi")
        subprocess.run(
            [gongshi, "keys", "init", *(f"--witness={d}" for d in DEPARTMENTS)],
            env=env, check=True, capture_output=True,
        )  # fmt: skip
    return load_settings(env), env


def drop_schema(url: str, schema: str) -> None:
    with psycopg.connect(url.split("?")[0], autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def parse_args() -> Namespace:
    parser = ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="1M,3M,10M", help="records at each step (k, M)")
    parser.add_argument("--quick", action="store_true", help="sizes 50k,100k, 300 samples")
    parser.add_argument("--url", default=os.environ.get("GONGSHI_TEST_DATABASE_URL", DEFAULT_URL))
    parser.add_argument(
        "--schema", help="the schema (new, or an existing one to grow with its --home)"
    )
    parser.add_argument("--home", type=Path, help="GONGSHI_HOME (keys; kept with --keep)")
    parser.add_argument("--keep", action="store_true", help="keep the schema and the home")
    parser.add_argument("--samples", type=int, default=2000, help="proofs of each kind")
    parser.add_argument("--writes", type=int, default=200, help="timed domain saves")
    parser.add_argument("--unit-records", type=int, default=200_000, help="per county-year")
    parser.add_argument("--per-round", type=int, default=5, help="entries per book per COPY")
    parser.add_argument("--nodes", type=int, default=4, help="serve processes (0: skip)")
    parser.add_argument("--no-nodes", action="store_true", help="skip the API-nodes part")
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.samples, args.writes = "50k,100k", 300, 50
        args.unit_records = min(args.unit_records, 40_000)
    args.size_list = sorted(parse_size(s) for s in args.sizes.split(","))
    if args.no_nodes:
        args.nodes = 0
    args.schema = args.schema or f"gongshi_scale_{uuid4().hex[:10]}"
    args.home = args.home or Path(tempfile.gettempdir()) / f"gongshi-scale-{args.schema}"
    return args


def main() -> int:
    args = parse_args()
    began = time.perf_counter()
    print(
        f"scale: schema {args.schema} on {args.url.split('?')[0]}, home {args.home}; sizes"
        f" {', '.join(f'{s:,}' for s in args.size_list)}; figures on a shared machine are"
        " contended",
        flush=True,
    )
    print(
        "records: whole county-year points units (1,296 cadres each: principals, scheme and"
        " plans through LedgerApp.save; subjects, books, allocations and score entries built"
        " by the aggregates in memory, mapped by the app's mapper, written with COPY in"
        " notification order; bench/scale_load.py)",
        flush=True,
    )
    settings, env = prepare(args)
    bench = Bench(args, settings, env)
    steps: list[Step] = []
    try:
        for n, size in enumerate(args.size_list):
            later = args.size_list[n + 1] if n + 1 < len(args.size_list) else None
            if later is not None and stored_count(bench.ledger) >= later:
                print(f"== size {size:,}: the ledger already holds {later:,}; skipped ==")
                continue
            steps.append(bench.step(size))
            if n == 0 and args.nodes:
                from scale_nodes import many_nodes

                try:
                    for line in many_nodes(bench.ledger, settings, env, args.nodes):
                        print(line, flush=True)
                except Exception as e:  # reported; the sizes go on
                    print(f"many API nodes FAILED: {type(e).__name__}: {e}", flush=True)
            for line in cost_table(steps):
                print(line, flush=True)
    finally:
        bench.close()
        if args.keep:
            print(f"kept: schema {args.schema}, home {args.home} (--schema/--home to grow it)")
        else:
            drop_schema(args.url, args.schema)
            shutil.rmtree(args.home, ignore_errors=True)
            print(f"dropped schema {args.schema} and home {args.home}")
    print(f"total {time.perf_counter() - began:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
