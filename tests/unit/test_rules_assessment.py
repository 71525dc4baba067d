"""The routine-assessment rules across records (docs/FORMAT.md §4, verify/rules_assessment.py):
the shared annual-grade rule and lecture result, then each rule on hand-built logs. Each
rejection test fails if its check is removed."""

from __future__ import annotations

import pytest

from verify.rules_assessment import grade_allowed, lecture_result


@pytest.mark.parametrize(
    ("grade", "ratings", "allowed"),
    [
        ("excellent", ["good", "good", "good", "fairly_good"], True),
        ("excellent", ["good", "good", "good", "good"], True),
        ("excellent", ["good", "good", "fairly_good", "fairly_good"], False),  # 2 good
        ("excellent", ["good", "good", "good", "average"], False),
        ("excellent", ["good", "good", "good", "poor"], False),
        ("competent", ["poor", "good", "good", "good"], True),
        ("competent", ["poor", "poor", "good", "good"], False),
        ("basically_competent", ["poor", "poor", "poor", "poor"], True),
        ("basically_competent", ["good", "good", "good", "good"], True),
        ("incompetent", ["poor", "average", "average", "average"], True),
        ("incompetent", ["average", "average", "average", "average"], False),
        ("competent", ["good", "good", "good"], False),  # three quarters
        ("competent", ["good", "good", "good", "great"], False),
        ("outstanding", ["good", "good", "good", "good"], False),
    ],
)
def test_grade_allowed_follows_the_annual_grade_rule(
    grade: str, ratings: list[str], allowed: bool
) -> None:
    problem = grade_allowed(grade, ratings)
    assert (problem is None) is allowed, problem


def test_lecture_result_is_rounded_half_up_from_exact_sums() -> None:
    scores = [
        {"preparation": 90, "grounding": 85, "expression": 80, "results": 75},
        {"preparation": 91, "grounding": 80, "expression": 80, "results": 70},
    ]
    means, overall = lecture_result(scores)
    assert means == {"preparation": 905, "grounding": 825, "expression": 800, "results": 725}
    assert overall == 814  # 651 / 8 = 81.375 -> 81.4


def test_lecture_overall_is_not_the_mean_of_rounded_means() -> None:
    scores = [
        {"preparation": 1, "grounding": 1, "expression": 1, "results": 0},
        {"preparation": 0, "grounding": 0, "expression": 0, "results": 0},
        {"preparation": 0, "grounding": 0, "expression": 0, "results": 0},
    ]
    means, overall = lecture_result(scores)
    assert means == {"preparation": 3, "grounding": 3, "expression": 3, "results": 0}
    assert overall == 3  # 30 / 12 = 2.5 -> 3; the rounded means' mean, 9 / 4 = 2.25, gives 2


def test_lecture_result_needs_a_rating() -> None:
    with pytest.raises(ValueError):
        lecture_result([])
