"""Wangjiang cadre work: the special inspection of cadre selection (选人用人专项检查: units
visited, findings, unit-head talks) and cadres' posts with the observation period (观察使用),
started from a leading post (also by the political-quality inspection) and reviewed at its
end. Each rejection stores nothing (``rejected``)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

import pytest

from ledger.actor import Actor, Role
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.supervision.cadre_work import CadreWork
from ledger.supervision.inspection import Outcome
from ledger.supervision.service import Supervision
from tests.integration.helpers import rejected

ORG = Actor("org-01", Role.ORGANISATION_DEPARTMENT)
SUP = Actor("supervision-01", Role.SUPERVISION)  # registers subjects
TPC = Actor("tpc-01", Role.TOWNSHIP_PARTY_COMMITTEE)


@pytest.fixture
def work(ledger: Ledger, clock: SteppingClock) -> CadreWork:
    clock.set(datetime(2023, 3, 1, 1, 0, tzinfo=UTC))
    return CadreWork(ledger)


def _special(work: CadreWork) -> UUID:
    inspection = work.open_selection_inspection("选人用人专项检查", "taihu", "专项调研组", ORG)
    work.visit_units(inspection, [("县交通运输局", "county_unit"), ("晋熙镇", "township")], ORG)
    return inspection


def test_the_special_inspection_is_the_organisation_departments(
    ledger: Ledger, work: CadreWork
) -> None:
    rejected(ledger, "role", lambda: work.open_selection_inspection("检查", "taihu", "组", TPC))
    rejected(ledger, "selection.name", lambda: work.open_selection_inspection(
        "检查", "taihu", " ", ORG))  # fmt: skip
    inspection = _special(work)
    rejected(ledger, "selection.visit", lambda: work.visit_units(
        inspection, [("县财政局", "county_unit"), ("某处", "province")], ORG))  # fmt: skip
    rejected(
        ledger, "selection.visit", lambda: work.visit_units(inspection, [(" ", "county_unit")], ORG)
    )  # fmt: skip  (a unit is named)
    assert work.selection_inspection(inspection).visited == {"县交通运输局": 1, "晋熙镇": 1}


def test_a_finding_is_about_a_visited_unit(ledger: Ledger, work: CadreWork) -> None:
    inspection = _special(work)
    rejected(ledger, "selection.visit", lambda: work.record_finding(
        inspection, "县财政局", "推动不力", True, ORG))  # fmt: skip
    rejected(
        ledger,
        "selection.visit",
        lambda: work.record_finding(inspection, "县交通运输局", " ", True, ORG),
    )  # fmt: skip  (a finding says what)
    work.record_finding(inspection, "县交通运输局", "干部队伍建设推动不力", True, ORG)
    assert work.selection_inspection(inspection).findings == 1


def test_a_talk_follows_a_weak_work_finding_once_per_finding(
    ledger: Ledger, work: CadreWork
) -> None:
    inspection = _special(work)
    head = ledger.register_subject({"name": "赵局长"}, "unit_head", SUP)
    cadre = ledger.register_subject({"name": "钱干部"}, "cadre", SUP)
    talk = lambda unit="县交通运输局", who=head: work.talk_to_head(  # noqa: E731
        inspection, unit, who, "约谈：督促加强干部队伍建设", ORG)  # fmt: skip
    rejected(ledger, "selection.talk", talk)  # visited, no finding
    work.record_finding(inspection, "县交通运输局", "程序规范", False, ORG)
    rejected(ledger, "selection.talk", talk)  # a finding, but not of weak work
    work.record_finding(inspection, "县交通运输局", "干部队伍建设推动不力", True, ORG)
    rejected(ledger, "subject.kind", lambda: talk(who=cadre))
    rejected(
        ledger,
        "selection.talk",
        lambda: work.talk_to_head(inspection, "县交通运输局", head, " ", ORG),
    )  # fmt: skip  (a talk records what was said)
    talk()
    rejected(ledger, "selection.talk", talk)  # one talk per finding: 人次
    work.record_finding(inspection, "县交通运输局", "整改后仍推动不力", True, ORG)
    talk()
    assert work.selection_inspection(inspection).talks == 2


def _cadre(ledger: Ledger, work: CadreWork, leading: bool) -> UUID:
    cadre = ledger.register_subject({"name": "孙干部"}, "cadre", SUP)
    work.assign_post(cadre, "taihu", "镇党委副书记" if leading else "四级主任科员", leading, ORG)
    return cadre


def test_observation_only_from_a_leading_post_ending_after_today(
    ledger: Ledger, work: CadreWork
) -> None:
    clerk = _cadre(ledger, work, leading=False)
    cadre = ledger.register_subject({"name": "周干部"}, "cadre", SUP)
    rejected(ledger, "cadrepost.post", lambda: work.assign_post(cadre, "taihu", " ", True, ORG))
    rejected(ledger, "cadrepost.observation", lambda: work.start_observation(
        clerk, "科员", date(2023, 9, 1), "观察使用", ORG))  # fmt: skip
    leader = _cadre(ledger, work, leading=True)
    rejected(ledger, "cadrepost.observation", lambda: work.start_observation(
        leader, "四级调研员", date(2023, 3, 1), "观察使用", ORG))  # fmt: skip
    rejected(
        ledger,
        "cadrepost.observation",
        lambda: work.start_observation(leader, " ", date(2023, 9, 1), "观察使用", ORG),
    )  # fmt: skip  (the non-leading post)
    work.start_observation(leader, "四级调研员", date(2023, 9, 1), "观察使用", ORG)
    rejected(ledger, "cadrepost.observation", lambda: work.start_observation(
        leader, "科员", date(2023, 12, 1), "再次观察", ORG))  # fmt: skip
    post = work.post(leader)
    assert (post.leading, post.observing_until) == (False, "2023-09-01")


def test_the_observation_is_reviewed_at_its_end(
    ledger: Ledger, work: CadreWork, clock: SteppingClock
) -> None:
    leader = _cadre(ledger, work, leading=True)
    rejected(ledger, "cadrepost.review", lambda: work.review_observation(
        leader, "kept_non_leading", "", "未在观察期", ORG))  # fmt: skip
    work.start_observation(leader, "四级调研员", date(2023, 9, 1), "观察使用", ORG)
    clock.set(datetime(2023, 8, 31, 15, 0, tzinfo=UTC))  # 23:00 on 31 August in Shanghai
    rejected(ledger, "cadrepost.review", lambda: work.review_observation(
        leader, "restored_leading", "镇党委副书记", "提前结束", ORG))  # fmt: skip
    clock.set(datetime(2023, 8, 31, 16, 0, tzinfo=UTC))  # 00:00 on 1 September in Shanghai
    rejected(ledger, "cadrepost.review", lambda: work.review_observation(
        leader, "restored_leading", " ", "观察期满", ORG))  # fmt: skip
    rejected(
        ledger,
        "cadrepost.review",
        lambda: work.review_observation(leader, "restored_leading", "镇党委副书记", " ", ORG),
    )  # fmt: skip  (a reason)
    work.review_observation(leader, "restored_leading", "镇党委副书记", "观察期满，表现良好", ORG)
    post = work.post(leader)
    assert (post.leading, post.post, post.observing_until) == (True, "镇党委副书记", "")
    rejected(ledger, "cadrepost.review", lambda: work.review_observation(
        leader, "kept_non_leading", "", "再审", ORG))  # fmt: skip


def test_the_inspections_non_leading_outcome_starts_the_observation(
    ledger: Ledger, work: CadreWork
) -> None:
    sup = Supervision(ledger)
    inspection = sup.open_inspection("政治素质考察", "taihu", ORG)
    sup.visit(inspection, ["第001党支部"], ORG)
    clerk, leader = _cadre(ledger, work, leading=False), _cadre(ledger, work, leading=True)
    unposted = ledger.register_subject({"name": "李干部"}, "cadre", SUP)
    moved = "政治素质考察发现担当作为不足"
    for cadre in (clerk, unposted):
        rejected(ledger, "cadrepost.observation", lambda c=cadre: sup.examine(  # type: ignore[misc]
            inspection, [(c, "第001党支部", Outcome.NON_LEADING_POST, moved)], ORG,
            {c: ("四级调研员", date(2024, 3, 1))}))  # fmt: skip
    rejected(ledger, "cadrepost.observation", lambda: sup.examine(
        inspection, [(leader, "第001党支部", Outcome.NON_LEADING_POST, moved)], ORG))  # fmt: skip
    sup.examine(inspection, [(leader, "第001党支部", Outcome.NON_LEADING_POST, moved)], ORG,
                {leader: ("四级调研员", date(2024, 3, 1))})  # fmt: skip
    post = work.post(leader)
    assert (post.leading, post.observing_until, post.inspection) == (
        False, "2024-03-01", str(inspection))  # fmt: skip
