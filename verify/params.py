"""The published lists' params (docs/FORMAT.md §8, "Params"): one rule for both sides.

The projections that build the lists (projections/) and the verifier that recomputes them
(verify/lists.py, verify/published.py) take a list's params through ``check_params``, so a
value one side accepts is never refused by the other (the posting window of 0 days was).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Param:
    """An integer param: its default and its bounds, both included."""

    default: int
    minimum: int
    maximum: int = 100_000


PARAMS: dict[str, dict[str, Param]] = {
    "assessment-loops": {},
    "audit-results": {},
    # a disbursement is in the public view for D days (D >= 1: a grant is posted at all)
    "disbursements": {"posting_window_days": Param(30, 1)},
    "fund-ledger": {},
    "key-projects": {},
    "lectures": {},
    "mentoring-pairs": {},
    "objections": {},  # issue 15: the objections to 公示 postings, with their answers
    # none: excellence is the closed year's top set (points.YearClosed), not a count setting
    "points": {},
    "postings": {},  # issue 15: the 公示 postings themselves (period, unit, counts)
    "supervision-cases": {},
    "training-classes": {},
}
LISTS = tuple(PARAMS)
DEFAULTS: dict[str, dict[str, int]] = {
    name: {key: param.default for key, param in params.items()} for name, params in PARAMS.items()
}


class ParamError(ValueError):
    """A list's params break the rule; ``where`` names the list or param, as evidence."""

    def __init__(self, where: str, expected: str, computed: str) -> None:
        super().__init__(f"{where}: expected {expected}, got {computed}")
        self.where, self.expected, self.computed = where, expected, computed


def check_params(
    name: str, params: Mapping[str, Any] | None = None, complete: bool = False
) -> dict[str, int]:
    """List ``name``'s params: the defaults, overridden by ``params``.

    ParamError for an unknown list, an unknown param, a value that is not a JSON integer
    (``true`` is not one) or is outside the param's bounds, and, when ``complete`` (a
    published header), for a param left out.
    """
    if name not in PARAMS:
        raise ParamError("list", f"one of {', '.join(LISTS)}", repr(name))
    allowed, given = PARAMS[name], dict(params or {})
    for key in sorted(given.keys() - allowed.keys()):
        raise ParamError(f"{name} params", f"only {sorted(allowed)}", f"unknown param {key!r}")
    if complete and given.keys() != allowed.keys():
        raise ParamError(f"{name} params", f"every one of {sorted(allowed)}", f"{sorted(given)}")
    for key, value in given.items():
        bounds = allowed[key]
        if type(value) is not int or not bounds.minimum <= value <= bounds.maximum:
            expected = f"an integer from {bounds.minimum} to {bounds.maximum}"
            raise ParamError(f"{name} {key}", expected, repr(value))
    return DEFAULTS[name] | given
