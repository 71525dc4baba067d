"""The routine assessment's quarterly loop and annual grade (ledger/assessment/record.py,
programme.py): "个人有小结、领导有评鉴、结果有反馈、改进有目标". A happy year, then a rejection
test per rule (nothing stored)."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.actor import Actor, Role
from ledger.assessment.programme import programme_id
from ledger.assessment.record import record_id
from ledger.errors import NotFound
from ledger.ledger import Ledger
from ledger.principal import Principals, Scope
from tests.integration.assessment_helpers import (
    LEADER,
    ORG,
    QUARTER_DAYS,
    REGISTRAR,
    SECTION,
    YEAR,
    Department,
    department,
    leader_linked_to,
    on,
    quarter_loop,
)
from tests.integration.helpers import rejected
from tests.support.principals import ADMIN, COUNTY, enrol


def a_year(ledger: Ledger, unit: Department, ratings: tuple[str, ...] = ("good",) * 4) -> None:
    for quarter, day in QUARTER_DAYS.items():
        on(ledger, day)
        quarter_loop(unit, 0, quarter, ratings[quarter - 1])


def test_a_year_loop_ends_in_the_annual_grade(ledger: Ledger) -> None:
    unit = department(ledger, 1)
    assert unit.programme == programme_id(COUNTY, YEAR)
    assert unit.records[0] == record_id(unit.programme, unit.cadres[0])
    a_year(ledger, unit, ("good", "fairly_good", "good", "good"))
    unit.service.record_annual_grade(unit.records[0], "excellent", "四个季度三好一较好", LEADER)
    record = unit.service.record(unit.records[0])
    assert record.grade is not None
    assert record.grade == {
        "grade": "excellent",
        "ratings": ["good", "fairly_good", "good", "good"],
        "references": [],
        "commitment": record.grade["commitment"],
    }
    # the reasons are 评鉴 content: in the vault on the cadre, the record carries the commitment
    reasons = ledger.vault.read_document(str(unit.cadres[0]), f"assessment/{record.id}/annual")
    assert reasons == {"text": "四个季度三好一较好"}
    assert record.next_step() is None
    # the Q2 summary answers the Q1 goal: its commitment, as recorded
    assert record.goals[1] and record.goals[1] != record.goals[2]
    text = ledger.vault.read_document(str(unit.cadres[0]), f"assessment/{record.id}/Q1/summary")
    assert text == {"text": "第1季度小结"}
    on(ledger, date(2024, 1, 5))
    file = unit.service.cadre_file(unit.programme, unit.cadres[0])
    q1 = file["quarters"]["Q1"]
    assert q1["summary"] == {
        "done_on": "2023-03-20",
        "due": "2023-04-10",
        "late": False,
        "missing": False,
    }
    assert q1["rating"] == "good" and file["annual_grade"]["grade"] == "excellent"


def test_late_and_missing_steps_in_the_cadre_file(ledger: Ledger) -> None:
    unit = department(ledger, 1)
    on(ledger, date(2023, 4, 15))  # Q1's summary is due 2023-04-10
    unit.service.submit_summary(unit.records[0], 1, "迟交的小结", unit.accounts[0])
    on(ledger, date(2023, 4, 16))
    file = unit.service.cadre_file(unit.programme, unit.cadres[0])
    assert file["quarters"]["Q1"]["summary"]["late"] is True
    assert file["quarters"]["Q1"]["appraisal"]["missing"] is False  # due 2023-04-20
    on(ledger, date(2023, 4, 21))
    file = unit.service.cadre_file(unit.programme, unit.cadres[0])
    assert file["quarters"]["Q1"]["appraisal"]["missing"] is True


def test_the_business_date_decides_the_step_dates(ledger: Ledger) -> None:
    unit = department(ledger, 1)
    on(ledger, date(2023, 3, 31), hour=17)  # 01:00 on 1 April in Beijing
    unit.service.submit_summary(unit.records[0], 1, "小结", unit.accounts[0])
    file = unit.service.cadre_file(unit.programme, unit.cadres[0])
    assert file["quarters"]["Q1"]["summary"]["done_on"] == "2023-04-01"


# --- assessment.programme, assessment.enrol ------------------------------------------


def test_a_programme_is_opened_once_per_county_and_year(ledger: Ledger) -> None:
    unit = department(ledger, 0)
    service = unit.service
    rejected(
        ledger, "assessment.programme", lambda: service.open_programme(COUNTY, YEAR, "部", ORG)
    )
    rejected(
        ledger, "assessment.programme", lambda: service.open_programme(COUNTY, 1999, "部", ORG)
    )
    rejected(ledger, "assessment.programme", lambda: service.open_programme(COUNTY, 2024, " ", ORG))


@pytest.mark.parametrize(
    "due_days",
    [
        {"summary": 10, "appraisal": 10, "feedback": 25, "goal": 30},  # not increasing
        {"summary": 0, "appraisal": 20, "feedback": 25, "goal": 30},  # below 1
        {"summary": 10, "appraisal": 20, "feedback": 25, "goal": 91},  # above 90
        {"summary": 10, "appraisal": 20, "feedback": 25},  # a step missing
    ],
)
def test_due_days_are_increasing_days_1_to_90(ledger: Ledger, due_days: dict[str, int]) -> None:
    enrol(ledger, ORG)
    service = department(ledger, 0).service
    rejected(
        ledger,
        "assessment.programme",
        lambda: service.open_programme(COUNTY, 2024, "部", ORG, due_days=due_days),
    )


def test_a_cadre_is_enrolled_once_and_is_a_department_cadre(ledger: Ledger) -> None:
    unit = department(ledger, 1)
    service = unit.service
    rejected(
        ledger,
        "assessment.enrol",
        lambda: service.enrol_cadre(unit.programme, unit.cadres[0], SECTION, ORG),
    )
    worker = ledger.register_subject({"name": "村干部"}, "cadre", REGISTRAR)
    rejected(
        ledger,
        "assessment.enrol",
        lambda: service.enrol_cadre(unit.programme, worker, SECTION, ORG),
    )
    other = ledger.register_subject({"name": "组工干部X"}, "department_cadre", REGISTRAR)
    rejected(
        ledger, "assessment.enrol", lambda: service.enrol_cadre(unit.programme, other, " ", ORG)
    )
    with pytest.raises(NotFound):
        service.enrol_cadre(programme_id(COUNTY, 2030), other, SECTION, ORG)


# --- assessment.quarter, assessment.order, assessment.goal ----------------------------


def test_a_quarter_is_1_to_4_and_not_before_it_begins(ledger: Ledger) -> None:
    unit = department(ledger, 1)
    service, record, own = unit.service, unit.records[0], unit.accounts[0]
    for quarter in (0, 5):
        rejected(
            ledger,
            "assessment.quarter",
            lambda q=quarter: service.submit_summary(record, q, "小结", own),
        )
    on(ledger, QUARTER_DAYS[1])
    quarter_loop(unit, 0, 1)
    on(ledger, date(2023, 3, 31), hour=15)  # 23:00 in Beijing: still Q1
    rejected(
        ledger,
        "assessment.quarter",
        lambda: service.submit_summary(record, 2, "小结", own),
        "begins 2023-04-01",
    )
    on(ledger, date(2023, 3, 31), hour=16)  # midnight in Beijing: 1 April
    service.submit_summary(record, 2, "小结", own)


def test_the_steps_come_in_order_each_once(ledger: Ledger) -> None:
    unit = department(ledger, 1)
    service, record, own = unit.service, unit.records[0], unit.accounts[0]
    on(ledger, QUARTER_DAYS[1])
    rejected(
        ledger, "assessment.order", lambda: service.appraise(record, 1, "good", "评鉴", LEADER)
    )
    rejected(ledger, "assessment.order", lambda: service.acknowledge_feedback(record, 1, own))
    rejected(ledger, "assessment.order", lambda: service.set_goal(record, 1, "目标", own))
    service.submit_summary(record, 1, "小结", own)
    rejected(
        ledger,
        "assessment.order",
        lambda: service.submit_summary(record, 1, "再交一次", own),
        "already",
    )
    rejected(ledger, "assessment.order", lambda: service.acknowledge_feedback(record, 1, own))
    service.appraise(record, 1, "good", "评鉴", LEADER)
    service.acknowledge_feedback(record, 1, own)
    on(ledger, QUARTER_DAYS[2])
    rejected(
        ledger,
        "assessment.order",
        lambda: service.submit_summary(record, 2, "小结", own),
        "goal of quarter 1",
    )
    service.set_goal(record, 1, "目标", own)
    service.submit_summary(record, 2, "小结", own)


def test_a_summary_answers_the_previous_goal(ledger: Ledger) -> None:
    unit = department(ledger, 1)
    on(ledger, QUARTER_DAYS[1])
    quarter_loop(unit, 0, 1)
    on(ledger, QUARTER_DAYS[2])
    record = unit.service.record(unit.records[0])
    holders = unit.service.holders()
    wrong = "0" * 64

    def summary(answers: str | None) -> None:
        record.submit_summary(2, "1" * 64, answers, unit.accounts[0], ledger.clock(), holders)

    rejected(ledger, "assessment.goal", lambda: summary(wrong))
    rejected(ledger, "assessment.goal", lambda: summary(None))
    summary(record.goals[1])  # the service passes this one
    assert record.pending_events[-1].answers_goal == record.goals[1]  # type: ignore[attr-defined]


# --- assessment.hands, assessment.self, assessment.rating, assessment.references ------


def test_the_cadre_writes_the_cadre_steps(ledger: Ledger) -> None:
    unit = department(ledger, 2)
    service, record = unit.service, unit.records[0]
    on(ledger, QUARTER_DAYS[1])
    other_cadre = unit.accounts[1]  # a department_cadre, not linked to cadre 0
    linked_leader = leader_linked_to(ledger, unit)  # linked to cadre 0, not its own account
    for actor in (LEADER, ORG, other_cadre, linked_leader):
        rejected(
            ledger, "assessment.hands", lambda a=actor: service.submit_summary(record, 1, "小结", a)
        )
    service.submit_summary(record, 1, "小结", unit.accounts[0])
    service.appraise(record, 1, "good", "评鉴", LEADER)
    rejected(
        ledger, "assessment.hands", lambda: service.acknowledge_feedback(record, 1, other_cadre)
    )
    service.acknowledge_feedback(record, 1, unit.accounts[0])
    rejected(ledger, "assessment.hands", lambda: service.set_goal(record, 1, "目标", LEADER))


def test_a_leader_appraises_and_grades(ledger: Ledger) -> None:
    unit = department(ledger, 1)
    service, record, own = unit.service, unit.records[0], unit.accounts[0]
    on(ledger, QUARTER_DAYS[1])
    service.submit_summary(record, 1, "小结", own)
    for actor in (own, ORG):
        rejected(
            ledger,
            "assessment.hands",
            lambda a=actor: service.appraise(record, 1, "good", "评鉴", a),
        )
    a_rest_of_year(ledger, unit)
    rejected(
        ledger,
        "assessment.hands",
        lambda: service.record_annual_grade(record, "competent", "理由", own),
    )


def a_rest_of_year(ledger: Ledger, unit: Department) -> None:
    """Cadre 0's loop from Q1's appraisal (its summary done) to Q4's feedback."""
    service, record, own = unit.service, unit.records[0], unit.accounts[0]
    service.appraise(record, 1, "good", "评鉴", LEADER)
    service.acknowledge_feedback(record, 1, own)
    service.set_goal(record, 1, "目标", own)
    for quarter in (2, 3, 4):
        on(ledger, QUARTER_DAYS[quarter])
        quarter_loop(unit, 0, quarter, goal=quarter != 4)


