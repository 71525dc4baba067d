"""Huaining's 讲组工 lectures (ledger/assessment/lecture.py): "一人讲、大家听、现场测" — the
schedule, the four-indicator forms, 点评, the test and the close; a lecture's result is a
reference input of the speaker's appraisal. A rejection test per rule (nothing stored)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from ledger.assessment.lecture import lecture_id
from ledger.ledger import Ledger
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
    leader_linked_to,
    lecture_done,
    on,
    quarter_loop,
)
from tests.integration.helpers import rejected

TOPIC = "干部档案专项审核实务"


def scheduled(unit: Department, week: date = MONDAY, speaker: int = 0) -> Any:
    return unit.service.schedule_lecture(
        unit.programme, week, "business", TOPIC, unit.cadres[speaker], ORG
    )


def test_a_lecture_from_schedule_to_close_and_into_the_appraisal(ledger: Ledger) -> None:
    unit = department(ledger, 3)
    on(ledger, QUARTER_DAYS[1])
    quarter_loop(unit, 0, 1)
    on(ledger, MONDAY)
    lecture = lecture_done(unit)
    assert lecture == lecture_id(unit.programme, MONDAY)
    found = unit.service.lecture(lecture)
    # 90, 85, 80 from all three; results 88, 88, 75: 83.67 -> 83.7; overall 1016/12 -> 84.7
    assert found.result == {
        "speaker": str(unit.cadres[0]),
        "forms": 3,
        "means": {"preparation": 900, "grounding": 850, "expression": 800, "results": 837},
        "overall_tenths": 847,
        "test_mean_tenths": 873,
    }
    assert ledger.vault.read_document(str(unit.cadres[0]), f"lecture/{lecture}/deputy_head")
    on(ledger, MONDAY + timedelta(days=7))
    other = lecture_done(unit, speaker=1, raters=(0, 2), week=MONDAY + timedelta(days=7))
    on(ledger, QUARTER_DAYS[2])
    quarter_loop(unit, 0, 2)
    quarter_loop(unit, 1, 1)  # cadre 1's Q1, after its Q2 lecture: not a Q1 reference
    on(ledger, QUARTER_DAYS[3])
    quarter_loop(unit, 0, 3)
    record = unit.service.record(unit.records[0])
    assert record.references == {1: [], 2: [str(lecture)], 3: []}  # shown, moves nothing
    assert unit.service.record(unit.records[1]).references == {1: []}
    assert other != lecture


def test_a_lecture_not_closed_is_no_reference(ledger: Ledger) -> None:
    unit = department(ledger, 3)
    on(ledger, QUARTER_DAYS[1])
    quarter_loop(unit, 0, 1)
    on(ledger, MONDAY)
    scheduled(unit)
    on(ledger, QUARTER_DAYS[2])
    quarter_loop(unit, 0, 2)
    assert unit.service.record(unit.records[0]).references[2] == []


# --- lecture.week, lecture.speaker, lecture.topic -------------------------------------


def test_one_lecture_a_week_on_a_monday_of_the_year(ledger: Ledger) -> None:
    unit = department(ledger, 2)
    schedule = unit.service.schedule_lecture
    for week in (MONDAY + timedelta(days=1), date(2024, 1, 1), date(2022, 12, 26)):
        rejected(
            ledger,
            "lecture.week",
            lambda w=week: schedule(unit.programme, w, "policy", TOPIC, unit.cadres[0], ORG),
        )
    scheduled(unit)
    rejected(
        ledger,
        "lecture.week",
        lambda: schedule(unit.programme, MONDAY, "policy", "另一讲", unit.cadres[1], ORG),
    )


def test_the_speaker_is_enrolled_in_the_programme(ledger: Ledger) -> None:
    unit = department(ledger, 1)
    stranger = ledger.register_subject({"name": "外单位"}, "department_cadre", REGISTRAR)
    rejected(
        ledger,
        "lecture.speaker",
        lambda: unit.service.schedule_lecture(
            unit.programme, MONDAY, "policy", TOPIC, stranger, ORG
        ),
    )


def test_a_lecture_has_a_board_and_a_topic(ledger: Ledger) -> None:
    unit = department(ledger, 1)
    schedule = unit.service.schedule_lecture
    for board, topic in (("history", TOPIC), ("plans", " ")):
        rejected(
            ledger,
            "lecture.topic",
            lambda b=board, t=topic: schedule(unit.programme, MONDAY, b, t, unit.cadres[0], ORG),
        )


# --- lecture.rater, lecture.one_form, lecture.score -----------------------------------


def test_no_rating_of_ones_own_lecture(ledger: Ledger) -> None:
    unit = department(ledger, 2)
    linked_leader = leader_linked_to(ledger, unit, 0)
    on(ledger, MONDAY)
    lecture = scheduled(unit)
    for actor in (unit.accounts[0], linked_leader):
        rejected(
            ledger,
            "lecture.rater",
            lambda a=actor: unit.service.rate_lecture(lecture, SCORES, a),
        )
    unit.service.rate_lecture(lecture, SCORES, unit.accounts[1])


def test_one_form_per_rater(ledger: Ledger) -> None:
    unit = department(ledger, 2)
    on(ledger, MONDAY)
    lecture = scheduled(unit)
    unit.service.rate_lecture(lecture, SCORES, unit.accounts[1])
    rejected(
        ledger,
        "lecture.one_form",
        lambda: unit.service.rate_lecture(lecture, SCORES, unit.accounts[1]),
    )


@pytest.mark.parametrize(
    "scores",
    [
        {**SCORES, "results": 101},
        {**SCORES, "preparation": -1},
        {**SCORES, "grounding": 80.0},
        {**SCORES, "grounding": True},
        {k: v for k, v in SCORES.items() if k != "results"},
        {**SCORES, "attitude": 90},
    ],
)
def test_four_scores_0_to_100(ledger: Ledger, scores: dict[str, Any]) -> None:
    unit = department(ledger, 2)
    on(ledger, MONDAY)
    lecture = scheduled(unit)
    rejected(
        ledger,
        "lecture.score",
        lambda: unit.service.rate_lecture(lecture, scores, unit.accounts[1]),
    )


def test_the_test_figures_are_in_range(ledger: Ledger) -> None:
    unit = department(ledger, 1)
    on(ledger, MONDAY)
    lecture = scheduled(unit)
    test = unit.service.record_lecture_test
    for takers, mean in ((0, 800), (501, 800), (10, 1001), (10, -1)):
        rejected(ledger, "lecture.score", lambda t=takers, m=mean: test(lecture, t, m, ORG))


def test_raters_are_department_cadres_or_leaders(ledger: Ledger) -> None:
    unit = department(ledger, 1)
    on(ledger, MONDAY)
    lecture = scheduled(unit)
    rejected(ledger, "role", lambda: unit.service.rate_lecture(lecture, SCORES, ORG))


# --- lecture.comment ------------------------------------------------------------------


def test_one_comment_per_capacity_not_by_the_speaker(ledger: Ledger) -> None:
    unit = department(ledger, 1)
    linked_leader = leader_linked_to(ledger, unit, 0)
    on(ledger, MONDAY)
    lecture = scheduled(unit)
    comment = unit.service.comment_lecture
    rejected(ledger, "lecture.comment", lambda: comment(lecture, "director", "点评", LEADER))
    rejected(ledger, "lecture.comment", lambda: comment(lecture, "section_head", " ", LEADER))
    rejected(
        ledger, "lecture.comment", lambda: comment(lecture, "section_head", "点评", linked_leader)
    )
    comment(lecture, "section_head", "点评", LEADER)
    rejected(ledger, "lecture.comment", lambda: comment(lecture, "section_head", "再评", DEPUTY))
    rejected(ledger, "role", lambda: comment(lecture, "deputy_head", "点评", unit.accounts[0]))


# --- lecture.order --------------------------------------------------------------------


def test_nothing_before_the_week(ledger: Ledger) -> None:
    unit = department(ledger, 2)
    on(ledger, MONDAY - timedelta(days=1))
    lecture = scheduled(unit)
    service = unit.service
    rejected(ledger, "lecture.order", lambda: service.rate_lecture(lecture, SCORES, LEADER))
    rejected(
        ledger,
        "lecture.order",
        lambda: service.comment_lecture(lecture, "section_head", "x", LEADER),
    )
    rejected(ledger, "lecture.order", lambda: service.record_lecture_test(lecture, 5, 800, ORG))


@pytest.mark.parametrize("left_out", ["rating", "section_head", "deputy_head", "test"])
def test_the_close_needs_ratings_both_comments_and_the_test(ledger: Ledger, left_out: str) -> None:
    unit = department(ledger, 2)
    on(ledger, MONDAY)
    lecture = scheduled(unit)
    service = unit.service
    steps = {
        "rating": lambda: service.rate_lecture(lecture, SCORES, unit.accounts[1]),
        "section_head": lambda: service.comment_lecture(lecture, "section_head", "点评", LEADER),
        "deputy_head": lambda: service.comment_lecture(lecture, "deputy_head", "点评", DEPUTY),
        "test": lambda: service.record_lecture_test(lecture, 10, 800, ORG),
    }
    for name, step in steps.items():
        if name != left_out:
            step()
    rejected(ledger, "lecture.order", lambda: service.close_lecture(lecture, ORG))
    steps[left_out]()
    assert service.close_lecture(lecture, ORG)["overall_tenths"] == 858  # 343 / 4 = 85.75


def test_the_test_is_recorded_once(ledger: Ledger) -> None:
    unit = department(ledger, 1)
    on(ledger, MONDAY)
    lecture = scheduled(unit)
    unit.service.record_lecture_test(lecture, 10, 800, ORG)
    rejected(
        ledger, "lecture.order", lambda: unit.service.record_lecture_test(lecture, 10, 900, ORG)
    )


def test_nothing_after_the_close(ledger: Ledger) -> None:
    unit = department(ledger, 3)
    on(ledger, MONDAY)
    lecture = lecture_done(unit, raters=(1,))
    service = unit.service
    rejected(
        ledger, "lecture.order", lambda: service.rate_lecture(lecture, SCORES, unit.accounts[2])
    )
    rejected(
        ledger,
        "lecture.order",
        lambda: service.comment_lecture(lecture, "section_head", "x", DEPUTY),
    )
    rejected(ledger, "lecture.order", lambda: service.record_lecture_test(lecture, 5, 800, ORG))
    rejected(ledger, "lecture.order", lambda: service.close_lecture(lecture, ORG))
