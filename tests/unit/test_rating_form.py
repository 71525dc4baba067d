"""The 《评价表》's arithmetic (ledger/rating_form.py, FORMAT.md §4 "The 《评价表》's
arithmetic"): means per indicator and overall, in tenths, half up from the exact sums."""

from __future__ import annotations

import pytest

from ledger.errors import RuleViolation
from ledger.rating_form import INDICATORS, form_result


def test_form_result_means_rounded_half_up_from_exact_sums() -> None:
    scores = [
        {"preparation": 90, "grounding": 80, "expression": 71, "results": 100},
        {"preparation": 85, "grounding": 81, "expression": 70, "results": 99},
    ]
    means, overall = form_result(scores)
    # 87.5, 80.5, 70.5, 99.5 exactly; overall 676 / 8 = 84.5
    assert means == {"preparation": 875, "grounding": 805, "expression": 705, "results": 995}
    assert overall == 845


def test_form_result_overall_is_not_the_mean_of_rounded_means() -> None:
    scores = [{"preparation": 1, "grounding": 0, "expression": 0, "results": 0}] * 2 + [
        {"preparation": 0, "grounding": 0, "expression": 0, "results": 0}
    ]
    means, overall = form_result(scores)
    assert means["preparation"] == 7  # 0.666.. -> 0.7
    assert overall == 2  # 2 / 12 = 0.1666.. -> 0.2 (mean of rounded means would be 0.175)


def test_form_result_as_format_md_computes_it() -> None:
    """FORMAT.md: "two raters scoring (85, 90, 80, 88) and (80, 85, 75, 90): *T* = 673,
    *O* = round(6730 / 8) = 841 (84.1), means 825, 875, 775, 890"."""
    scores = [dict(zip(INDICATORS, (85, 90, 80, 88), strict=True)),
              dict(zip(INDICATORS, (80, 85, 75, 90), strict=True))]  # fmt: skip
    means, overall = form_result(scores)
    assert means == {"preparation": 825, "grounding": 875, "expression": 775, "results": 890}
    assert overall == 841


def test_form_result_needs_a_rater() -> None:
    with pytest.raises(RuleViolation) as e:
        form_result([])
    assert e.value.rule == "lecture.order"
