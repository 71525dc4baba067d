"""Ranking rules: dense ranks within a category and the bottom share (default 10%).

Pure functions over (key, total) pairs, used by the year-end close (year_close.py), the demo
and the projections. verify/rules_points.py recomputes the same sets independently.
"""

from __future__ import annotations

from collections.abc import Mapping


def dense_ranks(totals: Mapping[str, int]) -> dict[str, int]:
    """Rank 1 for the highest total; equal totals share a rank; no ranks are skipped."""
    distinct = sorted(set(totals.values()), reverse=True)
    rank_of = {total: i + 1 for i, total in enumerate(distinct)}
    return {key: rank_of[total] for key, total in totals.items()}


def bottom_share(totals: Mapping[str, int], percent: int = 10) -> set[str]:
    """The ceil(percent% × n) lowest totals, plus everyone tied with the cut-off total.

    Requires 0 < percent <= 100. Empty input gives an empty set.
    """
    if not 0 < percent <= 100:
        raise ValueError("percent must be in 1..100")
    if not totals:
        return set()
    count = -(-len(totals) * percent // 100)  # ceil without floats
    ordered = sorted(totals.values())
    cutoff = ordered[count - 1]
    return {key for key, total in totals.items() if total <= cutoff}


def top_share(totals: Mapping[str, int], percent: int) -> set[str]:
    """The ceil(percent% × n) highest totals, plus everyone tied with the cut-off total
    ("评先评优原则上按年度积分，由高到低依次选取"). Requires 0 < percent <= 100."""
    return bottom_share({key: -total for key, total in totals.items()}, percent)
