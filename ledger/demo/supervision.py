"""The supervision demo: bottom-tenth cases, Yuexi key projects, the Wangjiang inspection.

- Taihu: a case for every cadre in the lowest tenth of their category (ties included), with a
  mix of actions: some only talked to, some guided, some listed (overdue at the demo's end),
  some rectified and closed with evidence.
- Yuexi: ten key projects with monthly checklists; progress reports; the overdue policy opens
  a listed case for each item left undone (once, even when it runs again).
- Wangjiang: a political-quality inspection of 152 party branches examining 208 cadres:
  2 leading cadres moved to non-leading posts for observation, 1 promotion deferred (family
  conduct), 14 reminders; and 30 talks with heads of units that push work weakly.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from ledger.actor import Actor, Role
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.points.ranking import bottom_share
from ledger.points.service import Points
from ledger.supervision.case import Reason, TargetKind
from ledger.supervision.inspection import Outcome
from ledger.supervision.service import Supervision

SUPERVISOR = Actor("jw-taihu-01", Role.SUPERVISION)
WANGJIANG = Actor("jw-wangjiang-01", Role.SUPERVISION)
YUEXI = Actor("tpc-yuexi-01", Role.TOWNSHIP_PARTY_COMMITTEE)
DEMO_TODAY = date(2024, 4, 30)
BRANCHES = 152
EXAMINED = 208
UNIT_HEAD_TALKS = 30
PROJECTS = [
    "大别山旅游公路", "县城污水管网改造", "中药材产业园", "天堂镇老街改造", "抽水蓄能电站配套",
    "乡村振兴示范片", "高标准农田建设", "县医院新院区", "茶叶加工园区", "城乡供水一体化",
]  # fmt: skip


def bottom_tenth_cases(ledger: Ledger, clock: SteppingClock) -> list[UUID]:
    """Open a case for each cadre in the bottom tenth of their category, then act on it."""
    points = Points(ledger)
    supervision = Supervision(ledger)
    books = points.books()
    percent = points.scheme().bottom_share_percent
    selected: list[str] = []
    for category in sorted({b.category for b in books}):
        totals = {b.cadre: b.total_tenths for b in books if b.category == category}
        selected.extend(sorted(bottom_share(totals, percent)))
    cases = []
    clock.set(datetime(2024, 1, 20, 9, 0, tzinfo=UTC))
    for i, cadre in enumerate(selected):
        case = supervision.open_case(
            target_kind=TargetKind.CADRE,
            target=cadre,
            reason=Reason.BOTTOM_RANKING,
            detail="2023年度积分排名后10%",
            actor=SUPERVISOR,
        )
        cases.append(case)
        supervision.talk(case, "约谈提醒：分析排名靠后原因，明确整改方向", SUPERVISOR)
        pattern = i % 5
        if pattern >= 1:
            supervision.guide(
                case, f"instructor-{i % 12 + 1:02d}", "驻村指导员现场指导", SUPERVISOR
            )
        if pattern in (2, 4):
            supervision.list_case(case, date(2024, 3, 31), "挂牌督办，限期整改", SUPERVISOR)
        if pattern in (3, 4):
            clock.set(clock() + timedelta(days=30))
            supervision.report_rectification(case, "已按要求完成整改", SUPERVISOR)
            supervision.close(case, f"太纪监〔2024〕{i + 1}号 销号审批表", SUPERVISOR)
            clock.set(datetime(2024, 1, 20, 9, 0, tzinfo=UTC) + timedelta(minutes=i))
    return cases


def key_projects(ledger: Ledger, clock: SteppingClock, rng: random.Random) -> tuple[int, int]:
    """Ten projects with twelve monthly items; returns (projects, cases the policy opened)."""
    supervision = Supervision(ledger)
    clock.set(datetime(2023, 1, 3, 9, 0, tzinfo=UTC))
    projects = []
    for name in PROJECTS:
        items = [(f"m{m:02d}", f"{m}月节点任务", date(2023, m, 28)) for m in range(1, 13)]
        projects.append(
            supervision.register_project(
                name=name, owner_unit=f"岳西县{name}指挥部", year=2023, items=items, actor=YUEXI
            )
        )
    for month in range(1, 13):
        clock.set(datetime(2023, month, 27, 16, 0, tzinfo=UTC))
        for p in projects:
            done = rng.random() > 0.04
            supervision.report_progress(
                p, f"m{month:02d}", done, "按期完成" if done else "进度滞后，正在推进", YUEXI
            )
    clock.set(datetime(2024, 1, 2, 8, 0, tzinfo=UTC))
    opened = supervision.escalate_overdue_items(date(2024, 1, 2))
    again = supervision.escalate_overdue_items(date(2024, 1, 2))  # the policy opens once
    if again:
        raise RuntimeError(f"the overdue policy escalated items twice: {again}")
    return len(projects), len(opened)


def wangjiang_inspection(ledger: Ledger, clock: SteppingClock, rng: random.Random) -> UUID:
    supervision = Supervision(ledger)
    clock.set(datetime(2023, 9, 4, 9, 0, tzinfo=UTC))
    inspection = supervision.open_inspection("望江县政治素质考察", "wangjiang", WANGJIANG)
    branches = [f"望江县第{i + 1:03d}党支部" for i in range(BRANCHES)]
    supervision.visit(inspection, branches, WANGJIANG)
    results: list[tuple[UUID, str, Outcome, str]] = []
    for i in range(EXAMINED):
        cadre = ledger.register_subject({"name": f"望江干部{i + 1:03d}"}, "cadre", WANGJIANG)
        branch = branches[i % BRANCHES]
        if i in (17, 123):
            outcome, reason = Outcome.NON_LEADING_POST, "政治素质考察发现担当作为不足"
        elif i == 64:
            outcome, reason = Outcome.PROMOTION_DEFERRED, "家风方面存在问题，暂缓提拔"
        elif i % 15 == 7:
            outcome, reason = Outcome.REMINDER, "提醒注意工作作风"
        else:
            outcome, reason = Outcome.NO_FINDING, ""
        results.append((cadre, branch, outcome, reason))
    supervision.examine(inspection, results, WANGJIANG)
    clock.set(datetime(2023, 10, 9, 9, 0, tzinfo=UTC))
    for i in range(UNIT_HEAD_TALKS):
        head = ledger.register_subject({"name": f"单位负责人{i + 1:02d}"}, "unit_head", WANGJIANG)
        case = supervision.open_case(
            target_kind=TargetKind.UNIT_HEAD,
            target=str(head),
            reason=Reason.INSPECTION,
            detail="政治素质考察：推动工作不力",
            actor=WANGJIANG,
        )
        supervision.talk(case, "约谈：压实工作责任，限期改进", WANGJIANG)
    return inspection
