"""Projection rebuild speed: every projection replayed over a large log, against raw reads.

The log: ``ledger.demo.load_demo`` first (~36k records: the care fund, 1,296 points books
with the bottom-tenth supervision cases, key projects, the inspection), then --records in
all (default 1,000,000; --quick 100,000) made of

- points score entries on the demo's 1,296 books (points.ScoreEntered, ~98%): in rounds
  over every book, each book loaded once and kept in memory, --per-save entries appended
  through ``PointsBook.enter`` / ``PointsBook.correct`` (the domain's own rules, as the
  demo builds its books) and saved with one ``app.save``: 80% work on one of the cadre's
  tasks, 12% deductions, 3% bonuses while the cap allows, 5% corrections of an earlier
  entry; the demo closed the 2023 year, so it is reopened first (points.YearReopened with
  its reason, as a county would for late entries) and the entries are dated 15 January to
  20 March 2024 (Q4 of the 2023 books); actors are the demo's enrolled principals;
- care-fund cases of a second fund (~2%, interleaved with the rounds): a worker registered
  in the vault, then submitted, reviewed, approved (the fund year commits the grant),
  disbursed (the fund year books it), two in three followed up (the note in the vault),
  a contribution every 20 cases; case and fund year saved together, one save per case.

Every record goes through the aggregates' rules and the hash chain; the log is integrated
(``ledger.log.integrate()``) before anything is timed. Generation and integration times
are printed; they are not part of the figures.

Timed, on the same store:

1. raw reads of every record, --read-batch at a time: eventsourcing's
   ``app.recorder.select_notifications``; plain SQL of the ``state`` column as
   projections/leaves.py reads it (bytes only); and ``read_leaves`` itself (the same SQL
   plus unpacking and JSON parsing: the floor of any projection's cost per leaf).
2. every projection built together from empty tables (``ProjectionSet.catch_up``: one
   read and parse of each batch of leaves, applied to all six in one transaction), then
   ``gongshi rebuild --all`` (``projections.rebuild.rebuild_all``: live digests, drop,
   replay together, every digest compared and required identical), --batch leaves per
   transaction. Figures: the log's records / wall seconds, and the ratio to the raw
   ``select_notifications`` speed. Target (issue 16): rebuild of all >= 1.0x.
3. with --each, also each projection built and rebuilt alone (leaves/s, ratio).

SQLite always (a file in a temp dir); PostgreSQL too if GONGSHI_TEST_DATABASE_URL is set
(a fresh schema gongshi_bench_<hex>, dropped at the end). Generating through the domain is
slow (~450 records/s on a busy 2-core machine): --store DIR keeps both logs (the SQLite file,
the vault keys, the PostgreSQL schema's name) and a later run with the same --store times
them again without generating (--records is then what was kept; drop the schema when done).

    python bench/rebuild.py [--records N] [--quick] [--batch N] [--per-save N] [--profile]
                            [--store DIR] [--no-sqlite | --no-postgres] [--each]
"""

from __future__ import annotations

import cProfile
import os
import pstats
import random
import secrets
import sys
import tempfile
import time
from argparse import ArgumentParser, Namespace
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from uuid import UUID, uuid4

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg

from ledger.actor import Actor, Role
from ledger.carefund.application import Application
from ledger.carefund.config import FundConfig, Hardship, Industry, Source
from ledger.carefund.fund import FundYear
from ledger.clock import SteppingClock
from ledger.demo import load_demo
from ledger.demo.carefund import FINANCE, INTAKE, REVIEWERS, UNION
from ledger.demo.points import COUNTY
from ledger.ledger import Ledger, open_ledger
from ledger.points.book import PointsBook
from ledger.points.config import Component
from ledger.points.plan import TaskPlan
from ledger.points.service import Points
from ledger.settings import Database, Settings, parse_database_url
from projections.leaves import log_size, read_leaves
from projections.rebuild import drop, rebuild, rebuild_all
from projections.registry import NAMES, REBUILD_BATCH, ProjectionSet, open_projections

TARGET = 1.0
CARE_SHARE = 0.02  # of the records after the demo
CARE_RECORDS_PER_CASE = 7.8  # registered, submitted, reviewed, 2 approved, 2 disbursed, 2/3 visit
CARE_START = datetime(2023, 1, 9, 8, 0, tzinfo=UTC)  # the second fund's cases, through 2023
REOPENED = datetime(2024, 1, 14, 9, 0, tzinfo=UTC)  # the demo closed 2023 on 13 January 2024
SEASON_START = datetime(2024, 1, 15, 8, 0, tzinfo=UTC)  # score entries after the reopening
SEASON_DAYS = 65  # to 2024-03-20
REOPEN_REASON = "基准测试：补录季度工作记实"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗欧阳"
GIVEN = "伟芳娜敏静强磊军洋勇杰涛明超霞"


