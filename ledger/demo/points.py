"""The points demo: Taihu county's 2023 scheme for 1,296 village cadres.

12 townships × 18 villages × 6 cadres (2 principal, 3 deputy, 1 reserve). Every cadre gets a
points book and carries two or three of the plan's tasks; each quarter the village's 两委会议
(minutes 〔2023〕1号..4号) allocates that quarter's share of each task's value among the cadres
carrying it — per village and task, exactly the value of the township's plan over the year —
and every work entry stays within its cadre's allocation for the task and quarter; some bonuses
reach the 5-point cap, some deductions, some corrections (one of them corrected again);
24 cadres' Q4 测评 entries come from their raters' tallies; everyone is appraised. Seeded: the
same records every run. Books are built in memory through the domain's own rules and saved
once each.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from ledger.actor import Actor, Role
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.points.allocation import AllocationRegister
from ledger.points.book import PointsBook
from ledger.points.config import Component, Grade, divide_half_up
from ledger.points.plan import TaskPlan
from ledger.points.ranking import dense_ranks
from ledger.points.service import Points
from ledger.rating_form import INDICATORS, form_result

COUNTY = Actor("taihu-org-01", Role.ORGANISATION_DEPARTMENT)  # 县委组织部: scheme, close
TOWNSHIPS = [
    "晋熙镇", "徐桥镇", "新仓镇", "小池镇", "寺前镇", "天华镇",
    "牛镇镇", "弥陀镇", "北中镇", "百里镇", "江塘乡", "汤泉乡",
]  # fmt: skip
VILLAGES_PER_TOWNSHIP = 18
CATEGORIES = ["principal", "principal", "deputy", "deputy", "deputy", "reserve"]
CADRES = 12 * 18 * len(CATEGORIES)  # 1,296
TASKS = [  # "乡镇党委每年初根据工作任务为每项工作赋分": the year's value of each task, per village
    ("party-building", "党建引领", 1200),
    ("industry", "产业发展", 1200),
    ("governance", "乡村治理", 1000),
    ("livelihood", "民生服务", 1000),
    ("environment", "生态环境", 800),
    ("safety", "安全稳定", 800),
]
BASE_PAY = {"principal": 2_400_000, "deputy": 1_800_000, "reserve": 1_200_000}
EVALUATION_PERCENT = 5  # a tally's 0-100 mean -> 测评 points (85.0 -> 4.3)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌"


def township_code(index: int) -> str:
    return f"th{index + 1:02d}"


@dataclass
class PointsDemoResult:
    books: list[UUID]
    tallied: int  # Q4 测评 entries entered from a tally of raters' scores


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _village_actor(township: int, village: int) -> Actor:
    return Actor(f"vc-{township_code(township)}-{village + 1:02d}", Role.VILLAGE_COMMITTEE)


def _township_actor(township: int) -> Actor:
    return Actor(f"tpc-{township_code(township)}", Role.TOWNSHIP_PARTY_COMMITTEE)


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """``total`` tenths in ``parts`` random positive pieces (requires total >= parts >= 1)."""
    cuts = sorted(rng.sample(range(1, total), parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


def _allocate(
    books: list[PointsBook], plan: TaskPlan, rng: random.Random, clock: SteppingClock, v: int
) -> AllocationRegister:
    """The village's 两委会议, once a quarter, divides the quarter's share of each task's value
    among the cadres carrying it ("根据工作分工为每名干部分配责任分"); the year's shares add up to
    the task's value."""
    actor = _village_actor(*divmod(v, VILLAGES_PER_TOWNSHIP))
    carriers: dict[str, list[PointsBook]] = {task: [] for task, _, _ in TASKS}
    for book in books:
        for task, _, _ in rng.sample(TASKS, rng.choice((2, 3))):
            carriers[task].append(book)
    register = AllocationRegister.open(book=books[0], actor=actor, moment=clock())
    for quarter in (1, 2, 3, 4):
        meeting = date(2023, 3 * quarter - 1 if quarter == 1 else 3 * quarter - 2, 10)
        clock.set(datetime.combine(meeting, datetime.min.time(), UTC) + timedelta(hours=8))
        minutes = f"{books[0].village}两委〔2023〕{quarter}号"
        for task, _, value in TASKS:
            share = value // 4 if quarter < 4 else value - 3 * (value // 4)
            holders = carriers[task]
            if not holders:  # no cadre of the village carries it this year
                continue
            for book, tenths in zip(holders, _split(share, len(holders), rng), strict=True):
                register.allocate(
                    book=book, plan=plan, task=task, quarter=quarter, points_tenths=tenths,
                    meeting_on=meeting, minutes=minutes, actor=actor, moment=clock(),
                )  # fmt: skip
    return register


