"""Training classes (ledger/assessment/training.py): "常态化开展公务员初任培训班、中青年干部培训班、
科级干部培训班课程" — participants, attendance, completion; each cadre's 一人一档 lists them.
A rejection test per rule (nothing stored)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from ledger.ledger import Ledger
from tests.integration.assessment_helpers import ORG, REGISTRAR, YEAR, Department, department
from tests.integration.helpers import rejected
from tests.support.principals import COUNTY

NAME = "2023年中青年干部培训班"


def opened(unit: Department, sessions: int = 2) -> UUID:
    training = unit.service.open_training(
        COUNTY, YEAR, "young_and_middle_aged", NAME, sessions, ORG
    )
    unit.service.enrol_trainees(training, unit.cadres[:2], ORG)
    return training


def test_a_class_with_attendance_and_completion_in_the_cadre_file(ledger: Ledger) -> None:
    unit = department(ledger, 3)
    service = unit.service
    training = opened(unit, sessions=3)
    a, b = unit.cadres[:2]
    service.record_attendance(training, 1, [b, a, a], ORG)  # sorted, once each
    service.record_attendance(training, 2, [a], ORG)
    service.record_attendance(training, 3, [], ORG)
    service.record_completion(training, a, True, ORG)
    service.record_completion(training, b, False, ORG)
    found = service.training(training)
    assert found.attendance == {1: sorted([str(a), str(b)]), 2: [str(a)], 3: []}
    assert found.completions == {
        str(a): {"completed": True, "attended": 2},
        str(b): {"completed": False, "attended": 1},
    }
    file = service.cadre_file(unit.programme, a)
    assert file["training"] == [
        {
            "training": str(training),
            "county": COUNTY,
            "year": YEAR,
            "kind": "young_and_middle_aged",
            "name": NAME,
            "sessions": 3,
            "attended": 2,
            "completed": True,
        }
    ]
    assert service.cadre_file(unit.programme, unit.cadres[2])["training"] == []


# --- training.class --------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"kind": "party_school"},
        {"name": " "},
        {"county": " taihu"},
        {"year": 1999},
        {"sessions": 0},
        {"sessions": 101},
    ],
)
def test_a_class_has_a_kind_name_place_year_and_sessions(
    ledger: Ledger, change: dict[str, Any]
) -> None:
    service = department(ledger, 0).service
    args: dict[str, Any] = {
        "county": COUNTY,
        "year": YEAR,
        "kind": "induction",
        "name": NAME,
        "sessions": 3,
        "actor": ORG,
        **change,
    }
    rejected(ledger, "training.class", lambda: service.open_training(**args))


# --- training.enrolled -----------------------------------------------------------------


def test_participants_are_department_cadres_enrolled_once(ledger: Ledger) -> None:
    unit = department(ledger, 3)
    training = opened(unit)
    enrol = unit.service.enrol_trainees
    village_cadre = ledger.register_subject({"name": "村干部"}, "cadre", REGISTRAR)
    rejected(ledger, "training.enrolled", lambda: enrol(training, [village_cadre], ORG))
    rejected(ledger, "training.enrolled", lambda: enrol(training, [unit.cadres[0]], ORG))
    rejected(
        ledger, "training.enrolled", lambda: enrol(training, [unit.cadres[2], unit.cadres[2]], ORG)
    )
    enrol(training, [unit.cadres[2]], ORG)


def test_attendance_and_completion_only_for_participants(ledger: Ledger) -> None:
    unit = department(ledger, 3)
    training = opened(unit, sessions=1)
    service, outsider = unit.service, unit.cadres[2]
    rejected(
        ledger,
        "training.enrolled",
        lambda: service.record_attendance(training, 1, [unit.cadres[0], outsider], ORG),
    )
    service.record_attendance(training, 1, [unit.cadres[0]], ORG)
    rejected(
        ledger,
        "training.enrolled",
        lambda: service.record_completion(training, outsider, True, ORG),
    )


# --- training.session, training.completion --------------------------------------------


def test_a_session_in_range_once(ledger: Ledger) -> None:
    unit = department(ledger, 2)
    training = opened(unit, sessions=2)
    attend = unit.service.record_attendance
    for session in (0, 3):
        rejected(
            ledger, "training.session", lambda s=session: attend(training, s, [unit.cadres[0]], ORG)
        )
    attend(training, 2, [unit.cadres[0]], ORG)
    rejected(ledger, "training.session", lambda: attend(training, 2, [], ORG))


def test_completion_after_every_session_once(ledger: Ledger) -> None:
    unit = department(ledger, 2)
    training = opened(unit, sessions=2)
    service, cadre = unit.service, unit.cadres[0]
    service.record_attendance(training, 1, [cadre], ORG)
    rejected(
        ledger,
        "training.completion",
        lambda: service.record_completion(training, cadre, True, ORG),
        "[2]",
    )
    service.record_attendance(training, 2, [cadre], ORG)
    rejected(
        ledger,
        "training.completion",
        lambda: service.record_completion(training, cadre, 1, ORG),  # type: ignore[arg-type]
    )
    service.record_completion(training, cadre, True, ORG)
    rejected(
        ledger,
        "training.completion",
        lambda: service.record_completion(training, cadre, False, ORG),
    )


def test_training_is_run_by_the_organisation_department(ledger: Ledger) -> None:
    unit = department(ledger, 1)
    rejected(
        ledger,
        "role",
        lambda: unit.service.open_training(COUNTY, YEAR, "induction", NAME, 2, unit.accounts[0]),
    )
