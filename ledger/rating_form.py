"""The 《评价表》's four indicators and its arithmetic: Huaining's form for its organisation
cadres' lectures (怀宁县 "讲组工"): "设置“课前准备、业务功底、语言表达、实际成效”4个指标，
由参学人员现场打分，打分结果作为组工干部平时考核和评先评优的参考依据".

Until issue 14 the form was attached to Taihu's village cadres and fed their points; it
belongs to the department's own cadres (the lectures, ledger/assessment/). Only the
arithmetic lives here, for the lectures and for the demo: the mean per indicator and the
mean over all four, each rounded half-up to one decimal (tenths), computed exactly from the
submitted integers (the overall mean is total / (4 × raters), not the mean of the rounded
means). The verifier's ``lecture_result`` (verify/rules_lectures.py) computes it, so the
writer and the verifier hold one definition.
"""

from __future__ import annotations

from ledger.errors import RuleViolation
from verify.rules_lectures import lecture_result
from verify.schema import INDICATORS

INDICATOR_LABELS = {
    "preparation": "课前准备",
    "grounding": "业务功底",
    "expression": "语言表达",
    "results": "实际成效",
}
__all__ = ["INDICATORS", "INDICATOR_LABELS", "form_result"]


def form_result(
    scores: list[dict[str, int]], rule: str = "lecture.order"
) -> tuple[dict[str, int], int]:
    """(mean per indicator, mean over indicators), in tenths, half-up. Without scores a
    RuleViolation named ``rule`` (a lecture closes with at least one rating)."""
    if not scores:
        raise RuleViolation(rule, "the form needs at least one rater's scores")
    return lecture_result(scores)
