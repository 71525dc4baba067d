"""The registry's scopes and system accounts through the service (ledger/principal.py,
verify/rules_principals.py ROLE_SCOPES and SYSTEM_ACCOUNTS): a supervision principal acts
only in its county ("principals are scoped ... and may act only inside their scope"); the
system accounts act for every county and only in their job; the on-demand escalation is the
calling supervision principal's, on its county's projects; nobody allocates responsibility
to their own book. Each rejection stores nothing, and fails with its check removed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import pytest

from ledger.actor import Actor, Role
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.points.service import Points
from ledger.principal import ERASURE_ACTOR, POLICY_ACTOR, Principals, Scope
from ledger.supervision.service import Supervision
from tests.integration.helpers import rejected
from tests.integration.points_helpers import TOWNSHIP, VILLAGE, allocated, points_ready
from tests.support.principals import ADMIN, enrol

SUP = Actor("supervision-01", Role.SUPERVISION)  # Taihu's (tests/support/principals.py)
YUEXI_SUP = Actor("jw-yuexi-01", Role.SUPERVISION)
ORG = Actor("org-01", Role.ORGANISATION_DEPARTMENT)  # Taihu's
YUEXI_ORG = Actor("zzb-yuexi-01", Role.ORGANISATION_DEPARTMENT)


@pytest.fixture
def sup(ledger: Ledger, clock: SteppingClock) -> Supervision:
    clock.set(datetime(2024, 1, 10, 1, 0, tzinfo=UTC))
    enrol(ledger, YUEXI_SUP, YUEXI_ORG, scope=Scope(county="yuexi"))
    return Supervision(ledger)


def _case(sup: Supervision, county: str, actor: Actor = SUP) -> UUID:
    return sup.open_case(target_kind="unit", target="水利局", reason="complaint",
                         detail="群众反映工程进度滞后", county=county, actor=actor)  # fmt: skip


def _project(sup: Supervision, county: str, owner: Actor) -> UUID:
    return sup.register_project(
        name=f"{county}重点项目", owner_unit="县委组织部", county=county, lead="org-02",
        year=2024, items=[("m01", "1月清单", date(2024, 1, 31))], actor=owner,
    )  # fmt: skip


SUPERVISION_IN_ANOTHER_COUNTY: dict[str, Callable[[Supervision, UUID], Any]] = {
    "case-opened-in-another-county": lambda sup, case: _case(sup, "taihu", YUEXI_SUP),
    "case-listed-in-another-county": lambda sup, case: sup.list_case(
        case, date(2024, 3, 1), "挂牌督办", YUEXI_SUP),
    "case-guided-in-another-county": lambda sup, case: sup.guide(
        case, None, "现场指导", YUEXI_SUP),
}  # fmt: skip


@pytest.mark.parametrize("act", SUPERVISION_IN_ANOTHER_COUNTY.values(),
                         ids=SUPERVISION_IN_ANOTHER_COUNTY.keys())  # fmt: skip
def test_a_supervision_principal_acts_only_on_its_own_countys_cases(
    ledger: Ledger, sup: Supervision, act: Callable[[Supervision, UUID], Any]
) -> None:
    """Yuexi's supervision principal on a Taihu case: principal.scope (the case carries its
    county); Taihu's own principal opens it."""
    case = _case(sup, "taihu")
    error = rejected(ledger, "principal.scope", lambda: act(sup, case))
    assert "county yuexi, not taihu" in error.message


def test_a_supervision_principal_is_enrolled_with_its_county(ledger: Ledger) -> None:
    registry = Principals(ledger)
    for scope in (Scope(), Scope(county="taihu", township="th01")):
        rejected(ledger, "principal.scope",
                 lambda s=scope: registry.enrol("jw-x-01", Role.SUPERVISION, s, ADMIN))  # fmt: skip
    registry.enrol("jw-x-01", Role.SUPERVISION, Scope(county="qianshan"), ADMIN)


