"""Routine assessment of an organisation department's own cadres: the rules across records
(docs/FORMAT.md §4 "Rules across records", ``assessment.*``, ``lecture.*``, ``mentoring.*``,
``training.*``).

Qianshan's 平时考核: "个人有小结、领导有评鉴、结果有反馈、改进有目标", linked to the annual grade
("三挂钩"). Huaining's 讲组工: "一人讲、大家听、现场测", "每周安排1名组工干部上讲台，科室负责人
及分管部长集中点评", rated on "“课前准备、业务功底、语言表达、实际成效”4个指标，由参学人员现场
打分，打分结果作为组工干部平时考核和评先评优的参考依据"; "由11名老组工与22名年轻干部结成帮带
对子"; "常态化开展公务员初任培训班、中青年干部培训班、科级干部培训班课程".

The annual-grade rule (``grade_allowed``) and a lecture's result (``lecture_result``) live
here, so the ledger (ledger/assessment/) and the verifier hold one definition.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from verify.rules_points import half_up
from verify.schema import INDICATORS

# 公务员平时考核: 好 / 较好 / 一般 / 较差, per quarter
RATINGS = ("good", "fairly_good", "average", "poor")
# the annual grade: 优秀 / 称职 / 基本称职 / 不称职
ANNUAL_GRADES = ("excellent", "competent", "basically_competent", "incompetent")


def grade_allowed(grade: str, ratings: Sequence[str]) -> str | None:
    """Why ``grade`` may not follow the four quarters' ``ratings`` (in quarter order), or
    None when it may (rule ``assessment.annual_grade``, docs/FORMAT.md §4):

    - ``excellent`` 优秀 only with at least three ``good`` 好 and no ``average`` 一般 or
      ``poor`` 较差;
    - ``competent`` 称职 only with at most one ``poor``;
    - ``incompetent`` 不称职 only with at least one ``poor``;
    - ``basically_competent`` 基本称职 always.

    Four ratings of the vocabulary are required for any grade."""
    if grade not in ANNUAL_GRADES:
        return f"a grade of {', '.join(ANNUAL_GRADES)}, found {grade!r}"
    if len(ratings) != 4 or any(r not in RATINGS for r in ratings):
        return f"four quarterly ratings of {', '.join(RATINGS)}, found {list(ratings)}"
    good, poor = ratings.count("good"), ratings.count("poor")
    if grade == "excellent" and (good < 3 or poor or "average" in ratings):
        return "excellent needs at least 3 good and no average or poor"
    if grade == "competent" and poor > 1:
        return "competent allows at most one poor"
    if grade == "incompetent" and poor < 1:
        return "incompetent needs at least one poor"
    return None


def lecture_result(scores: Sequence[Mapping[str, int]]) -> tuple[dict[str, int], int]:
    """A lecture's result from its raters' four-indicator scores: (mean per indicator, mean
    over the four), in tenths, rounded half up, each from the exact sums (the overall mean is
    total / (4 × raters), not the mean of the rounded means). ValueError without scores (a
    lecture closes with at least one rating: ``lecture.order``)."""
    if not scores:
        raise ValueError("a lecture's result needs at least one rating")
    n = len(scores)
    sums = {k: sum(s[k] for s in scores) for k in INDICATORS}
    means = {k: half_up(10 * total, n) for k, total in sums.items()}
    overall = half_up(10 * sum(sums.values()), n * len(INDICATORS))
    return means, overall
