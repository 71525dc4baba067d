"""Bulk loading for bench/scale.py: valid points records, built by the domain, written by COPY.

The unit of growth is one county-year: a points scheme (ledger/points/) of 12 townships ×
18 villages × 6 cadres = 1,296 village cadres, the shape of the demo's Taihu scheme. Unit
``u`` is county ``sc{u % 10:02d}``, year ``2021 + u // 10``: ten counties a year, so 10M
records are about five province-years. Each unit adds new streams only (a new scheme and its
books), so a ledger grows by whole units and a run on an existing schema continues where the
last one stopped (the units already there are counted from the log).

How a unit is made:

1. through the ledger's own services and ``LedgerApp.save`` (the principal checks, the
   guards, one transaction each): the county's principals once per county (its
   organisation department, 12 township party committees, 216 village committees, enrolled
   by the run's admin, who bootstraps an empty registry), the scheme and the 12 township
   plans (the demo's six tasks);
2. in memory, through the aggregates' own command methods (so every rule of the domain is
   applied and every record is built and hashed by ``ledger.chained``): 1,296 cadres
   (``Subject`` records; their name and phone sealed in the vault, one row each, through
   ``Vault.store_subject``), their ``PointsBook``s, each village's ``AllocationRegister``
   with four quarterly 两委会议 allocating each task's value among the cadres carrying it
   (as ledger/demo/points.py does), a work entry within its allocation and an evaluation
   for every cadre and quarter; then rounds over every book, each adding --per-round
   entries dated through the year: deductions (by the township party committee), bonuses
   while the scheme's cap allows, corrections of an uncorrected deduction, and
   re-evaluations (the quarter's standing evaluation corrected, a new one entered);
3. the aggregates' pending events are mapped by the application's own mapper
   (``ledger.mapper.RecordMapper``: HASH LF RECORD) and written with PostgreSQL ``COPY``
   (binary, psycopg 3 ``cursor.copy``) into ``gongshi_events`` (originator_id,
   originator_version, topic, state; ``notification_id`` from its bigserial, so in COPY
   order) under ``LOCK TABLE ... IN EXCLUSIVE MODE``, as eventsourcing's own insert takes it
   (the integrator relies on ids becoming visible in order). Subjects, books and registers
   are written before the entries that name them, so the log's order is one the domain
   could have written.

What this skips of a real save: ``LedgerApp.save``'s principal checks on each event (the
actors are enrolled in their scopes in step 1, so the checks would pass), and the per-save
round trips. The records are checked after the fact by ``gongshi-verify bundle`` on the
export (hash chains, schema, the points and principal rules across records).
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import psycopg

from ledger.actor import Actor, Role
from ledger.chained import LedgerAggregate
from ledger.ledger import Ledger
from ledger.points.allocation import AllocationRegister
from ledger.points.book import PointsBook
from ledger.points.config import Component, SchemeConfig
from ledger.points.plan import TaskPlan
from ledger.points.scheme import Scheme
from ledger.points.service import Points
from ledger.principal import Principals, Scope
from ledger.subject import Subject
from ledger.vault import Vault

TOWNSHIPS = 12
VILLAGES = 18  # per township
CATEGORIES = ("principal", "principal", "deputy", "deputy", "deputy", "reserve")
BOOKS = TOWNSHIPS * VILLAGES * len(CATEGORIES)  # 1,296 per unit
TASKS = [
    ("party-building", "党建引领", 1200),
    ("industry", "产业发展", 1200),
    ("governance", "乡村治理", 1000),
    ("livelihood", "民生服务", 1000),
    ("environment", "生态环境", 800),
    ("safety", "安全稳定", 800),
]
ADMIN = Actor("scale-admin", Role.ADMIN)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌"
SETUP_PER_BOOK = 1 + 1 + 8  # subject, book, 4 work + 4 evaluation entries (+ allocations)
COUNTIES_PER_YEAR = 10
FIRST_YEAR = 2021


def unit_place(unit: int) -> tuple[str, int]:
    """(county code, scheme year) of unit ``unit`` (from 0)."""
    return f"sc{unit % COUNTIES_PER_YEAR:02d}", FIRST_YEAR + unit // COUNTIES_PER_YEAR


def org_actor(county: str) -> Actor:
    return Actor(f"{county}-org-01", Role.ORGANISATION_DEPARTMENT)


def township_code(t: int) -> str:
    return f"t{t + 1:02d}"


def village_name(t: int, v: int) -> str:
    return f"第{t + 1:02d}镇{v + 1:02d}村"


def township_actor(county: str, t: int) -> Actor:
    return Actor(f"tpc-{county}-{township_code(t)}", Role.TOWNSHIP_PARTY_COMMITTEE)


def village_actor(county: str, t: int, v: int) -> Actor:
    return Actor(f"vc-{county}-{township_code(t)}-{v + 1:02d}", Role.VILLAGE_COMMITTEE)


@dataclass
class Written:
    """Records written by COPY and the seconds spent, by phase."""

    records: int = 0
    domain_seconds: float = 0.0  # building and hashing records in memory (and vault rows)
    copy_seconds: float = 0.0  # mapping and COPY
    service_records: int = 0  # through LedgerApp.save (principals, schemes, plans)


class CopyWriter:
    """Writes aggregates' pending events into the events table with COPY, in order."""

    def __init__(self, ledger: Ledger, written: Written) -> None:
        self.ledger = ledger
        self.written = written
        database = ledger.db.database
        schema = database.schema or "public"
        self.table = f'"{schema}".gongshi_events'
        self.conn = psycopg.connect(database.psycopg_conninfo())

    def write(self, aggregates: Iterable[LedgerAggregate]) -> int:
        start = time.perf_counter()
        mapper = self.ledger.app.mapper
        rows = [
            mapper.to_stored_event(event)
            for aggregate in aggregates
            for event in aggregate.collect_events()
        ]
        with self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute(f"LOCK TABLE {self.table} IN EXCLUSIVE MODE")
            sql = (
                f"COPY {self.table} (originator_id, originator_version, topic, state)"
                " FROM STDIN (FORMAT BINARY)"
            )
            with cur.copy(sql) as copy:
                copy.set_types(["uuid", "int8", "text", "bytea"])
                for row in rows:
                    copy.write_row(
                        (row.originator_id, row.originator_version, row.topic, row.state)
                    )
        self.written.records += len(rows)
        self.written.copy_seconds += time.perf_counter() - start
        return len(rows)

    def close(self) -> None:
        self.conn.close()


