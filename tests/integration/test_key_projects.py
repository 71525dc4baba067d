"""Key projects (Yuexi): amendments (动态调整), verification by the 工作专班 lead (盘点销号),
an escalated item's case closed by its verification, the overdue policy on demand and daily.
Each rejection stores nothing (``rejected``)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

import pytest

from ledger.actor import Actor, Role
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.settings import Settings
from ledger.supervision.case import Stage
from ledger.supervision.escalation import DailyEscalation
from ledger.supervision.service import Supervision
from tests.integration.helpers import rejected

ORG = Actor("org-01", Role.ORGANISATION_DEPARTMENT)  # reports progress
LEAD = Actor("org-02", Role.ORGANISATION_DEPARTMENT)  # the project's 工作专班 lead
SUP = Actor("supervision-01", Role.SUPERVISION)
TPC = Actor("tpc-01", Role.TOWNSHIP_PARTY_COMMITTEE)


@pytest.fixture
def sup(ledger: Ledger, clock: SteppingClock) -> Supervision:
    clock.set(datetime(2024, 1, 10, 1, 0, tzinfo=UTC))
    return Supervision(ledger)


def _project(sup: Supervision, lead: str = LEAD.principal) -> UUID:
    return sup.register_project(
        name="人才引进工作优化", owner_unit="县委组织部人才工作科", county="taihu", lead=lead,
        year=2024, actor=ORG,
        items=[("m01", "1月清单", date(2024, 1, 31)), ("m02", "2月清单", date(2024, 2, 29))],
    )  # fmt: skip


def test_projects_are_the_organisation_departments(ledger: Ledger, sup: Supervision) -> None:
    rejected(ledger, "role", lambda: sup.register_project(
        name="p", owner_unit="u", county="taihu", lead="org-02", year=2024,
        items=[("m01", "x", date(2024, 1, 31))], actor=TPC))  # fmt: skip
    rejected(ledger, "keyproject.name", lambda: sup.register_project(
        name="p", owner_unit="u", county=" ", lead="org-02", year=2024,
        items=[("m01", "x", date(2024, 1, 31))], actor=ORG))  # fmt: skip
    rejected(ledger, "keyproject.lead", lambda: _project(sup, lead="张三"))
    project = sup.project(_project(sup))
    assert (project.county, project.lead) == ("taihu", "org-02")


def test_amendment_adds_drops_and_moves_with_a_reason(ledger: Ledger, sup: Supervision) -> None:
    project = _project(sup)
    why = "根据项目实施进展和工作成效，进行动态调整"
    rejected(ledger, "keyproject.amendment", lambda: sup.amend_project(
        project, "move", "m01", " ", ORG, due=date(2024, 3, 31)))  # fmt: skip
    rejected(ledger, "keyproject.amendment", lambda: sup.amend_project(
        project, "move", "m09", why, ORG, due=date(2024, 3, 31)))  # fmt: skip
    rejected(ledger, "keyproject.amendment", lambda: sup.amend_project(
        project, "move", "m01", why, ORG, due=date(2024, 1, 31)))  # fmt: skip
    rejected(ledger, "keyproject.amendment", lambda: sup.amend_project(
        project, "add", "m01", why, ORG, title="again", due=date(2024, 5, 31)))  # fmt: skip
    rejected(ledger, "keyproject.amendment", lambda: sup.amend_project(
        project, "rename", "m01", why, ORG))  # fmt: skip
    rejected(ledger, "keyproject.amendment", lambda: sup.amend_project(
        project, "add", "m07", why, ORG, title="7月清单"), "due date")  # fmt: skip
    rejected(ledger, "keyproject.amendment", lambda: sup.amend_project(
        project, "move", "m01", why, ORG, due=date(2025, 1, 31)), "in 2024")  # fmt: skip
    rejected(ledger, "role", lambda: sup.amend_project(
        project, "drop", "m02", why, TPC))  # fmt: skip
    sup.amend_project(project, "move", "m01", why, ORG, due=date(2024, 3, 31))
    sup.amend_project(project, "add", "m05", why, ORG, title="5月清单", due=date(2024, 5, 31))
    sup.amend_project(project, "drop", "m02", why, ORG)
    assert sup.project(project).items == {"m01": "2024-03-31", "m05": "2024-05-31"}
    rejected(ledger, "keyproject.amendment", lambda: sup.amend_project(
        project, "add", "m02", why, ORG, title="back", due=date(2024, 6, 30)))  # fmt: skip
    sup.report_progress(project, "m01", True, "完成", ORG)
    rejected(ledger, "keyproject.amendment", lambda: sup.amend_project(
        project, "drop", "m01", why, ORG))  # fmt: skip


def test_the_lead_verifies_and_never_the_reporter(ledger: Ledger, sup: Supervision) -> None:
    project = _project(sup)
    rejected(
        ledger, "keyproject.verification", lambda: sup.verify_item(project, "m01", "盘点", LEAD)
    )  # fmt: skip  (not reported done)
    sup.report_progress(project, "m01", True, "完成", ORG)
    rejected(
        ledger, "keyproject.verification", lambda: sup.verify_item(project, "m01", "盘点", ORG)
    )  # fmt: skip  (not the lead)
    rejected(  # what was checked
        ledger,
        "keyproject.verification",
        lambda: sup.verify_item(project, "m01", " ", LEAD),
        "cites",
    )
    sup.verify_item(project, "m01", "1月调度会盘点销号", LEAD)
    rejected(
        ledger, "keyproject.verification", lambda: sup.verify_item(project, "m01", "盘点", LEAD)
    )  # fmt: skip  (once)
    sup.report_progress(project, "m02", True, "完成", LEAD)
    rejected(ledger, "keyproject.verification", lambda: sup.verify_item(
        project, "m02", "自己盘点", LEAD), "reported")  # fmt: skip
    rejected(  # neither reporter nor lead
        ledger,
        "keyproject.verification",
        lambda: sup.verify_item(project, "m02", "盘点", ORG),
        "lead",
    )
    assert sup.project(project).verified == {"m01"}


def test_a_verified_item_closes_the_case_its_escalation_opened(
    ledger: Ledger, sup: Supervision, clock: SteppingClock
) -> None:
    project = _project(sup)
    clock.set(datetime(2024, 2, 1, 1, 0, tzinfo=UTC))
    (case,) = sup.escalate_overdue_items(date(2024, 2, 1))
    assert sup.case(case).stage == Stage.LISTED
    rejected(ledger, "keyproject.case_closure", lambda: sup.close(case, "文件1号 销号", SUP))
    sup.report_progress(project, "m01", True, "已补齐", ORG)
    assert sup.case(case).stage == Stage.RECTIFIED  # the report rectified the case
    rejected(ledger, "keyproject.case_closure", lambda: sup.close(case, "文件1号 销号", SUP))
    sup.verify_item(project, "m01", "2月调度会盘点销号", LEAD)
    closed = sup.case(case)
    assert closed.stage == Stage.CLOSED and closed.closed_on == "2024-02-01"
    # the verification and the closure are one commit: the closure is the very next record
    last = ledger.app.recorder.max_notification_id()
    assert last is not None
    verified, closure = ledger.app.recorder.select_notifications(last - 1, 2)
    assert (verified.originator_id, closure.originator_id) == (project, case)
    assert (
        b"keyproject.ItemVerified" in verified.state and b"supervision.CaseClosed" in closure.state
    )
    assert b'"principal":"org-02"' in closure.state  # closed by the lead who verified


def test_only_an_item_past_due_on_the_business_date_escalates(
    ledger: Ledger, sup: Supervision, clock: SteppingClock
) -> None:
    """keyproject.escalation: the policy given a later ``today`` than the clock's business
    date (m01 is due 31 January; the record would be dated 20 January) is refused, nothing
    stored; on a date after the due date it escalates."""
    project = _project(sup)
    clock.set(datetime(2024, 1, 20, 1, 0, tzinfo=UTC))
    rejected(ledger, "keyproject.escalation", lambda: sup.escalate_overdue_items(date(2024, 2, 1)))
    assert sup.project(project).escalated == {}
    clock.set(datetime(2024, 2, 1, 1, 0, tzinfo=UTC))
    assert len(sup.escalate_overdue_items(date(2024, 2, 1))) == 1


def test_the_policy_runs_daily_once_per_business_date(
    ledger: Ledger, sup: Supervision, clock: SteppingClock
) -> None:
    project = _project(sup)
    clock.set(datetime(2024, 1, 31, 15, 0, tzinfo=UTC))  # 23:00 in Shanghai: due today
    daily = DailyEscalation(ledger.app, ledger.clock, ledger.new_id, interval=3600)
    assert daily.step() == []
    assert daily.step() is None  # the same business date: not run again
    clock.set(datetime(2024, 1, 31, 16, 30, tzinfo=UTC))  # 00:30 on 1 February in Shanghai
    (case,) = daily.step() or []
    assert sup.project(project).escalated == {"m01": str(case)}
    assert daily.last_run == date(2024, 2, 1) and daily.error is None
    recorded = ledger.app.recorder.select_events(case, limit=1)[0].state
    assert b'"principal":"policy-keyproject"' in recorded


def test_the_server_runs_the_policy_in_the_background(
    ledger: Ledger, settings: Settings, clock: SteppingClock
) -> None:
    """``gongshi serve`` (Services.open with followers): the policy runs at once and then
    once per business date, as the account policy-keyproject."""
    import time

    from api.services import Services

    project = _project(Supervision(ledger))
    clock.set(datetime(2024, 2, 1, 1, 0, tzinfo=UTC))
    services = Services.open(settings, clock, follow=True, interval=0.2)
    try:
        (daily,) = [f for f in services.followers if isinstance(f, DailyEscalation)]
        deadline = time.monotonic() + 20
        while daily.last_run is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert daily.last_run == date(2024, 2, 1) and daily.error is None
        assert list(Supervision(ledger).project(project).escalated) == ["m01"]
    finally:
        services.close()


def test_a_case_rectified_by_hand_still_closes_with_its_item(
    ledger: Ledger, sup: Supervision, clock: SteppingClock
) -> None:
    project = _project(sup)
    clock.set(datetime(2024, 2, 1, 1, 0, tzinfo=UTC))
    (case,) = sup.escalate_overdue_items(date(2024, 2, 1))
    sup.report_rectification(case, "督办单位报告已整改", SUP)
    sup.report_progress(project, "m01", True, "已补齐", ORG)  # the case is rectified already
    sup.verify_item(project, "m01", "盘点销号", LEAD)
    assert sup.case(case).stage == Stage.CLOSED


@pytest.mark.registry("empty")
def test_on_a_server_bootstrapped_by_hand_the_daily_policy_escalates(
    ledger: Ledger, clock: SteppingClock
) -> None:
    """A real server's registry: only what ``gongshi principals enrol --role admin`` (the
    bootstrap) and that admin enrolled. The bootstrap enrols the policy account too, so the
    daily job's first overdue item is saved, the date is marked run and /healthz stays up."""
    from ledger.principal import Principals, Scope

    clock.set(datetime(2024, 1, 10, 1, 0, tzinfo=UTC))
    registry = Principals(ledger)
    assert registry.bootstrap("root") == [
        "root",
        "policy-keyproject",
        "policy-erasure",
        "public-objection",
    ]
    root = Actor("root", Role.ADMIN)
    for actor in (ORG, LEAD):
        registry.enrol(actor.principal, actor.role, Scope(county="taihu"), root)
    project = _project(Supervision(ledger))
    clock.set(datetime(2024, 2, 1, 1, 0, tzinfo=UTC))
    daily = DailyEscalation(ledger.app, ledger.clock, ledger.new_id, interval=3600)
    daily.run_once()
    assert daily.error is None and daily.last_run == date(2024, 2, 1) and daily.failed == {}
    assert list(Supervision(ledger).project(project).escalated) == ["m01"]
    enrolled = registry.get("policy-keyproject")
    assert enrolled.role == "supervision"


