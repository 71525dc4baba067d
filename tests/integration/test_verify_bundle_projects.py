"""gongshi-verify on an exported bundle holding a key project's history (an amendment, an item
verified, an overdue item escalated and its case closed by the item's verification), the
special inspection of cadre selection (visits, findings, a unit-head talk) and a cadre's
observation period reviewed at its end: clean, it passes; with one record changed to break a
rule of verify/rules_supervision.py ProjectRules — re-chained and re-signed by an operator
holding the log's keys, so that only the rule across records can catch it — it fails naming
that rule alone (docs/FORMAT.md §4 rules 22-28, 39)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from ledger.actor import Actor, Role
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.settings import Settings
from ledger.supervision.cadre_work import CadreWork
from ledger.supervision.service import Supervision
from tests.integration.bundles import (
    DROP,
    Change,
    Keys,
    forge_one,
    make_bundle,
    no_pinned_policy,  # noqa: F401 (autouse)
    rules,
    run_json,
)

ORG, LEAD = (
    Actor("org-01", Role.ORGANISATION_DEPARTMENT),
    Actor("org-02", Role.ORGANISATION_DEPARTMENT),
)
SUP = Actor("supervision-01", Role.SUPERVISION)  # registers the cadre and the unit head
WHY = "根据项目实施进展和工作成效，进行动态调整"


def _project(ledger: Ledger) -> None:
    """m01 reported done and verified; m03 moved; m04 reported done, not yet verified; m02,
    past due, escalated by the policy on 1 March 2023 (its case opened and listed), then
    reported done (the case rectified) and verified, which closes the case in the same
    commit. Then a case opened by hand (a complaint about the owner unit), left open."""
    sup = Supervision(ledger)
    project = sup.register_project(
        name="人才引进工作优化", owner_unit="组织部", county="taihu", lead=LEAD.principal,
        year=2023, actor=ORG, items=[("m01", "1月清单", date(2023, 12, 28)),
                                     ("m02", "2月清单", date(2023, 2, 28)),
                                     ("m03", "3月清单", date(2023, 3, 31)),
                                     ("m04", "4月清单", date(2023, 4, 30))],
    )  # fmt: skip
    sup.amend_project(project, "move", "m03", WHY, ORG, due=date(2023, 9, 30))
    sup.report_progress(project, "m01", True, "完成", ORG)
    sup.verify_item(project, "m01", "盘点销号", LEAD)
    sup.report_progress(project, "m04", True, "提前完成", ORG)
    (case,) = sup.escalate_overdue_items(date(2023, 3, 1))
    sup.report_progress(project, "m02", True, "已补齐", ORG)
    sup.verify_item(project, "m02", "3月调度会盘点销号", LEAD)
    assert sup.case(case).closed_on == "2023-03-01"
    sup.open_case(target_kind="unit", target="组织部", reason="complaint", detail="群众反映",
                  county="taihu", actor=SUP)  # fmt: skip


def _selection(ledger: Ledger) -> None:
    """Two units visited; in the first, a finding not of weak work, then one of weak work,
    then its head talked to."""
    work = CadreWork(ledger)
    inspection = work.open_selection_inspection("选人用人专项检查", "taihu", "专项调研组", ORG)
    units = [("县直单位01", "county_unit"), ("县直单位02", "county_unit")]
    work.visit_units(inspection, units, ORG)
    work.record_finding(inspection, "县直单位01", "程序规范", False, ORG)
    work.record_finding(inspection, "县直单位01", "干部队伍建设推动不力", True, ORG)
    head = ledger.register_subject({"name": "赵局长"}, "unit_head", SUP)
    work.talk_to_head(inspection, "县直单位01", head, "约谈：督促加强干部队伍建设", ORG)


def _observation(ledger: Ledger, clock: SteppingClock) -> None:
    """A leading cadre observed in a non-leading post until 1 September 2023, reviewed that
    day (00:30 in Shanghai) and restored; the clock then goes back to where it was."""
    work = CadreWork(ledger)
    cadre = ledger.register_subject({"name": "孙干部"}, "cadre", SUP)
    work.assign_post(cadre, "taihu", "镇党委副书记", True, ORG)
    work.start_observation(cadre, "四级调研员", date(2023, 9, 1), "观察使用", ORG)
    resume = clock()
    clock.set(datetime(2023, 8, 31, 16, 30, tzinfo=UTC))
    work.review_observation(cadre, "restored_leading", "镇党委副书记", "观察期满，表现良好", ORG)
    clock.set(resume)


@pytest.fixture
def made(
    ledger: Ledger, settings: Settings, clock: SteppingClock, tmp_path: Path
) -> tuple[Keys, Path, Path]:
    """The three histories, then the care-fund records of ``make_bundle``, signed,
    cosigned and exported."""
    _project(ledger)
    _selection(ledger)
    _observation(ledger, clock)
    keys, pinned = make_bundle(ledger, settings, clock, tmp_path / "bundle")
    return keys, tmp_path / "bundle", pinned


def _check(capsys: pytest.CaptureFixture[str], bundle: Path, pinned: Path) -> tuple[int, set[str]]:
    code, report = run_json(capsys, "bundle", str(bundle), "--policy", str(pinned))
    return code, rules(report)


def test_clean_bundle_with_projects_inspections_and_posts_passes(
    made: tuple[Keys, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, bundle, pinned = made
    assert _check(capsys, bundle, pinned) == (0, set())


Pick = Callable[[dict[str, Any]], bool]


def _tamper(name: str, kind: str, change: Change, rule: str, pick: Pick | None = None) -> Any:
    """One case: the first record of ``kind`` (that ``pick`` accepts) changed, ``rule`` named."""
    return pytest.param(kind, change, pick or (lambda record: True), rule, id=name)


def _reason(reason: str) -> Pick:
    return lambda record: record["data"]["reason"] == reason


@pytest.mark.parametrize(
    ("kind", "change", "pick", "rule"),
    [
        _tamper("item-moved-out-of-the-project-year", "keyproject.Amended",
                {"data.due": "2024-09-30"}, "keyproject.amendment"),
        _tamper("verified-by-its-reporter", "keyproject.ItemVerified",
                {"actor.principal": "org-01"}, "keyproject.verification"),
        _tamper("escalated-on-its-due-date", "keyproject.ItemEscalated",
                {"at": "2023-02-28T09:00:00.000000Z"}, "keyproject.escalation"),
        _tamper("escalation-case-opened-without-its-trigger", "supervision.CaseOpened",
                {"data.trigger": None}, "keyproject.escalation", _reason("overdue_project")),
        _tamper("overdue-case-opened-by-hand", "supervision.CaseOpened",
                {"data.trigger": "keyproject.item_overdue"}, "keyproject.escalation",
                _reason("complaint")),
        _tamper("escalated-item-verified-its-case-left-open", "supervision.CaseClosed", DROP,
                "keyproject.case_closure"),
        _tamper("case-closed-after-another-items-verification", "keyproject.ItemVerified",
                {"data.item": "m04"}, "keyproject.case_closure",
                lambda record: record["data"]["item"] == "m02"),
        _tamper("finding-in-a-unit-not-visited", "selection.FindingRecorded",
                {"data.unit": "县直单位03"}, "selection.visit"),
        _tamper("talk-in-a-unit-without-a-weak-work-finding", "selection.UnitHeadTalked",
                {"data.unit": "县直单位02"}, "selection.talk"),
        _tamper("observation-ending-the-day-it-starts", "cadrepost.ObservationStarted",
                {"data.until": "2023-03-01"}, "cadrepost.observation"),
        _tamper("observation-of-a-non-leading-post", "cadrepost.Assigned",
                {"data.leading": False}, "cadrepost.observation"),
        _tamper("reviewed-the-day-before-the-observation-ends", "cadrepost.ObservationReviewed",
                {"at": "2023-08-31T15:00:00.000000Z"}, "cadrepost.review"),
    ],
)  # fmt: skip
def test_a_rule_broken_by_one_resigned_record_is_named(
    made: tuple[Keys, Path, Path],
    capsys: pytest.CaptureFixture[str],
    kind: str,
    change: Change,
    pick: Pick,
    rule: str,
) -> None:
    keys, bundle, pinned = made
    forge_one(bundle, keys, kind, change, pick)
    assert _check(capsys, bundle, pinned) == (1, {rule})