def units_present(ledger: Ledger) -> int:
    """How many whole units the log holds (units are written in order, one after another)."""
    unit = 0
    while True:
        county, year = unit_place(unit)
        points = Points(ledger, SchemeConfig(county=county, year=year))
        if not ledger.app.exists(points.scheme_id):
            return unit
        unit += 1


def enrol_county(ledger: Ledger, county: str) -> int:
    """The county's principals (and the admin, into an empty registry); records written.
    The organisation department is enrolled last: once it is, the county is complete (a run
    interrupted halfway enrols the rest next time)."""
    principals = Principals(ledger)
    made = 0
    if principals.find(ADMIN.principal) is None:
        made += len(principals.bootstrap(ADMIN.principal))
    if principals.find(org_actor(county).principal) is not None:
        return made
    wanted: list[tuple[Actor, Scope]] = []
    for t in range(TOWNSHIPS):
        wanted.append((township_actor(county, t), Scope(county=county, township=township_code(t))))
        for v in range(VILLAGES):
            scope = Scope(county=county, township=township_code(t), village=village_name(t, v))
            wanted.append((village_actor(county, t, v), scope))
    wanted.append((org_actor(county), Scope(county=county)))
    for actor, scope in wanted:
        if principals.find(actor.principal) is None:
            principals.enrol(actor.principal, actor.role, scope, ADMIN)
            made += 1
    return made


