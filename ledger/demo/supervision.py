"""The supervision demo: bottom-tenth cases, Yuexi key projects, the Wangjiang inspection.

- Taihu: the 2023 close opened a case for every cadre in the lowest tenth of their category
  (ties included); each has taken the document's steps in order up to where it stands: some
  only talked to, some guided, some listed (overdue at the demo's end), some rectified with
  evidence and closed by another hand.
- Yuexi: the ten organisation-work projects (组织工作十大重点项目) with monthly checklists
  ("月清单"), each with its 工作专班 lead; progress reports; the lead verifies each item
  reported done (盘点销号); the overdue policy runs on the first of each month and opens a
  listed case for each item left undone (once, even when it runs again); an escalated item
  later done and verified closes its case; three amendments (动态调整). The newsletter names
  eight projects ("…等组织工作十大重点项目"); the other two are named "重点项目九/十（原文未
  列名）" so the demo has the document's ten without inventing what it does not say.
- Wangjiang: a political-quality inspection of 152 party branches examining 208 cadres (each
  with a post, leading or not): 2 leading cadres moved to non-leading posts for observation
  (reviewed at the period's end: one restored, one kept), 1 promotion deferred (family
  conduct), 14 reminders. Separately, the special inspection of cadre selection
  (选人用人专项检查) by the 专项调研组: rounds of visits to county units and townships, findings,
  and 33 talks (人次) with heads of units found to push work weakly — "30 余人次".
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from ledger.actor import Actor, Role
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.supervision.cadre_work import CadreWork
from ledger.supervision.case import SupervisionCase
from ledger.supervision.inspection import Outcome
from ledger.supervision.selection_inspection import UnitKind
from ledger.supervision.service import Supervision

SUPERVISOR = Actor("jw-taihu-01", Role.SUPERVISION)
WANGJIANG = Actor("jw-wangjiang-01", Role.SUPERVISION)  # registers the Wangjiang subjects
WANGJIANG_ORG = Actor("zzb-wangjiang-01", Role.ORGANISATION_DEPARTMENT)
YUEXI = Actor("zzb-yuexi-01", Role.ORGANISATION_DEPARTMENT)
DEMO_TODAY = date(2024, 4, 30)
BRANCHES = 152
EXAMINED = 208
UNIT_HEAD_TALKS = 33  # "目前已累计约谈 30 余人次"
UNITS = 30  # units found to push work weakly; three of them twice
# The document's own list ("组织工作十大重点项目"), quotes as printed (‘强村富民’). It names
# eight; the ninth and tenth are marked as not named. "干事状态": the newsletter prints "千事"
# across a line break, a misprint of 干事 (work spirit), corrected here and said so.
PROJECTS = [
    "持续激励干部担当作为", "经济部门干部能力素质提升", "人才引进工作优化",
    "村干部队伍干事状态提振", "社区网格治理能力提档", "‘强村富民’公司建设提速",
    "党员参与基层治理提效", "为民办事解忧服务提质",
    "重点项目九（原文未列名）", "重点项目十（原文未列名）",
]  # fmt: skip


def bottom_tenth_cases(ledger: Ledger, clock: SteppingClock) -> list[UUID]:
    """Act on the cases the 2023 close opened (one per cadre in the bottom tenth of their
    category, ties included), in the document's order and by its hands: "乡镇党委及时约谈提醒，
    包村党建指导员现场指导、挂牌督办、销号管理". Every case has taken each step up to where it
    stands: a fifth only talked to so far, a fifth guided, a fifth listed (overdue at the
    demo's end), two fifths rectified with evidence and closed by the discipline inspector."""
    supervision = Supervision(ledger)
    opened = ledger.app.streams_of(SupervisionCase.Opened.TOPIC)
    cases = [case for case in (supervision.case(c) for c in opened) if case.is_bottom]
    start = datetime(2024, 1, 20, 9, 0, tzinfo=UTC)
    for i, case in enumerate(cases):
        place = supervision.place(case)
        assert place is not None
        township = Actor(f"tpc-{place.township}", Role.TOWNSHIP_PARTY_COMMITTEE)
        instructor = Actor(
            f"pbi-{place.township}-{place.village[-3:-1]}", Role.PARTY_BUILDING_INSTRUCTOR
        )
        clock.set(start + timedelta(minutes=i))
        supervision.talk(case.id, "约谈提醒：分析排名靠后原因，明确整改方向", township)
        pattern = i % 5
        if pattern >= 1:
            clock.set(start + timedelta(days=7, minutes=i))
            supervision.guide(case.id, None, "包村党建指导员现场指导", instructor)
        if pattern >= 2:
            clock.set(start + timedelta(days=14, minutes=i))
            supervision.list_case(case.id, date(2024, 3, 31), "挂牌督办，限期整改", SUPERVISOR)
        if pattern >= 3:
            clock.set(start + timedelta(days=44, minutes=i))
            evidence = f"{place.township}整改报告〔2024〕{i + 1}号"
            supervision.report_rectification(case.id, "已按要求完成整改", township, evidence)
            supervision.close(case.id, f"太纪监〔2024〕{i + 1}号 销号审批表", SUPERVISOR)
    return [case.id for case in cases]


def key_projects(ledger: Ledger, clock: SteppingClock, rng: random.Random) -> tuple[int, int]:
    """Ten projects with twelve monthly items; returns (projects, cases the policy opened)."""
    supervision = Supervision(ledger)
    clock.set(datetime(2023, 1, 3, 9, 0, tzinfo=UTC))
    projects: list[tuple[UUID, Actor]] = []
    for n, name in enumerate(PROJECTS, 1):
        lead = Actor(f"zzb-yuexi-lead-{n:02d}", Role.ORGANISATION_DEPARTMENT)
        items = [(f"m{m:02d}", f"{m}月清单任务", date(2023, m, 28)) for m in range(1, 13)]
        project = supervision.register_project(
            name=name, owner_unit=f"岳西县委组织部（{name}工作专班）", county="yuexi",
            lead=lead.principal, year=2023, items=items, actor=YUEXI,
        )  # fmt: skip
        projects.append((project, lead))
    _amendments(supervision, clock, projects)
    opened: list[UUID] = []
    late: list[tuple[UUID, Actor]] = []
    for month in range(1, 13):
        clock.set(datetime(2023, month, 26, 1, 0, tzinfo=UTC))
        for project, lead in late:  # last month's escalated items, done now: their cases close
            _done_and_verified(supervision, project, lead, _open(supervision, project))
        late = []
        clock.set(datetime(2023, month, 27, 8, 0, tzinfo=UTC))
        for project, lead in projects:
            item = f"m{month:02d}"
            if item not in supervision.project(project).items:
                continue
            if rng.random() > 0.08:
                _done_and_verified(supervision, project, lead, item)
            else:
                supervision.report_progress(project, item, False, "进度滞后，正在推进", YUEXI)
                if rng.random() < 0.5:
                    late.append((project, lead))
        clock.set(datetime(2023, month, 28, 20, 0, tzinfo=UTC))  # the 1st of next month
        today = ledger.clock().date()  # the business date (GONGSHI_TIMEZONE)
        opened += supervision.escalate_overdue_items(today)
        if supervision.escalate_overdue_items(today):  # the policy opens once
            raise RuntimeError(f"the overdue policy escalated items twice on {today}")
    return len(projects), len(opened)


def _open(supervision: Supervision, project: UUID) -> str:
    """The project's first escalated item not yet reported done."""
    state = supervision.project(project)
    return min(item for item in state.escalated if item not in state.done)


def _done_and_verified(supervision: Supervision, project: UUID, lead: Actor, item: str) -> None:
    supervision.report_progress(project, item, True, "按月清单完成", YUEXI)
    supervision.verify_item(project, item, f"月度调度会盘点销号：{item} 材料核验", lead)


def _amendments(
    supervision: Supervision, clock: SteppingClock, projects: list[tuple[UUID, Actor]]
) -> None:
    """ "根据项目实施进展和工作成效，进行动态调整": a date moved, an item added, one dropped."""
    clock.set(datetime(2023, 3, 10, 2, 0, tzinfo=UTC))
    reason = "根据项目实施进展和工作成效，进行动态调整"
    talent, grid, company = projects[2][0], projects[4][0], projects[5][0]
    supervision.amend_project(talent, "move", "m07", f"{reason}：引才活动改期", YUEXI,
                              due=date(2023, 8, 28))  # fmt: skip
    supervision.amend_project(grid, "add", "grid-training", f"{reason}：增加网格员培训", YUEXI,
                              title="网格员轮训", due=date(2023, 11, 28))  # fmt: skip
    supervision.amend_project(company, "drop", "m12", f"{reason}：并入11月清单", YUEXI)


def wangjiang_inspection(ledger: Ledger, clock: SteppingClock, rng: random.Random) -> UUID:
    """The political-quality inspection (with the cadres' posts and the two observation
    periods, reviewed at their end) and the special inspection of cadre selection."""
    supervision = Supervision(ledger)
    work = CadreWork(ledger)
    selection_inspection(ledger, clock)
    clock.set(datetime(2023, 9, 4, 1, 0, tzinfo=UTC))
    inspection = supervision.open_inspection("望江县政治素质考察", "wangjiang", WANGJIANG_ORG)
    branches = [f"望江县第{i + 1:03d}党支部" for i in range(BRANCHES)]
    supervision.visit(inspection, branches, WANGJIANG_ORG)
    results: list[tuple[UUID, str, Outcome, str]] = []
    observations: dict[UUID, tuple[str, date]] = {}
    for i in range(EXAMINED):
        cadre = ledger.register_subject({"name": f"望江干部{i + 1:03d}"}, "cadre", WANGJIANG)
        leading = i % 4 == 1 or i in (17, 123)
        work.assign_post(cadre, "wangjiang", f"{'领导' if leading else '非领导'}岗位{i + 1:03d}",
                         leading, WANGJIANG_ORG)  # fmt: skip
        branch = branches[i % BRANCHES]
        if i in (17, 123):
            outcome, reason = Outcome.NON_LEADING_POST, "政治素质考察发现担当作为不足"
            observations[cadre] = (f"非领导岗位{i + 1:03d}", date(2024, 3, 4))
        elif i == 64:
            outcome, reason = Outcome.PROMOTION_DEFERRED, "家风方面存在问题，暂缓提拔"
        elif i % 15 == 7:
            outcome, reason = Outcome.REMINDER, "提醒注意工作作风"
        else:
            outcome, reason = Outcome.NO_FINDING, ""
        results.append((cadre, branch, outcome, reason))
    supervision.examine(inspection, results, WANGJIANG_ORG, observations)
    clock.set(datetime(2024, 3, 5, 2, 0, tzinfo=UTC))  # the observation periods' end
    restored, kept = list(observations)
    work.review_observation(restored, "restored_leading", "领导岗位（恢复）",
                            "观察期满，表现良好，恢复领导岗位", WANGJIANG_ORG)  # fmt: skip
    work.review_observation(kept, "kept_non_leading", "", "观察期满，继续在非领导岗位使用",
                            WANGJIANG_ORG)  # fmt: skip
    return inspection


def selection_inspection(ledger: Ledger, clock: SteppingClock) -> UUID:
    """选人用人专项检查: three rounds of visits by the 专项调研组 to county units and townships,
    findings, and 33 talks (人次) with the heads of 30 units found to push work weakly
    (three of them found so again in a later round, and talked to again), all by the
    newsletter's date (22 March 2023: "目前已累计约谈 30 余人次")."""
    work = CadreWork(ledger)
    clock.set(datetime(2023, 1, 2, 1, 0, tzinfo=UTC))
    inspection = work.open_selection_inspection(
        "望江县选人用人专项检查", "wangjiang", "县委组织部专项调研组", WANGJIANG_ORG
    )
    units = [(f"望江县直单位{i + 1:02d}", UnitKind.COUNTY_UNIT) for i in range(24)] + [
        (f"望江县乡镇（街道）{i + 1:02d}", UnitKind.TOWNSHIP) for i in range(10)
    ]
    heads = {
        unit: ledger.register_subject({"name": f"{unit}主要负责人"}, "unit_head", WANGJIANG)
        for unit, _ in units[:UNITS]
    }
    weak = {0: list(range(0, 12)), 1: list(range(12, 24)), 2: [*range(24, UNITS), 3, 9, 15]}
    for round_, (year, month) in enumerate(((2023, 1), (2023, 2), (2023, 3))):
        clock.set(datetime(year, month, 3, 1, 0, tzinfo=UTC))
        work.visit_units(inspection, units, WANGJIANG_ORG)
        clock.set(datetime(year, month, 20, 1, 0, tzinfo=UTC))
        for n in weak[round_]:
            unit = units[n][0]
            work.record_finding(inspection, unit, "干部队伍建设工作推动不力", True, WANGJIANG_ORG)
            work.talk_to_head(inspection, unit, heads[unit], "约谈：督促加强干部队伍建设",
                              WANGJIANG_ORG)  # fmt: skip
        work.record_finding(inspection, units[-1][0], "选人用人程序规范", False, WANGJIANG_ORG)
    talks = work.selection_inspection(inspection).talks
    if talks != UNIT_HEAD_TALKS:
        raise RuntimeError(f"the special inspection recorded {talks} talks")
    return inspection