def test_no_leader_assesses_themselves(ledger: Ledger) -> None:
    unit = department(ledger, 1)
    self_leader = leader_linked_to(ledger, unit)
    service, record = unit.service, unit.records[0]
    on(ledger, QUARTER_DAYS[1])
    service.submit_summary(record, 1, "小结", unit.accounts[0])
    rejected(
        ledger, "assessment.self", lambda: service.appraise(record, 1, "good", "自评", self_leader)
    )
    a_rest_of_year(ledger, unit)
    rejected(
        ledger,
        "assessment.self",
        lambda: service.record_annual_grade(record, "competent", "自评", self_leader),
    )


def test_a_rating_is_one_of_the_four(ledger: Ledger) -> None:
    unit = department(ledger, 1)
    on(ledger, QUARTER_DAYS[1])
    unit.service.submit_summary(unit.records[0], 1, "小结", unit.accounts[0])
    for rating in ("excellent", "Good", ""):
        rejected(
            ledger,
            "assessment.rating",
            lambda r=rating: unit.service.appraise(unit.records[0], 1, r, "评鉴", LEADER),
        )


def test_references_are_sorted_once_each(ledger: Ledger) -> None:
    unit = department(ledger, 1)
    on(ledger, QUARTER_DAYS[1])
    unit.service.submit_summary(unit.records[0], 1, "小结", unit.accounts[0])
    record = unit.service.record(unit.records[0])
    a, b = str(unit.records[0]), str(unit.programme)
    for references in ([max(a, b), min(a, b)], [a, a]):
        rejected(
            ledger,
            "assessment.references",
            lambda refs=references: record.appraise(
                1, "good", "1" * 64, refs, LEADER, ledger.clock(), unit.service.holders()
            ),
        )