class _VaultRows:
    """Stands in for the vault's database while ``Vault.store_subject`` seals a batch: the
    INSERTs it would run one transaction each are kept, then run in one (``flush``)."""

    def __init__(self) -> None:
        self.sql = ""
        self.rows: list[Sequence[Any]] = []

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        if not sql.startswith("INSERT INTO gongshi_vault_subjects"):
            raise AssertionError(f"unexpected vault statement in a batch: {sql}")
        self.sql = sql
        self.rows.append(params)
        return []

    def flush(self, ledger: Ledger) -> None:
        with ledger.db.transaction() as cur:
            cur.executemany(self.sql, self.rows)
        self.rows = []


@contextmanager
def batched_vault(ledger: Ledger) -> Iterator[None]:
    """Subjects stored by ``ledger.vault`` in the block are inserted together at its end."""
    vault = ledger.vault
    real, rows = vault._db, _VaultRows()
    vault._db = rows  # type: ignore[assignment]
    try:
        yield
    finally:
        vault._db = real
    if rows.rows:
        rows.flush(ledger)


@dataclass
class _Cadre:
    book: PointsBook
    t: int
    v: int
    tasks: list[str] = field(default_factory=list)  # the plan's tasks the cadre carries
    evaluation: dict[int, int] = field(default_factory=dict)  # quarter -> standing entry
    deductions: list[int] = field(default_factory=list)  # uncorrected deduction entries