def test_a_failing_project_is_skipped_and_reported_not_stopping_the_others(
    ledger: Ledger, sup: Supervision, clock: SteppingClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ledger.errors import RuleViolation
    from ledger.supervision.project import KeyProject

    bad, good = _project(sup), _project(sup)
    original = KeyProject.record_escalation

    def refuse_bad(self: KeyProject, *args: object, **kwargs: object) -> None:
        if self.id == bad:
            raise RuleViolation("principal.role", "policy-keyproject holds role audit")
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(KeyProject, "record_escalation", refuse_bad)
    clock.set(datetime(2024, 2, 1, 1, 0, tzinfo=UTC))
    daily = DailyEscalation(ledger.app, ledger.clock, ledger.new_id, interval=3600)
    daily.run_once()
    assert daily.error is None and daily.last_run == date(2024, 2, 1)  # healthz stays up
    assert list(daily.failed) == [bad] and "principal.role" in daily.failed[bad]
    assert list(sup.project(good).escalated) == ["m01"] and sup.project(bad).escalated == {}
    # on demand without ``failed`` (the API): the refusal is answered, not hidden
    with pytest.raises(RuleViolation):
        sup.escalate_overdue_items(date(2024, 2, 1))


def test_gongshi_escalate_refuses_a_date_after_the_business_date(
    ledger: Ledger, settings: Settings, sup: Supervision, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--today`` later than the business date would escalate items not yet due."""
    import argparse

    from api.cli_due import _escalate

    project = _project(sup)
    code = _escalate(settings, argparse.Namespace(today=date(2999, 1, 1)))
    assert code == 2 and "after the business date" in capsys.readouterr().err
    assert sup.project(project).escalated == {}


def test_an_item_escalated_twice_is_refused(sup: Supervision, clock: SteppingClock) -> None:
    """Once per item: a second run of the policy skips it (escalate_overdue_items filters
    the escalated), so the aggregate's own refusal is reached only by a racing second
    writer; it names the verifier's rule."""
    from ledger.errors import RuleViolation
    from ledger.principal import POLICY_ACTOR

    project = _project(sup)
    clock.set(datetime(2024, 2, 1, 1, 0, tzinfo=UTC))
    (case,) = sup.escalate_overdue_items(date(2024, 2, 1))
    assert sup.escalate_overdue_items(date(2024, 2, 1)) == []
    state = sup.project(project)
    with pytest.raises(RuleViolation) as refused:
        state.record_escalation("m01", case, POLICY_ACTOR, clock())
    assert refused.value.rule == "keyproject.escalation" and "already escalated" in str(
        refused.value
    )
