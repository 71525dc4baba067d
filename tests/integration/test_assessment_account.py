"""Who acts in the routine assessment (round 2 of issue 14): an assessment_leader's or a
department_cadre's account acts for exactly one department cadre, its holder (rule
``assessment.account``, ledger/assessment/account.py); one form per person, whichever of
their accounts (``lecture.one_form``); the 科室负责人 and the 分管部长 are two people
(``lecture.comment``); the annual grade refers to every lecture of the cadre's year closed
before it (``assessment.references``). A rejection test per rule, nothing stored."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from ledger.actor import Actor, Role
from ledger.ledger import Ledger
from ledger.principal import Principals
from tests.integration.assessment_helpers import (
    DEPUTY,
    LEADER,
    MONDAY,
    ORG,
    QUARTER_DAYS,
    REGISTRAR,
    SCORES,
    Department,
    department,
    holder,
    on,
    quarter_loop,
)
from tests.integration.helpers import rejected
from tests.support.principals import ADMIN, enrol

ACCOUNT = "assessment.account"


def leader(ledger: Ledger, account: str, *subjects: UUID) -> Actor:
    """An assessment_leader account linked to ``subjects``."""
    actor = Actor(account, Role.ASSESSMENT_LEADER)
    enrol(ledger, actor)
    for subject in subjects:
        Principals(ledger).link_subject(account, subject, ADMIN)
    return actor


def scheduled(unit: Department, speaker: int = 0) -> UUID:
    return unit.service.schedule_lecture(
        unit.programme, MONDAY, "business", "干部档案专项审核实务", unit.cadres[speaker], ORG
    )


def test_a_leader_linked_to_no_cadre_neither_appraises_nor_comments(ledger: Ledger) -> None:
    unit = department(ledger, 2)
    nobody = leader(ledger, "leader-09")
    on(ledger, QUARTER_DAYS[1])
    service, record = unit.service, unit.records[0]
    service.submit_summary(record, 1, "小结", unit.accounts[0])
    rejected(ledger, ACCOUNT, lambda: service.appraise(record, 1, "good", "评鉴", nobody))
    on(ledger, MONDAY)
    lecture = scheduled(unit)
    rejected(ledger, ACCOUNT, lambda: service.rate_lecture(lecture, SCORES, nobody))
    rejected(ledger, ACCOUNT, lambda: service.comment_lecture(lecture, "deputy_head", "点评",
                                                              nobody))  # fmt: skip


def test_a_link_to_a_subject_of_another_kind_names_no_holder(ledger: Ledger) -> None:
    """A village cadre's subject (kind ``cadre``) is no department cadre: the account is
    still linked to none; with its own department cadre added it acts."""
    unit = department(ledger, 1)
    village = ledger.register_subject({"name": "村干部"}, "cadre", REGISTRAR)
    other = leader(ledger, "leader-09", village)
    on(ledger, QUARTER_DAYS[1])
    service, record = unit.service, unit.records[0]
    service.submit_summary(record, 1, "小结", unit.accounts[0])
    rejected(ledger, ACCOUNT, lambda: service.appraise(record, 1, "good", "评鉴", other))
    holder(ledger, other.principal, "干部监督科副科长")
    service.appraise(record, 1, "good", "评鉴", other)


def test_an_account_linked_to_two_cadres_acts_for_neither(ledger: Ledger) -> None:
    """A cadre's account also linked to another cadre: no summary, note or rating; a leader
    linked to two: no annual grade (refused before anything else is looked at)."""
    unit = department(ledger, 3)
    service, own, record = unit.service, unit.accounts[0], unit.records[0]
    on(ledger, date(2023, 3, 1))
    pair = service.start_pair(unit.programme, unit.cadres[0], unit.cadres[1], date(2023, 3, 1),
                              ORG)  # fmt: skip
    Principals(ledger).link_subject(own.principal, unit.cadres[2], ADMIN)
    twice = leader(ledger, "leader-09", unit.cadres[1], unit.cadres[2])
    on(ledger, QUARTER_DAYS[1])
    rejected(ledger, ACCOUNT, lambda: service.submit_summary(record, 1, "小结", own))
    rejected(ledger, ACCOUNT, lambda: service.record_pair_note(pair, 1, "mentor", "带教", own))
    rejected(ledger, ACCOUNT, lambda: service.record_annual_grade(record, "competent", "理由",
                                                                  twice))  # fmt: skip
    on(ledger, MONDAY)
    lecture = scheduled(unit, speaker=1)
    rejected(ledger, ACCOUNT, lambda: service.rate_lecture(lecture, SCORES, own))


def test_one_form_per_person_whichever_account(ledger: Ledger) -> None:
    """Cadre 1 rates with its own account; its leader account (a section head is a cadre
    too) can't file a second form."""
    unit = department(ledger, 2)
    head = leader(ledger, "leader-09", unit.cadres[1])
    on(ledger, MONDAY)
    lecture = scheduled(unit)
    unit.service.rate_lecture(lecture, SCORES, unit.accounts[1])
    rejected(ledger, "lecture.one_form", lambda: unit.service.rate_lecture(lecture, SCORES, head),
             match="as cadre-1")  # fmt: skip
    unit.service.rate_lecture(lecture, SCORES, LEADER)  # another person


def test_the_section_head_and_the_deputy_head_are_two_people(ledger: Ledger) -> None:
    unit = department(ledger, 1)
    (own,) = Principals(ledger).get(LEADER.principal).subjects
    second = leader(ledger, "leader-09", UUID(own))  # the section head's other account
    on(ledger, MONDAY)
    lecture = scheduled(unit)
    comment = unit.service.comment_lecture
    comment(lecture, "section_head", "准备充分", LEADER)
    rejected(ledger, "lecture.comment", lambda: comment(lecture, "deputy_head", "再评", LEADER))
    rejected(ledger, "lecture.comment", lambda: comment(lecture, "deputy_head", "再评", second))
    comment(lecture, "deputy_head", "结合政策原文", DEPUTY)


def test_the_grade_refers_to_a_lecture_closed_after_its_quarters_appraisal(
    ledger: Ledger,
) -> None:
    """Cadre 0's Q2 lecture closes after the Q2 appraisal: the appraisal can't refer to it,
    the annual grade does (the lecture's result shows in the grade)."""
    unit = department(ledger, 2)
    service, record = unit.service, unit.records[0]
    on(ledger, QUARTER_DAYS[1])
    quarter_loop(unit, 0, 1)
    on(ledger, MONDAY)
    lecture = scheduled(unit)
    service.rate_lecture(lecture, SCORES, unit.accounts[1])
    service.comment_lecture(lecture, "section_head", "准备充分", LEADER)
    service.comment_lecture(lecture, "deputy_head", "结合政策原文", DEPUTY)
    service.record_lecture_test(lecture, 12, 873, ORG)
    on(ledger, QUARTER_DAYS[2])
    quarter_loop(unit, 0, 2)
    service.close_lecture(lecture, ORG)
    for quarter in (3, 4):
        on(ledger, QUARTER_DAYS[quarter])
        quarter_loop(unit, 0, quarter)
    service.record_annual_grade(record, "competent", "理由", LEADER)
    found = service.record(record)
    assert found.references[2] == [] and found.grade is not None
    assert found.grade["references"] == [str(lecture)]