# --- assessment.annual_grade, assessment.closed, assessment.text ----------------------


def test_the_grade_waits_for_the_fourth_appraisal(ledger: Ledger) -> None:
    unit = department(ledger, 1)
    service, record, own = unit.service, unit.records[0], unit.accounts[0]
    for quarter in (1, 2, 3):
        on(ledger, QUARTER_DAYS[quarter])
        quarter_loop(unit, 0, quarter)
    on(ledger, QUARTER_DAYS[4])
    service.submit_summary(record, 4, "小结", own)
    rejected(
        ledger,
        "assessment.annual_grade",
        lambda: service.record_annual_grade(record, "competent", "理由", LEADER),
        "[4]",
    )
    service.appraise(record, 4, "good", "评鉴", LEADER)
    service.record_annual_grade(record, "competent", "理由", LEADER)  # Q4's goal not needed


@pytest.mark.parametrize(
    ("ratings", "refused", "allowed"),
    [
        (("good", "good", "good", "average"), "excellent", "competent"),
        (("good", "good", "fairly_good", "fairly_good"), "excellent", "competent"),
        (("good", "good", "good", "poor"), "excellent", "incompetent"),
        (("poor", "good", "poor", "good"), "competent", "basically_competent"),
        (("good", "good", "average", "fairly_good"), "incompetent", "basically_competent"),
    ],
)
def test_the_grade_follows_the_four_ratings(
    ledger: Ledger, ratings: tuple[str, ...], refused: str, allowed: str
) -> None:
    unit = department(ledger, 1)
    a_year(ledger, unit, ratings)
    record = unit.records[0]
    rejected(
        ledger,
        "assessment.annual_grade",
        lambda: unit.service.record_annual_grade(record, refused, "理由", LEADER),
    )
    unit.service.record_annual_grade(record, allowed, "理由", LEADER)