@dataclass
class Mix:
    """What the generator wrote, by kind (records)."""

    demo: int = 0
    points: int = 0
    care: int = 0
    cases: int = 0
    seconds: float = 0.0
    by_type: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.demo + self.points + self.care


# --- generating the log --------------------------------------------------------------------


class ScoreWriter:
    """Score entries on the demo's books, through PointsBook's own rules."""

    def __init__(self, ledger: Ledger, rng: random.Random) -> None:
        points = Points(ledger)
        self.app = ledger.app
        self.rng = rng
        self.books: list[PointsBook] = points.books()
        self.plans: dict[str, TaskPlan] = {}
        for book in self.books:
            if book.township not in self.plans:
                self.plans[book.township] = points.plan(book.township)
        self.open: dict[UUID, list[int]] = {b.id: [] for b in self.books}  # correctable
        self.registers = {
            (b.township, b.village): points.register(b.township, b.village) for b in self.books
        }

    def entry(self, book: PointsBook, moment: datetime) -> None:
        rng = self.rng
        quarter = (moment.month - 1) // 3 + 1 if moment.year == 2023 else 4
        # the demo's enrolled principals of the book's village ("晋熙镇01村" -> vc-th01-01)
        village = Actor(f"vc-{book.township}-{book.village[-3:-1]}", Role.VILLAGE_COMMITTEE)
        township = Actor(f"tpc-{book.township}", Role.TOWNSHIP_PARTY_COMMITTEE)
        roll = rng.random()
        mine = self.open[book.id]
        if roll < 0.05 and mine:
            entry = mine.pop(rng.randrange(len(mine)))
            book.correct(entry, "录入有误，予以冲正", township, moment)
            return
        if 0.05 <= roll < 0.08 and book.bonus_remaining_tenths >= 5:
            amount = rng.randint(5, min(20, book.bonus_remaining_tenths))
            book.enter(
                quarter=quarter, component=Component.BONUS, points_tenths=amount,
                reason="专项工作表现突出", task=None, plan=None, actor=township, moment=moment,
            )  # fmt: skip
            return
        register = self.registers[(book.township, book.village)]
        room = {  # the allocation the 两委会议 gave and the demo's work left unused
            task: tenths - book.work_standing.get((task, q), 0)
            for (b, task, q), tenths in (register.allocations.items() if register else ())
            if b == str(book.id) and q == quarter
        }
        task = max(sorted(room), key=lambda t: room[t], default=None)
        if roll < 0.20 or task is None or room[task] < 5:
            entry = book.enter(
                quarter=quarter, component=Component.DEDUCTION,
                points_tenths=rng.randint(5, 30), reason="会议缺席/工作推进迟缓",
                task=None, plan=None, actor=township, moment=moment,
            )  # fmt: skip
        else:
            entry = book.enter(
                quarter=quarter, component=Component.WORK,
                points_tenths=rng.randint(5, min(40, room[task])),
                reason=f"{quarter}季度责任任务推进", task=task,
                plan=self.plans[book.township], actor=village, moment=moment,
                register=register,
            )  # fmt: skip
        mine.append(entry)

    def save(self, book: PointsBook, count: int, clock: SteppingClock) -> None:
        for _ in range(count):
            self.entry(book, clock())
        self.app.save(book)