Act = Callable[[Ledger, UUID, UUID], Any]  # (ledger, a Taihu case, a worker subject)
SYSTEM_OUTSIDE_ITS_JOB: dict[str, tuple[str, Act]] = {
    "policy-account-registers-a-subject": ("principal.system", lambda ledger, case, worker:
        ledger.register_subject({"name": "甲"}, "cadre", POLICY_ACTOR)),
    "policy-account-guides-a-case": ("principal.system", lambda ledger, case, worker:
        Supervision(ledger).guide(case, None, "现场指导", POLICY_ACTOR)),
    "erasure-account-requests-an-erasure": ("principal.system", lambda ledger, case, worker:
        ledger.request_erasure(worker, "本人申请删除", ERASURE_ACTOR)),
    "policy-account-moved-to-another-role": ("principal.system", lambda ledger, case, worker:
        Principals(ledger).change_role("policy-keyproject", Role.AUDIT, Scope(), "调岗", ADMIN)),
    "policy-account-given-a-county": ("principal.scope", lambda ledger, case, worker:
        Principals(ledger).change_role(
            "policy-keyproject", Role.SUPERVISION, Scope(county="taihu"), "限县", ADMIN)),
    "system-account-name-taken-by-an-admin": ("principal.system", lambda ledger, case, worker:
        Principals(ledger).enrol("policy-erasure", Role.ADMIN, Scope(), ADMIN)),
}  # fmt: skip


@pytest.mark.parametrize("rule, act", SYSTEM_OUTSIDE_ITS_JOB.values(),
                         ids=SYSTEM_OUTSIDE_ITS_JOB.keys())  # fmt: skip
def test_a_system_account_acts_only_in_its_job(
    ledger: Ledger, sup: Supervision, rule: str, act: Act
) -> None:
    """The system accounts have no scope and record only their job's types; they keep their
    one role, and their names are theirs (principal.system)."""
    case = _case(sup, "taihu")
    worker = ledger.register_subject({"name": "乙"}, "worker", Actor("intake-01", Role.INTAKE))
    rejected(ledger, rule, lambda: act(ledger, case, worker))


def test_the_daily_policy_escalates_every_county_and_a_supervisor_only_its_own(
    ledger: Ledger, sup: Supervision, clock: SteppingClock
) -> None:
    """The system account (no scope) escalates Taihu's and Yuexi's overdue projects; on
    demand, Yuexi's supervision principal escalates Yuexi's only, as itself; another role
    may not run it."""
    taihu, yuexi = _project(sup, "taihu", ORG), _project(sup, "yuexi", YUEXI_ORG)
    clock.set(datetime(2024, 2, 1, 1, 0, tzinfo=UTC))
    rejected(ledger, "role", lambda: sup.escalate_overdue_items(date(2024, 2, 1), YUEXI_ORG))
    (case,) = sup.escalate_overdue_items(date(2024, 2, 1), YUEXI_SUP)
    assert sup.case(case).county == "yuexi" and list(sup.project(yuexi).escalated) == ["m01"]
    assert sup.project(taihu).escalated == {}
    recorded = ledger.app.recorder.select_events(case)[0].state
    assert b'"principal":"jw-yuexi-01"' in recorded
    (daily,) = sup.escalate_overdue_items(date(2024, 2, 1))  # the system account's run
    assert sup.case(daily).county == "taihu" and list(sup.project(taihu).escalated) == ["m01"]


def test_no_principal_allocates_responsibility_to_its_own_book(
    ledger: Ledger, clock: SteppingClock
) -> None:
    """A village committee member linked to a cadre of the village may allocate to the other
    cadres, never to the cadre it is (principal.own_book)."""
    points: Points = points_ready(ledger, clock)
    own, other = (ledger.register_subject({"name": n}, "cadre", TOWNSHIP) for n in ("甲", "乙"))
    books = [points.open_book(c, "th01", "晋熙镇01村", "principal", VILLAGE) for c in (own, other)]
    Principals(ledger).link_subject(VILLAGE.principal, own, ADMIN)
    allocated(points, books[1], tenths=40)  # the register is open: only the allocation refused
    error = rejected(ledger, "principal.own_book", lambda: allocated(points, books[0], tenths=40))
    assert str(own) in error.message