def test_the_grade_has_a_vocabulary_and_reasons(ledger: Ledger) -> None:
    """The reasons say something (a blank text is refused, no document kept); they are a
    vault document, so any text the API accepts is fine (several lines included)."""
    unit = department(ledger, 1)
    a_year(ledger, unit)
    grade = unit.service.record_annual_grade
    record = unit.records[0]
    rejected(ledger, "assessment.annual_grade", lambda: grade(record, "good", "理由", LEADER))
    label, cadre = f"assessment/{record}/annual", str(unit.cadres[0])
    for reasons in ("", "  \n "):
        rejected(
            ledger,
            "assessment.annual_grade",
            lambda r=reasons: grade(record, "competent", r, LEADER),
        )
        with pytest.raises(NotFound):
            ledger.vault.read_document(cadre, label)
    grade(record, "competent", "两行\n理由", LEADER)
    assert ledger.vault.read_document(cadre, label) == {"text": "两行\n理由"}


def test_nothing_after_the_annual_grade(ledger: Ledger) -> None:
    unit = department(ledger, 1)
    service, record, own = unit.service, unit.records[0], unit.accounts[0]
    for quarter in (1, 2, 3):
        on(ledger, QUARTER_DAYS[quarter])
        quarter_loop(unit, 0, quarter)
    on(ledger, QUARTER_DAYS[4])
    service.submit_summary(record, 4, "小结", own)
    service.appraise(record, 4, "good", "评鉴", LEADER)
    service.record_annual_grade(record, "competent", "理由", LEADER)
    rejected(ledger, "assessment.closed", lambda: service.acknowledge_feedback(record, 4, own))
    rejected(
        ledger,
        "assessment.closed",
        lambda: service.record_annual_grade(record, "competent", "再评", LEADER),
    )


def test_a_summary_says_something(ledger: Ledger) -> None:
    unit = department(ledger, 1)
    on(ledger, QUARTER_DAYS[1])
    rejected(
        ledger,
        "assessment.text",
        lambda: unit.service.submit_summary(unit.records[0], 1, "  ", unit.accounts[0]),
    )


def test_a_refused_save_leaves_no_document_in_the_vault(ledger: Ledger) -> None:
    """Another county's account linked to the cadre passes the record's rules, but not the
    save's (principal.scope): the summary written to the vault is discarded."""
    unit = department(ledger, 1)
    stranger = Actor("cadre-elsewhere", Role.DEPARTMENT_CADRE)
    enrol(ledger, stranger, scope=Scope(county="qianshan"))
    Principals(ledger).link_subject(stranger.principal, unit.cadres[0], ADMIN)
    on(ledger, QUARTER_DAYS[1])
    record = unit.records[0]
    rejected(
        ledger, "principal.scope", lambda: unit.service.submit_summary(record, 1, "小结", stranger)
    )
    with pytest.raises(NotFound):
        ledger.vault.read_document(str(unit.cadres[0]), f"assessment/{record}/Q1/summary")
    unit.service.submit_summary(record, 1, "小结", unit.accounts[0])  # the label is free again
