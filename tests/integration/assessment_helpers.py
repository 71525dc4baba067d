"""Builders for the routine assessment's tests (issue 14): a department of cadres, each with
its own account linked to its subject, two leaders (each account linked to its holder, a
department cadre not enrolled: rule assessment.account), and the quarterly loop."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from uuid import UUID

from ledger.actor import Actor, Role
from ledger.assessment.service import Assessment
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.principal import Principals
from tests.support.principals import ADMIN, COUNTY, enrol

YEAR = 2023
ORG = Actor("org-01", Role.ORGANISATION_DEPARTMENT)
LEADER = Actor("leader-01", Role.ASSESSMENT_LEADER)  # a section head (科室负责人)
DEPUTY = Actor("leader-02", Role.ASSESSMENT_LEADER)  # the deputy head (分管部长)
REGISTRAR = ORG  # the organisation department registers its own cadres
SECTION = "干部监督科"


@dataclass
class Department:
    """A programme of ``YEAR`` in the test county with ``cadres`` enrolled (their records in
    ``records``), each with its own account (``accounts``, linked to it)."""

    service: Assessment
    programme: UUID
    cadres: list[UUID] = field(default_factory=list)
    accounts: list[Actor] = field(default_factory=list)
    records: list[UUID] = field(default_factory=list)


def on(ledger: Ledger, day: date, hour: int = 2) -> None:
    """Move the ledger's clock to ``day`` at ``hour`` UTC (10:00 in Beijing for 2)."""
    source = ledger.source_clock
    assert isinstance(source, SteppingClock)
    source.set(datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC))


def cadre(ledger: Ledger, account: str, name: str) -> tuple[UUID, Actor]:
    """A department_cadre subject and its own account, linked to it."""
    subject = ledger.register_subject({"name": name}, "department_cadre", REGISTRAR)
    actor = Actor(account, Role.DEPARTMENT_CADRE)
    enrol(ledger, actor)
    Principals(ledger).link_subject(account, subject, ADMIN)
    return subject, actor


def holder(ledger: Ledger, account: str, name: str) -> UUID:
    """A department_cadre subject that ``account`` (enrolled) is linked to: its holder."""
    subject = ledger.register_subject({"name": name}, "department_cadre", REGISTRAR)
    Principals(ledger).link_subject(account, subject, ADMIN)
    return subject


def department(ledger: Ledger, n: int = 3) -> Department:
    """A programme with ``n`` cadres enrolled in SECTION (cadre-0 ... cadre-n-1); LEADER
    and DEPUTY linked to their holders."""
    enrol(ledger, LEADER, DEPUTY)
    holder(ledger, LEADER.principal, "干部监督科科长")
    holder(ledger, DEPUTY.principal, "分管副部长")
    service = Assessment(ledger)
    unit = Department(service, service.open_programme(COUNTY, YEAR, "中共太湖县委组织部", ORG))
    for i in range(n):
        subject, actor = cadre(ledger, f"cadre-{i}", f"组工干部{i}")
        unit.cadres.append(subject)
        unit.accounts.append(actor)
        unit.records.append(service.enrol_cadre(unit.programme, subject, SECTION, ORG))
    return unit


def quarter_loop(
    unit: Department, i: int, quarter: int, rating: str = "good", goal: bool = True
) -> None:
    """Cadre ``i``'s loop of ``quarter``: summary, appraisal by LEADER, feedback, goal."""
    service, record, own = unit.service, unit.records[i], unit.accounts[i]
    service.submit_summary(record, quarter, f"第{quarter}季度小结", own)
    service.appraise(record, quarter, rating, f"第{quarter}季度评鉴", LEADER)
    service.acknowledge_feedback(record, quarter, own)
    if goal:
        service.set_goal(record, quarter, f"第{quarter}季度改进目标", own)


QUARTER_DAYS = {
    1: date(2023, 3, 20),
    2: date(2023, 6, 20),
    3: date(2023, 9, 20),
    4: date(2023, 12, 20),
}


SCORES = {"preparation": 90, "grounding": 85, "expression": 80, "results": 88}
MONDAY = date(2023, 4, 3)  # the first Monday of Q2 2023


def lecture_done(
    unit: Department, speaker: int = 0, raters: tuple[int, ...] = (1, 2), week: date = MONDAY
) -> UUID:
    """A lecture of ``week`` by cadre ``speaker``, rated by ``raters`` and LEADER, commented
    by LEADER (section head) and DEPUTY, tested and closed. The clock must be on ``week`` or
    later."""
    service = unit.service
    lecture = service.schedule_lecture(
        unit.programme, week, "business", "干部档案专项审核实务", unit.cadres[speaker], ORG
    )
    for i in raters:
        service.rate_lecture(lecture, SCORES, unit.accounts[i])
    service.rate_lecture(lecture, {**SCORES, "results": 75}, LEADER)
    service.comment_lecture(lecture, "section_head", "准备充分，案例贴近实际", LEADER)
    service.comment_lecture(lecture, "deputy_head", "可多结合政策原文", DEPUTY)
    service.record_lecture_test(lecture, 12, 873, ORG)
    service.close_lecture(lecture, ORG)
    return lecture


SELF_LEADER = Actor("leader-03", Role.ASSESSMENT_LEADER)  # a leader who is also cadre 0


def leader_linked_to(ledger: Ledger, unit: Department, i: int = 0) -> Actor:
    """SELF_LEADER, enrolled and linked to cadre ``i`` (a leader assessing themselves)."""
    enrol(ledger, SELF_LEADER)
    Principals(ledger).link_subject(SELF_LEADER.principal, unit.cadres[i], ADMIN)
    return SELF_LEADER