class CaseWriter:
    """Care-fund cases of a second fund, through Application's and FundYear's own rules."""

    def __init__(self, ledger: Ledger, rng: random.Random, clock: SteppingClock) -> None:
        self.ledger = ledger
        self.rng = rng
        self.clock = clock
        config = FundConfig(fund="bench-pioneer-care", budget_fen=10**13)
        self.fund = FundYear.open(config, 2023, FINANCE, clock())
        ledger.app.save(self.fund)
        self.made = 0

    def case(self) -> None:
        n, rng, clock, fund = self.made, self.rng, self.clock, self.fund
        self.made += 1
        if n % 20 == 0:
            fund.receive(Source.TRADE_UNION, 20 * 150_000, f"BENCH-R-{n:06d}", FINANCE, clock())
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
        personal = {"name": name, "phone": f"1380556{n % 10000:04d}"}
        subject = self.ledger.register_subject(personal, "worker", INTAKE)
        tier = rng.choice((1, 1, 1, 2, 2, 3))
        industry = rng.choice(list(Industry))
        case = Application.submit(
            id=self.ledger.new_id(), fund_year=fund.id, subject=subject,
            industry=industry, hardship=rng.choice(list(Hardship)),
            requested_tier=tier, priority=rng.random() < 0.3, actor=INTAKE, moment=clock(),
        )  # fmt: skip
        case.review(True, "符合帮扶条件", REVIEWERS[industry], clock())
        moment = clock()
        case.check_union_decision(UNION)
        case.approve(tier, fund.commit_grant(case.id, tier, UNION, moment), UNION, moment)
        moment = clock()
        case.check_disbursable(FINANCE)
        fund.book_disbursement(case.id, case.amount_fen, FINANCE, moment)
        case.disburse(f"BENCH-{n:06d}", fund.first_follow_up_days, FINANCE, moment)
        if n % 3:
            moment = clock()
            label = f"follow-up/{case.id}/{self.ledger.new_id()}"
            note = self.ledger.vault.attach(str(subject), label, {"note": "电话回访，情况稳定"})
            case.follow_up(moment.date().isoformat(), "stable", note, INTAKE, moment)
        self.ledger.app.save(fund, case)


def stored_count(ledger: Ledger) -> int:
    table = "gongshi_events" if ledger.db.is_postgres else "stored_events"
    return int(ledger.db.execute(f"SELECT COUNT(*) FROM {table}")[0][0])