class UnitWriter:
    """One county-year unit of about ``records`` records."""

    def __init__(self, ledger: Ledger, unit: int, records: int, per_round: int) -> None:
        self.ledger = ledger
        self.unit = unit
        self.county, self.year = unit_place(unit)
        self.records = records
        self.per_round = per_round
        self.rng = random.Random(unit)

    def at(self, month: int, day: int, seconds: int = 0) -> datetime:
        return datetime(self.year, month, day, 9, 0, tzinfo=UTC) + timedelta(seconds=seconds)

    def run(self, writer: CopyWriter) -> None:
        ledger, county = self.ledger, self.county
        before = ledger.clock
        try:
            ledger.clock = lambda: self.at(1, 5)
            writer.written.service_records += enrol_county(ledger, county)
            points = Points(ledger, SchemeConfig(county=county, year=self.year))
            points.open_scheme(org_actor(county))
            plans = []
            for t in range(TOWNSHIPS):
                points.set_plan(township_code(t), list(TASKS), township_actor(county, t))
                plans.append(points.plan(township_code(t)))
            writer.written.service_records += 1 + TOWNSHIPS
            scheme = points.scheme()
        finally:
            ledger.clock = before
        first = writer.written.records
        cadres = self._books(scheme, writer)
        self._quarters(cadres, plans, writer)
        left = max(0, self.records - (writer.written.records - first))
        rounds = max(1, -(-left // (self.per_round * len(cadres))))
        made = 0
        for r in range(rounds):
            domain = time.perf_counter()
            moment = self.at(4, 1) + timedelta(days=260 * r / rounds)
            at_start = made
            for n, cadre in enumerate(cadres):
                for k in range(self.per_round):
                    if made >= left:
                        break
                    made += self._filler(cadre, moment + timedelta(seconds=n * 7 + k))
            writer.written.domain_seconds += time.perf_counter() - domain
            if made == at_start:
                break
            writer.write(c.book for c in cadres)

    def _books(self, scheme: Scheme, writer: CopyWriter) -> list[_Cadre]:
        domain = time.perf_counter()
        subjects: list[Subject] = []
        cadres: list[_Cadre] = []
        vault = self.ledger.vault
        with batched_vault(self.ledger):
            self._subjects_and_books(scheme, vault, subjects, cadres)
        writer.written.domain_seconds += time.perf_counter() - domain
        writer.write(subjects)
        writer.write(c.book for c in cadres)
        return cadres

    def _subjects_and_books(
        self, scheme: Scheme, vault: Vault, subjects: list[Subject], cadres: list[_Cadre]
    ) -> None:
        rng, county = self.rng, self.county
        for t in range(TOWNSHIPS):
            for v in range(VILLAGES):
                for c, category in enumerate(CATEGORIES):
                    n = (t * VILLAGES + v) * len(CATEGORIES) + c
                    moment = self.at(2, 1, n)
                    sid = uuid4()
                    name = rng.choice(SURNAMES) + "".join(
                        rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))
                    )
                    personal = {"name": name, "phone": f"139{self.unit:04d}{n:04d}"}
                    commitment = vault.store_subject(str(sid), personal)
                    subject = Subject._start(
                        Subject.Registered, id=sid, actor=township_actor(county, t),
                        moment=moment, commitment=commitment, kind="cadre",
                    )  # fmt: skip
                    subjects.append(subject)
                    book = PointsBook.open(
                        scheme=scheme, cadre=sid, township=township_code(t),
                        village=village_name(t, v), category=category,
                        actor=village_actor(county, t, v), moment=moment,
                    )  # fmt: skip
                    cadres.append(_Cadre(book, t, v))

    def _quarters(self, cadres: list[_Cadre], plans: list[TaskPlan], writer: CopyWriter) -> None:
        """Each village's register (four 两委会议), then a work entry within its allocation
        and an evaluation for every cadre and quarter."""
        domain = time.perf_counter()
        rng, county = self.rng, self.county
        registers: list[AllocationRegister] = []
        by_village: dict[tuple[int, int], list[_Cadre]] = {}
        for cadre in cadres:
            by_village.setdefault((cadre.t, cadre.v), []).append(cadre)
        for (t, v), group in by_village.items():
            actor = village_actor(county, t, v)
            carriers: dict[str, list[PointsBook]] = {task: [] for task, _, _ in TASKS}
            for cadre in group:
                for task, _, _ in rng.sample(TASKS, rng.choice((2, 3))):
                    carriers[task].append(cadre.book)
                    cadre.tasks.append(task)
            register = AllocationRegister.open(book=group[0].book, actor=actor,
                                               moment=self.at(2, 1, 9000))  # fmt: skip
            for quarter in (1, 2, 3, 4):
                meeting = date(self.year, 3 * quarter - 2, 10)
                moment = datetime.combine(meeting, datetime.min.time(), UTC) + timedelta(hours=8)
                minutes = f"{village_name(t, v)}两委〔{self.year}〕{quarter}号"
                for task, _, value in TASKS:
                    share = value // 4 if quarter < 4 else value - 3 * (value // 4)
                    holders = carriers[task]
                    if not holders:
                        continue
                    for book, tenths in zip(holders, _split(share, len(holders), rng), strict=True):
                        register.allocate(
                            book=book, plan=plans[t], task=task, quarter=quarter,
                            points_tenths=tenths, meeting_on=meeting, minutes=minutes,
                            actor=actor, moment=moment,
                        )  # fmt: skip
            registers.append(register)
            for n, cadre in enumerate(group):
                self._work_and_evaluation(cadre, register, plans[t], n)
        writer.written.domain_seconds += time.perf_counter() - domain
        writer.write(registers)
        writer.write(c.book for c in cadres)

    def _work_and_evaluation(
        self, cadre: _Cadre, register: AllocationRegister, plan: TaskPlan, n: int
    ) -> None:
        rng, book = self.rng, cadre.book
        village = village_actor(self.county, cadre.t, cadre.v)
        township = township_actor(self.county, cadre.t)
        for quarter in (1, 2, 3, 4):
            moment = self.at(3 * quarter, 25, n)
            task = rng.choice(sorted(cadre.tasks))  # each carried task has a share each quarter
            allocated = register.allocated(book.id, task, quarter)
            book.enter(
                quarter=quarter, component=Component.WORK,
                points_tenths=rng.randint(allocated * 6 // 10 or 1, allocated),
                reason=f"{quarter}季度责任任务完成情况", task=task, plan=plan,
                actor=village, moment=moment, register=register,
            )  # fmt: skip
            cadre.evaluation[quarter] = book.enter(
                quarter=quarter, component=Component.EVALUATION,
                points_tenths=rng.randint(30, 50), reason="季度综合评价", task=None,
                plan=None, actor=township, moment=moment,
            )  # fmt: skip

    def _filler(self, cadre: _Cadre, moment: datetime) -> int:
        """One more action on the book: a deduction, a bonus within the cap, a correction
        of a deduction, or a re-evaluation (two records); returns the records made."""
        rng, book = self.rng, cadre.book
        township = township_actor(self.county, cadre.t)
        quarter = min(4, (moment.month - 1) // 3 + 1)
        roll = rng.random()
        if roll < 0.10 and cadre.deductions:
            entry = cadre.deductions.pop(rng.randrange(len(cadre.deductions)))
            book.correct(entry, "扣分依据不足，予以冲正", township, moment)
            return 1
        if roll < 0.15 and book.bonus_remaining_tenths >= 5:
            amount = rng.randint(5, min(20, book.bonus_remaining_tenths))
            book.enter(
                quarter=quarter, component=Component.BONUS, points_tenths=amount,
                reason="专项工作表现突出", task=None, plan=None, actor=township, moment=moment,
            )  # fmt: skip
            return 1
        if roll < 0.30:
            book.correct(cadre.evaluation[quarter], "季度评价复核，予以更正", township, moment)
            cadre.evaluation[quarter] = book.enter(
                quarter=quarter, component=Component.EVALUATION,
                points_tenths=rng.randint(30, 50), reason="季度综合评价（复核）", task=None,
                plan=None, actor=township, moment=moment,
            )  # fmt: skip
            return 2
        entry = book.enter(
            quarter=quarter, component=Component.DEDUCTION,
            points_tenths=rng.randint(5, 30), reason="会议缺席/工作推进迟缓",
            task=None, plan=None, actor=township, moment=moment,
        )  # fmt: skip
        cadre.deductions.append(entry)
        return 1


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """``total`` tenths in ``parts`` random positive pieces (requires total >= parts >= 1)."""
    cuts = sorted(rng.sample(range(1, total), parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


def grow(ledger: Ledger, target: int, unit_records: int, per_round: int,
         progress: Any = print) -> Written:  # fmt: skip
    """Add whole units until the events table holds at least ``target`` records."""
    written = Written()
    writer = CopyWriter(ledger, written)
    try:
        unit = units_present(ledger)
        count = stored_count(ledger)
        while count < target:
            began = time.perf_counter()
            records = min(unit_records, target - count + BOOKS * SETUP_PER_BOOK)
            before = written.records
            UnitWriter(ledger, unit, max(records, BOOKS * SETUP_PER_BOOK), per_round).run(writer)
            seconds = time.perf_counter() - began
            made = written.records - before
            county, year = unit_place(unit)
            progress(
                f"  unit {unit} ({county} {year}): {made:,} records in {seconds:.1f} s"
                f" ({made / seconds:,.0f}/s); log {count + made:,}"
            )
            unit += 1
            count += made
    finally:
        writer.close()
    return written


def stored_count(ledger: Ledger) -> int:
    """Rows of the events table (an estimate-free count)."""
    return int(ledger.db.execute("SELECT COUNT(*) FROM gongshi_events")[0][0])


__all__ = [
    "BOOKS",
    "Written",
    "grow",
    "stored_count",
    "unit_place",
    "units_present",
]