def _fill_book(
    book: PointsBook,
    plan: TaskPlan,
    register: AllocationRegister,
    rng: random.Random,
    clock: SteppingClock,
    n: int,
) -> None:
    """Four quarters of scores, through the book's own rules: each quarter's work on one of
    the cadre's tasks, within its allocation."""
    village = _village_actor(*divmod(n // 6, VILLAGES_PER_TOWNSHIP))
    township = _township_actor(n // (6 * VILLAGES_PER_TOWNSHIP))
    for quarter in (1, 2, 3, 4):
        clock.set(datetime(2023, 3 * quarter, 25, 10, 0, tzinfo=UTC) + timedelta(seconds=n))
        tasks = sorted(
            {t for (b, t, q) in register.allocations if b == str(book.id) and q == quarter}
        )
        task = rng.choice(tasks)
        allocated = register.allocated(book.id, task, quarter)
        low = rng.random() <= 0.03
        work = (
            rng.randint(1, max(1, allocated // 4))
            if low
            else rng.randint(allocated * 6 // 10 or 1, allocated)
        )
        book.enter(
            quarter=quarter,
            component=Component.WORK,
            points_tenths=work,
            reason=f"{quarter}季度责任任务完成情况",
            task=task,
            plan=plan,
            actor=village,
            moment=clock(),
            register=register,
        )
        if not (quarter == 4 and n % 54 == 0):  # those are tallied from raters' scores
            book.enter(
                quarter=quarter,
                component=Component.EVALUATION,
                points_tenths=rng.randint(30, 50),
                reason="季度综合评价",
                task=None,
                plan=None,
                actor=township,
                moment=clock(),
            )
    if n % 7 == 0:  # bonuses; every 21st cadre reaches the cap exactly
        first = book.enter(
            quarter=2,
            component=Component.BONUS,
            points_tenths=20,
            reason="获县级表彰",
            task=None,
            plan=None,
            actor=township,
            moment=clock(),
        )
        if n % 21 == 0:
            book.enter(
                quarter=3,
                component=Component.BONUS,
                points_tenths=30,
                reason="招商引资突出",
                task=None,
                plan=None,
                actor=township,
                moment=clock(),
            )
        if n % 49 == 0:  # a bonus entered by mistake, corrected
            book.correct(first, "表彰文件重复计分，予以冲正", township, clock())
            if n % 98 == 0:  # ... and the correction was itself wrong
                last = max(book.entries)
                book.correct(last, "冲正有误，恢复原加分", township, clock())
    if n % 11 == 0:
        book.enter(
            quarter=rng.randint(1, 4),
            component=Component.DEDUCTION,
            points_tenths=rng.randint(5, 30),
            reason="会议缺席/工作推进迟缓",
            task=None,
            plan=None,
            actor=township,
            moment=clock(),
        )
    if n % 97 == 0:  # a deduction entered twice by mistake, the duplicate corrected
        entry = book.enter(
            quarter=2,
            component=Component.DEDUCTION,
            points_tenths=20,
            reason="督查通报",
            task=None,
            plan=None,
            actor=township,
            moment=clock(),
        )
        book.correct(entry, "重复扣分，予以冲正", township, clock())


def load_points(ledger: Ledger, clock: SteppingClock, rng: random.Random) -> PointsDemoResult:
    """Scheme, plans, 1,296 books, 24 tallied Q4 测评 entries, appraisal (requires no scheme)."""
    points = Points(ledger)
    clock.set(datetime(2023, 1, 5, 9, 0, tzinfo=UTC))
    points.open_scheme(COUNTY)
    scheme = points.scheme()
    plans = []
    for t, _ in enumerate(TOWNSHIPS):
        points.set_plan(township_code(t), list(TASKS), _township_actor(t))
        plans.append(points.plan(township_code(t)))
    clock.set(datetime(2023, 3, 20, 9, 0, tzinfo=UTC))
    points.amend_plan(
        township_code(0), "flood-control", "防汛抗旱", 40, "汛期新增任务", _township_actor(0)
    )
    plans[0] = points.plan(township_code(0))
    books: list[UUID] = []
    for v in range(len(TOWNSHIPS) * VILLAGES_PER_TOWNSHIP):
        t, village = divmod(v, VILLAGES_PER_TOWNSHIP)
        states = []
        for c in range(len(CATEGORIES)):
            n = v * len(CATEGORIES) + c
            clock.set(datetime(2023, 2, 1, 9, 0, tzinfo=UTC) + timedelta(seconds=n))
            cadre = ledger.register_subject(
                {"name": _name(rng), "phone": f"1395560{n:04d}"}, "cadre", _township_actor(t)
            )
            states.append(
                PointsBook.open(
                    scheme=scheme,
                    cadre=cadre,
                    township=township_code(t),
                    village=f"{TOWNSHIPS[t]}{village + 1:02d}村",
                    category=CATEGORIES[c],
                    actor=_village_actor(t, village),
                    moment=clock(),
                )
            )
        ledger.app.save(*states)  # the books exist before the register names them
        register = _allocate(states, plans[t], rng, clock, v)
        for c, book in enumerate(states):
            _fill_book(book, plans[t], register, rng, clock, v * len(CATEGORIES) + c)
        ledger.app.save(register, *states)  # allocations before the work entries they allow
        books.extend(book.id for book in states)
    tallied = _tallied_evaluations(points, books, clock, rng)
    _appraise(points, books, clock)
    return PointsDemoResult(books=books, tallied=tallied)


def _tallied_evaluations(
    points: Points, books: list[UUID], clock: SteppingClock, rng: random.Random
) -> int:
    """Every 54th cadre's Q4 测评 entry is the township's tally of 5-9 raters' scores: the
    mean over all scores (0-100, in tenths, half up) × 5 %, entered by the township party
    committee as the scheme's evaluation (测评) entry, like every other quarter's. The
    draws and the arithmetic are those of the peer-evaluation forms these cadres had until
    issue 14 (the 《评价表》 now belongs to Huaining's lectures), so Taihu's figures stay."""
    clock.set(datetime(2023, 12, 20, 14, 0, tzinfo=UTC))
    tallied = 0
    for n, book in enumerate(books):
        if n % 54:
            continue
        scores = [{k: rng.randint(70, 100) for k in INDICATORS} for _ in range(rng.randint(5, 9))]
        _, overall = form_result(scores)
        points.enter(
            book,
            quarter=4,
            component=Component.EVALUATION,
            points_tenths=divide_half_up(overall * EVALUATION_PERCENT, 100),
            reason="第四季度测评（参评人员打分汇总）",
            actor=_township_actor(n // (6 * VILLAGES_PER_TOWNSHIP)),
        )
        tallied += 1
    return tallied


def _appraise(points: Points, books: list[UUID], clock: SteppingClock) -> None:
    """The county's organisation department closes the 2023 year on 10 January 2024 (the
    close opens the bottom-10% cases), reopens it on the 12th for a late bonus (with the
    reason) and closes it again on the 13th; then grades by the closed ranking within category:
    excellent from the close's top set (the first 15% by position), lowest 3% incompetent
    (with the reason), next 7% basically competent. Saved per book."""
    clock.set(datetime(2024, 1, 10, 9, 0, tzinfo=UTC))
    points.close_year(COUNTY)
    # a late entry after the close: only through a reopening with its reason, then a new close
    clock.set(datetime(2024, 1, 12, 9, 0, tzinfo=UTC))
    points.reopen_year(
        "晋熙镇01村一名干部2023年第四季度县级表彰加分漏录，经县委组织部批准补录后重新关账", COUNTY
    )
    points.enter(books[1], quarter=4, component=Component.BONUS, points_tenths=10,
                 reason="获县级表彰（补录）", actor=_township_actor(0))  # fmt: skip
    clock.set(datetime(2024, 1, 13, 9, 0, tzinfo=UTC))
    points.close_year(COUNTY)
    clock.set(datetime(2024, 1, 15, 9, 0, tzinfo=UTC))
    scheme = points.scheme()
    states = [points.book(b) for b in books]
    by_category: dict[str, list[PointsBook]] = {}
    for state in states:
        by_category.setdefault(state.category, []).append(state)
    for category, members in by_category.items():
        ranks = dense_ranks({str(b.id): b.total_tenths for b in members})
        ordered = sorted(members, key=lambda b: (ranks[str(b.id)], str(b.id)))
        n = len(ordered)
        for position, state in enumerate(ordered):
            reason = ""
            if position < n * 15 // 100 and scheme.in_top(state.cadre):
                grade = Grade.EXCELLENT
            elif position >= n - n * 3 // 100:
                grade, reason = Grade.INCOMPETENT, "年度积分同类别末位，年度考核评定不称职"
            elif position >= n - n * 10 // 100:
                grade = Grade.BASICALLY_COMPETENT
            else:
                grade = Grade.COMPETENT
            t = int(state.township[2:]) - 1
            state.appraise(
                scheme, grade, BASE_PAY[category], _township_actor(t), clock(), reason=reason
            )
            points.ledger.app.save(state)