def generate(ledger: Ledger, records: int, per_save: int, rng: random.Random) -> Mix:
    """The demo, then score entries and care-fund cases up to ``records`` in all."""
    mix = Mix()
    start = time.perf_counter()
    load_demo(ledger)
    mix.demo = stored_count(ledger)
    left = max(0, records - mix.demo)
    cases = round(left * CARE_SHARE / CARE_RECORDS_PER_CASE)
    saved = ledger.clock
    care_clock = SteppingClock(CARE_START, timedelta(minutes=7))
    try:
        ledger.clock = SteppingClock(REOPENED)
        Points(ledger).reopen_year(REOPEN_REASON, COUNTY)  # the demo closed the year
        ledger.clock = care_clock  # subject registrations and vault attachments
        writer = ScoreWriter(ledger, rng)
        care = CaseWriter(ledger, rng, care_clock) if cases else None
        per_round = len(writer.books) * per_save
        scores = max(0, left - round(cases * CARE_RECORDS_PER_CASE))
        rounds = max(1, -(-scores // per_round))
        clock = SteppingClock(SEASON_START)
        for r in range(rounds):
            clock.set(SEASON_START + timedelta(days=SEASON_DAYS * r / rounds))
            for i, book in enumerate(writer.books):
                if care is not None and care.made < cases * (r * len(writer.books) + i) // (
                    rounds * len(writer.books)
                ):
                    care.case()
                count = min(per_save, scores - mix.points)
                if count <= 0:
                    break
                writer.save(book, count, clock)
                mix.points += count
        while care is not None and care.made < cases:
            care.case()
    finally:
        ledger.clock = saved
    total = stored_count(ledger)
    mix.care = total - mix.demo - mix.points
    mix.cases = care.made if care is not None else 0
    mix.seconds = time.perf_counter() - start
    table = "gongshi_events" if ledger.db.is_postgres else "stored_events"
    mix.by_type = dict(ledger.db.execute(f"SELECT topic, COUNT(*) FROM {table} GROUP BY topic"))
    return mix


# --- timing --------------------------------------------------------------------------------


def timed(work: Callable[[], int]) -> tuple[int, float]:
    start = time.perf_counter()
    count = work()
    return count, time.perf_counter() - start


def read_notifications(ledger: Ledger, batch: int) -> int:
    """Every record through eventsourcing's recorder, ``batch`` at a time."""
    count, start = 0, 1
    while rows := ledger.app.recorder.select_notifications(start, limit=batch):
        count += len(rows)
        start = rows[-1].id + 1
    return count


def _state_sql(ledger: Ledger) -> str:
    if ledger.db.is_postgres:
        return (
            "SELECT notification_id, state FROM gongshi_events WHERE notification_id >= ?"
            " ORDER BY notification_id LIMIT ?"
        )
    return "SELECT rowid, state FROM stored_events WHERE rowid >= ? ORDER BY rowid LIMIT ?"


def read_states(ledger: Ledger, batch: int) -> int:
    """Every record's ``state`` with plain SQL (as projections/leaves.py reads), bytes only."""
    count, start, sql = 0, 1, _state_sql(ledger)
    while True:
        with ledger.db.transaction(immediate=False) as cur:
            rows = cur.execute(sql, (start, batch))
        if not rows:
            return count
        count += len(rows)
        start = int(rows[-1][0]) + 1


def read_parsed(ledger: Ledger, size: int, batch: int) -> int:
    """Every leaf through ``read_leaves`` (SQL, unpacking, JSON parsing)."""
    count = 0
    for begin in range(0, size, batch):
        with ledger.db.transaction(immediate=False) as cur:
            for _ in read_leaves(cur, ledger.db.is_postgres, begin, min(size, begin + batch)):
                count += 1
    return count


def first_build_all(projections: ProjectionSet, size: int) -> int:
    """Every projection from empty tables, one shared read of the log."""
    for runner in projections.select():
        runner.ensure_tables()
        with projections.db.transaction() as cur:
            runner.lock(cur)
            drop(cur, runner, runner.read_position(cur)[1] + 1)
    return projections.catch_up(stop=size)


def rebuilt_all(projections: ProjectionSet, size: int) -> int:
    """``gongshi rebuild --all``: drop all, replay together, compare every digest."""
    reports = rebuild_all(projections)
    for report in reports:
        if not report.identical or report.position != size:
            raise AssertionError(f"{report.name}: {report}")
    return size


def first_build(projections: ProjectionSet, name: str, size: int) -> int:
    return projections.catch_up([name], stop=size)


def rebuilt(projections: ProjectionSet, name: str, size: int) -> int:
    report = rebuild(projections, name)
    if not report.identical or report.position != size:
        raise AssertionError(
            f"{name}: rebuilt digest {report.rebuilt_digest} at {report.position}, live "
            f"{report.live_digest} (log size {size})"
        )
    return size


@contextmanager
def profiled(enabled: bool, label: str) -> Iterator[None]:
    if not enabled:
        yield
        return
    profile = cProfile.Profile()
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        print(f"--- profile: {label} (top 25 by cumulative, then by own time) ---")
        stats = pstats.Stats(profile, stream=sys.stdout).strip_dirs()
        stats.sort_stats("cumulative").print_stats(25)
        stats.sort_stats("tottime").print_stats(25)


def bench_store(
    kind: str, database: Database, home: Path, args: Namespace, key: str | None = None
) -> None:
    """Generate (unless ``key`` is the vault key of a kept log in ``home``), then time."""
    settings = Settings(home=home, database=database, vault_key_hex=key or secrets.token_hex(32))
    ledger = open_ledger(settings)
    try:
        if key is None:
            mix = generate(ledger, args.records, args.per_save, random.Random(args.seed))
            print(
                f"{kind:<10} log {mix.total:,} records: demo {mix.demo:,}, score entries"
                f" {mix.points:,}, care fund {mix.care:,} ({mix.cases:,} cases); generated in"
                f" {mix.seconds:.1f} s ({mix.total / mix.seconds:,.0f} records/s)"
            )
            top = sorted(mix.by_type.items(), key=lambda item: -item[1])[:6]
            print(f"{kind:<10}   most frequent: " + ", ".join(f"{t} {n:,}" for t, n in top))
            expected = mix.total
        else:
            expected = stored_count(ledger)
            print(f"{kind:<10} log {expected:,} records kept in {home} (not generated)")
        if args.store is not None and key is None:
            kept = args.store / f"{kind}.key"
            kept.write_text(settings.vault_key_hex or "")
            kept.chmod(0o600)
        added, seconds = timed(ledger.log.integrate)
        with ledger.db.transaction(immediate=False) as cur:
            size = log_size(cur)
        if size != expected:
            raise AssertionError(f"the log has {size} of {expected} records")
        print(f"{kind:<10} integrated {added:,} leaves in {seconds:.1f} s; the log has {size:,}")

        raw = {}
        for label, work in (
            ("select_notifications", lambda: read_notifications(ledger, args.read_batch)),
            ("plain SQL state", lambda: read_states(ledger, args.read_batch)),
            ("read_leaves (+parse)", lambda: read_parsed(ledger, size, args.read_batch)),
        ):
            count, seconds = timed(work)
            if count != size:
                raise AssertionError(f"{label}: read {count} of {size} records")
            raw[label] = size / seconds
            print(
                f"{kind:<10} raw read  {label:<22} {raw[label]:>11,.0f} records/s"
                f"  ({seconds:.2f} s)"
            )
        base = raw["select_notifications"]

        projections = open_projections(ledger, settings, batch=args.batch)
        for phase, together in (("first build", first_build_all), ("rebuild", rebuilt_all)):
            with profiled(args.profile and phase == "rebuild", f"{kind} rebuild, all together"):
                leaves, seconds = timed(partial(together, projections, size))
            if leaves != size:
                raise AssertionError(f"{phase} of all: {leaves} leaves of {size}")
            rate = size / seconds
            print(
                f"{kind:<10} {phase:<11} {'all ' + str(len(NAMES)) + ' together':<17}"
                f" {size:>10,} leaves {seconds:7.1f} s {rate:>9,.0f} leaves/s  ratio"
                f" {rate / base:.2f} (target >= {TARGET}: "
                f"{'met' if rate / base >= TARGET else 'NOT met'})"
            )
        if args.each:
            for phase, alone in (("first build", first_build), ("rebuild", rebuilt)):
                for name in NAMES:
                    leaves, seconds = timed(partial(alone, projections, name, size))
                    if leaves != size:
                        raise AssertionError(f"{phase} {name}: {leaves} leaves of {size}")
                    rate = size / seconds
                    print(
                        f"{kind:<10} {phase:<11} {name:<17} {size:>10,} leaves {seconds:7.1f} s"
                        f" {rate:>9,.0f} leaves/s  ratio {rate / base:.2f}"
                    )
        projections.db.close()
    finally:
        ledger.close()


def fresh_schema(url: str, store: Path | None = None) -> tuple[str, Database]:
    """A new schema, or the one a kept log in ``store`` names."""
    named = store / "postgresql.schema" if store is not None else None
    if named is not None and named.exists():
        schema = named.read_text().strip()
    else:
        schema = f"gongshi_bench_{uuid4().hex[:12]}"
        if named is not None:
            named.write_text(schema)
    return schema, parse_database_url(f"{url.split('?')[0]}?schema={schema}")


def kept_key(store: Path | None, kind: str) -> str | None:
    """The vault key of a log kept in ``store`` by an earlier run (None: generate one)."""
    path = store / f"{kind}.key" if store is not None else None
    return path.read_text().strip() if path is not None and path.exists() else None


def drop_schema(database: Database, schema: str) -> None:
    with psycopg.connect(database.psycopg_conninfo(), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def main() -> None:
    parser = ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, help="records in the log (default 1,000,000)")
    parser.add_argument("--quick", action="store_true", help="100,000 records")
    parser.add_argument(
        "--batch", type=int, default=REBUILD_BATCH, help="leaves per projection transaction"
    )
    parser.add_argument("--each", action="store_true", help="also each projection alone")
    parser.add_argument("--read-batch", type=int, default=2000, help="records per raw read")
    parser.add_argument("--per-save", type=int, default=10, help="score entries per book save")
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--profile", action="store_true", help="cProfile the rebuilds")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument(
        "--store", type=Path, help="keep the generated logs in this directory (and its"
        " PostgreSQL schema) and reuse them on the next run with the same --store",
    )  # fmt: skip
    args = parser.parse_args()
    args.records = args.records or (100_000 if args.quick else 1_000_000)
    url = os.environ.get("GONGSHI_TEST_DATABASE_URL")
    began = time.perf_counter()
    print(
        f"rebuild of the {len(NAMES)} projections over {args.records:,} records, batch"
        f" {args.batch}; ratios to select_notifications; target >= {TARGET}x (figures on a"
        " busy machine vary: compare the ratio, measured in the same run)"
    )
    if args.store is not None:
        args.store.mkdir(mode=0o700, parents=True, exist_ok=True)
        args.store.chmod(0o700)
    with tempfile.TemporaryDirectory(prefix="gongshi-bench-") as tmp:
        home = args.store or Path(tmp)
        if not args.no_sqlite:
            db = parse_database_url(f"sqlite:///{home}/ledger.db")
            bench_store("sqlite", db, home / "sqlite", args, kept_key(args.store, "sqlite"))
        if url and not args.no_postgres:
            schema, db = fresh_schema(url, args.store)
            try:
                bench_store("postgresql", db, home / "postgresql", args,
                            kept_key(args.store, "postgresql"))  # fmt: skip
            finally:
                if args.store is None:
                    drop_schema(db, schema)
                else:
                    print(f"postgresql schema {schema} kept (--store): drop it when done")
    print(f"total {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
