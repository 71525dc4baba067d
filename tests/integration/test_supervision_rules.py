"""Supervision cases, inspections, key projects and the overdue policy (both backends)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

import pytest

from ledger.actor import Actor, Role
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.settings import Settings
from ledger.supervision.case import Reason, Stage, TargetKind
from ledger.supervision.inspection import Outcome
from ledger.supervision.project import OVERDUE_RULE
from ledger.supervision.service import Supervision
from tests.integration.helpers import FINANCE, rejected

SUP = Actor("supervision-01", Role.SUPERVISION)
TPC = Actor("tpc-01", Role.TOWNSHIP_PARTY_COMMITTEE)
ORG = Actor("org-01", Role.ORGANISATION_DEPARTMENT)  # projects, inspections (county taihu)


@pytest.fixture
def sup(ledger: Ledger, clock: SteppingClock) -> Supervision:
    clock.set(datetime(2024, 1, 10, 9, 0, tzinfo=UTC))
    return Supervision(ledger)


def _case(sup: Supervision) -> UUID:
    cadre = sup.ledger.register_subject({"name": "钱七"}, "cadre", SUP)
    return sup.open_case(
        target_kind=TargetKind.CADRE,
        target=str(cadre),
        reason=Reason.COMPLAINT,
        detail="群众投诉：工作推进迟缓",
        county="taihu",
        actor=SUP,
    )


def test_full_path_to_closure(ledger: Ledger, sup: Supervision) -> None:
    case = _case(sup)
    sup.talk(case, "约谈", SUP)
    sup.talk(case, "再次约谈", TPC)
    sup.guide(case, "instructor-01", "现场指导", TPC)
    sup.list_case(case, date(2024, 3, 31), "挂牌", SUP)
    sup.report_rectification(case, "已整改", SUP)
    sup.close(case, "太纪监〔2024〕1号", SUP)
    state = sup.case(case)
    assert (state.stage, state.actions, state.closed_on) == (Stage.CLOSED, 4, "2024-01-10")


def _open_unit_case(sup: Supervision, actor: Actor, target: str, detail: str) -> UUID:
    return sup.open_case(
        target_kind=TargetKind.UNIT, target=target, reason=Reason.COMPLAINT, detail=detail,
        county="taihu", actor=actor,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("rule", "actor", "target", "detail"),
    [("role", FINANCE, "某局", "d"), ("supervision.target", SUP, " ", "d"),
     ("supervision.reason", SUP, "某局", " ")],
    ids=["opened-by-finance", "blank-target", "blank-reason"],
)  # fmt: skip
def test_case_roles_and_targets(
    ledger: Ledger, sup: Supervision, rule: str, actor: Actor, target: str, detail: str
) -> None:
    rejected(ledger, rule, lambda: _open_unit_case(sup, actor, target, detail))
    case = _case(sup)
    rejected(ledger, "role", lambda: sup.talk(case, "x", FINANCE))


def test_never_from_opened_to_closed_without_an_action(ledger: Ledger, sup: Supervision) -> None:
    case = _case(sup)
    rejected(ledger, "supervision.order", lambda: sup.close(case, "文件1号", SUP))
    rejected(ledger, "supervision.order", lambda: sup.report_rectification(case, "x", SUP))


def test_closure_without_evidence_rejected(ledger: Ledger, sup: Supervision) -> None:
    case = _case(sup)
    sup.talk(case, "约谈", SUP)
    rejected(ledger, "supervision.order", lambda: sup.close(case, "文件1号", SUP), "rectification")
    sup.report_rectification(case, "已整改", SUP)
    for evidence in ("", "  ", "ab"):
        rejected(ledger, "supervision.evidence", lambda e=evidence: sup.close(case, e, SUP))  # type: ignore[misc]
    sup.close(case, "销号审批表 2024-07", SUP)


def test_action_after_closure_rejected(ledger: Ledger, sup: Supervision) -> None:
    case = _case(sup)
    sup.guide(case, "instructor-02", "指导", SUP)
    sup.report_rectification(case, "已整改", SUP)
    sup.close(case, "销号审批表 2024-08", SUP)
    for action in (
        lambda: sup.talk(case, "x", SUP),
        lambda: sup.guide(case, "i", "x", SUP),
        lambda: sup.list_case(case, date(2024, 5, 1), "x", SUP),
        lambda: sup.report_rectification(case, "x", SUP),
        lambda: sup.close(case, "另一份文件", SUP),
    ):
        rejected(ledger, "supervision.closed", action)


def test_actions_never_go_back(ledger: Ledger, sup: Supervision) -> None:
    case = _case(sup)
    sup.list_case(case, date(2024, 2, 1), "挂牌", SUP)
    rejected(ledger, "supervision.order", lambda: sup.talk(case, "x", SUP))
    rejected(ledger, "supervision.order", lambda: sup.guide(case, "i", "x", SUP))
    rejected(ledger, "supervision.order", lambda: sup.list_case(case, date(2024, 3, 1), "x", SUP))


def test_deadline_not_in_the_past(ledger: Ledger, sup: Supervision) -> None:
    case = _case(sup)
    rejected(
        ledger, "supervision.deadline", lambda: sup.list_case(case, date(2024, 1, 9), "x", SUP)
    )


def test_overdue_at_the_deadline_boundary(
    ledger: Ledger, sup: Supervision, clock: SteppingClock
) -> None:
    case = _case(sup)
    sup.list_case(case, date(2024, 2, 29), "挂牌", SUP)
    state = sup.case(case)
    assert not state.is_overdue(date(2024, 2, 28))
    assert not state.is_overdue(date(2024, 2, 29))  # the deadline day itself
    assert state.is_overdue(date(2024, 3, 1))
    assert [c.id for c in sup.overdue_cases(date(2024, 3, 1))] == [case]
    assert sup.overdue_cases(date(2024, 2, 29)) == []
    sup.report_rectification(case, "已整改", SUP)
    assert sup.case(case).is_overdue(date(2024, 3, 1))  # rectified is not closed
    sup.close(case, "销号审批表 2024-09", SUP)
    assert not sup.case(case).is_overdue(date(2030, 1, 1))


# --- inspections -------------------------------------------------------------------------


def test_inspection_rules(ledger: Ledger, sup: Supervision) -> None:
    rejected(ledger, "role", lambda: sup.open_inspection("考察", "taihu", FINANCE))
    rejected(ledger, "inspection.name", lambda: sup.open_inspection(" ", "taihu", ORG))
    inspection = sup.open_inspection("政治素质考察", "taihu", ORG)
    sup.visit(inspection, ["第001党支部", "第002党支部"], ORG)
    rejected(
        ledger,
        "inspection.branch",
        lambda: sup.visit(inspection, ["第003党支部", "第001党支部"], ORG),
    )
    cadre = ledger.register_subject({"name": "孙八"}, "cadre", SUP)
    unvisited = [(cadre, "第009党支部", Outcome.NO_FINDING, "")]
    rejected(ledger, "inspection.branch", lambda: sup.examine(inspection, unvisited, ORG))
    rejected(
        ledger,
        "inspection.reason",
        lambda: sup.examine(
            inspection, [(cadre, "第001党支部", Outcome.PROMOTION_DEFERRED, " ")], ORG
        ),
    )
    sup.examine(inspection, [(cadre, "第001党支部", Outcome.PROMOTION_DEFERRED, "家风问题")], ORG)
    rejected(
        ledger,
        "inspection.examined",
        lambda: sup.examine(inspection, [(cadre, "第002党支部", Outcome.NO_FINDING, "")], ORG),
    )
    counts = sup.inspection(inspection).outcome_counts()
    assert counts[Outcome.PROMOTION_DEFERRED] == 1 and sum(counts.values()) == 1


# --- key projects and the overdue policy --------------------------------------------------


def _project(sup: Supervision) -> UUID:
    return sup.register_project(
        name="旅游公路",
        owner_unit="岳西县交通局",
        county="taihu",
        lead="org-02",
        year=2024,
        actor=ORG,
        items=[("m01", "1月", date(2024, 1, 31)), ("m02", "2月", date(2024, 2, 29))],
    )


def test_project_rules(ledger: Ledger, sup: Supervision) -> None:
    rejected(
        ledger,
        "keyproject.items",
        lambda: sup.register_project(
            name="p",
            owner_unit="u",
            county="taihu",
            lead="org-02",
            year=2024,
            items=[("m01", "x", date(2025, 1, 1))],
            actor=ORG,
        ),
    )
    rejected(
        ledger,
        "keyproject.items",
        lambda: sup.register_project(
            name="p", owner_unit="u", county="taihu", lead="org-02", year=2024, items=[], actor=ORG
        ),
    )
    project = _project(sup)
    rejected(
        ledger, "keyproject.items", lambda: sup.report_progress(project, "m09", True, "x", ORG)
    )
    rejected(ledger, "role", lambda: sup.report_progress(project, "m01", True, "x", FINANCE))
    sup.report_progress(project, "m01", True, "完成", ORG)
    rejected(ledger, "keyproject.done", lambda: sup.report_progress(project, "m01", True, "x", ORG))


def test_overdue_item_opens_a_listed_case_once(
    ledger: Ledger, sup: Supervision, clock: SteppingClock
) -> None:
    project = _project(sup)
    sup.report_progress(project, "m01", False, "滞后", ORG)
    assert sup.escalate_overdue_items(date(2024, 1, 31)) == []  # due today: not yet overdue
    clock.set(datetime(2024, 2, 1, 8, 0, tzinfo=UTC))
    opened = sup.escalate_overdue_items(date(2024, 2, 1))
    assert len(opened) == 1
    case = sup.case(opened[0])
    assert (case.stage, case.reason, case.target) == (
        Stage.LISTED,
        "overdue_project",
        "岳西县交通局",
    )
    assert case.deadline == "2024-02-16"
    state = sup.project(project)
    assert state.escalated == {"m01": str(opened[0])}
    assert sup.escalate_overdue_items(date(2024, 2, 2)) == []  # once
    events = ledger.app.recorder.select_events(project, desc=True, limit=1)
    assert f'"rule":"{OVERDUE_RULE}"'.encode() in events[0].state
    opened_record = ledger.app.recorder.select_events(opened[0], limit=1)[0].state
    assert f'"trigger":"{OVERDUE_RULE}"'.encode() in opened_record


def test_done_items_are_never_escalated(ledger: Ledger, sup: Supervision) -> None:
    project = _project(sup)
    sup.report_progress(project, "m01", True, "完成", ORG)
    sup.report_progress(project, "m02", True, "完成", ORG)
    assert sup.escalate_overdue_items(date(2024, 12, 31)) == []


def test_case_targets_must_be_subjects_of_the_right_kind(ledger: Ledger, sup: Supervision) -> None:
    worker = ledger.register_subject({"name": "骑手"}, "worker", SUP)
    for kind in (TargetKind.CADRE, TargetKind.UNIT_HEAD):
        rejected(
            ledger,
            "subject.kind",
            lambda k=kind: sup.open_case(  # type: ignore[misc]
                target_kind=k,
                target=str(worker),
                reason=Reason.COMPLAINT,
                detail="d",
                county="taihu",
                actor=SUP,
            ),
        )
        rejected(
            ledger,
            "supervision.target",
            lambda k=kind: sup.open_case(  # type: ignore[misc]
                target_kind=k,
                target="张三",
                reason=Reason.COMPLAINT,
                detail="d",
                county="taihu",
                actor=SUP,
            ),
        )
    rejected(
        ledger,
        "supervision.reason",
        lambda: sup.open_case(
            target_kind="unit",
            target="某局",
            reason="gossip",
            detail="d",
            county="taihu",
            actor=SUP,
        ),
    )


def test_guidance_and_rectification_need_their_details(ledger: Ledger, sup: Supervision) -> None:
    case = _case(sup)
    rejected(ledger, "supervision.instructor", lambda: sup.guide(case, " ", "指导", SUP))
    sup.talk(case, "约谈", SUP)
    rejected(ledger, "supervision.rectification", lambda: sup.report_rectification(case, " ", SUP))


def test_project_registration_and_progress_details(ledger: Ledger, sup: Supervision) -> None:
    items = [("m01", "1月", date(2024, 1, 31))]
    rejected(
        ledger,
        "keyproject.name",
        lambda: sup.register_project(
            name=" ",
            owner_unit="u",
            county="taihu",
            lead="org-02",
            year=2024,
            items=items,
            actor=ORG,
        ),
    )
    rejected(
        ledger,
        "keyproject.items",
        lambda: sup.register_project(
            name="p",
            owner_unit="u",
            county="taihu",
            lead="org-02",
            year=2024,
            items=items * 2,
            actor=ORG,
        ),
    )
    rejected(
        ledger,
        "keyproject.items",
        lambda: sup.register_project(
            name="p",
            owner_unit="u",
            county="taihu",
            lead="org-02",
            year=2024,
            items=[("M 1", "x", date(2024, 1, 1))],
            actor=ORG,
        ),
    )
    project = sup.register_project(
        name="p", owner_unit="u", county="taihu", lead="org-02", year=2024, items=items, actor=ORG
    )
    rejected(
        ledger, "keyproject.progress", lambda: sup.report_progress(project, "m01", True, " ", ORG)
    )


def test_policy_escalates_once_under_racing_runs(
    ledger: Ledger, sup: Supervision, settings: Settings, clock: SteppingClock
) -> None:
    import threading

    from ledger.ledger import open_ledger

    project = _project(sup)
    opened: list[UUID] = []
    barrier = threading.Barrier(3)

    def run() -> None:
        own = open_ledger(settings, clock=SteppingClock(datetime(2024, 3, 2, tzinfo=UTC)))
        try:
            barrier.wait(timeout=30)
            opened.extend(Supervision(own).escalate_overdue_items(date(2024, 3, 2)))
        finally:
            own.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(opened) == 2  # m01 and m02, each once
    assert set(sup.project(project).escalated.values()) == {str(c) for c in opened}
