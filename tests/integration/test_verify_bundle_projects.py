"""gongshi-verify on an exported bundle holding a key project's history (an amendment, an item
verified, an overdue item escalated and its case closed by the item's verification), the
special inspection of cadre selection (visits, findings, a unit-head talk) and a cadre's
observation period reviewed at its end: clean, it passes; with one record changed to break a
rule of verify/rules_supervision.py ProjectRules — re-chained and re-signed by an operator
holding the log's keys, so that only the rule across records can catch it — it fails naming
that rule alone (docs/FORMAT.md §4 rules 22-28, 39)."""

from __future__ import annotations

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
    """m01 reported done and verified; m03 moved; m02, past due, escalated by the policy on
    1 March 2023 (its case opened and listed), then reported done (the case rectified) and
    verified, which closes the case in the same commit."""
    sup = Supervision(ledger)
    project = sup.register_project(
        name="人才引进工作优化", owner_unit="组织部", county="taihu", lead=LEAD.principal,
        year=2023, actor=ORG, items=[("m01", "1月清单", date(2023, 12, 28)),
                                     ("m02", "2月清单", date(2023, 2, 28)),
                                     ("m03", "3月清单", date(2023, 3, 31))],
    )  # fmt: skip
    sup.amend_project(project, "move", "m03", WHY, ORG, due=date(2023, 9, 30))
    sup.report_progress(project, "m01", True, "完成", ORG)
    sup.verify_item(project, "m01", "盘点销号", LEAD)
    (case,) = sup.escalate_overdue_items(date(2023, 3, 1))
    sup.report_progress(project, "m02", True, "已补齐", ORG)
    sup.verify_item(project, "m02", "3月调度会盘点销号", LEAD)
    assert sup.case(case).closed_on == "2023-03-01"


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


def _source_m01(record: dict[str, Any]) -> None:  # the escalated case names another item
    project, _slash, _item = record["data"]["source"].partition("/")
    record["data"]["source"] = f"{project}/m01"


@pytest.mark.parametrize(
    ("kind", "change", "rule"),
    [
        pytest.param("keyproject.Amended", {"data.due": "2024-09-30"}, "keyproject.amendment",
                     id="item-moved-out-of-the-project-year"),
        pytest.param("keyproject.ItemVerified", {"actor.principal": "org-01"},
                     "keyproject.verification", id="verified-by-its-reporter"),
        pytest.param("keyproject.ItemEscalated", {"at": "2023-02-28T09:00:00.000000Z"},
                     "keyproject.escalation", id="escalated-on-its-due-date"),
        pytest.param("keyproject.ItemEscalated",
                     {"data.case": "00000000-0000-4000-8000-000000000000"},
                     "keyproject.case_closure", id="escalation-naming-another-case"),
        pytest.param("supervision.CaseOpened", _source_m01, "keyproject.case_closure",
                     id="overdue-case-naming-another-item"),
        pytest.param("selection.FindingRecorded", {"data.unit": "县直单位03"}, "selection.visit",
                     id="finding-in-a-unit-not-visited"),
        pytest.param("selection.UnitHeadTalked", {"data.unit": "县直单位02"}, "selection.talk",
                     id="talk-in-a-unit-without-a-weak-work-finding"),
        pytest.param("cadrepost.ObservationStarted", {"data.until": "2023-03-01"},
                     "cadrepost.observation", id="observation-ending-the-day-it-starts"),
        pytest.param("cadrepost.Assigned", {"data.leading": False}, "cadrepost.observation",
                     id="observation-of-a-non-leading-post"),
        pytest.param("cadrepost.ObservationReviewed", {"at": "2023-08-31T15:00:00.000000Z"},
                     "cadrepost.review", id="reviewed-the-day-before-the-observation-ends"),
    ],
)  # fmt: skip
def test_a_rule_broken_by_one_resigned_record_is_named(
    made: tuple[Keys, Path, Path],
    capsys: pytest.CaptureFixture[str],
    kind: str,
    change: Change,
    rule: str,
) -> None:
    keys, bundle, pinned = made
    forge_one(bundle, keys, kind, change)
    assert _check(capsys, bundle, pinned) == (1, {rule})
