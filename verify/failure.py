"""A verification failure as a value: where it is, which rule, what was expected and computed.

Failures are collected, not raised one at a time, so an auditor sees every problem of a bundle
in one run; they are printed one per line, or as JSON (``gongshi-verify ... --json``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from verify.record import Record


@dataclass(frozen=True)
class Failure:
    """One failed check.

    ``where``: the file and position (``records.jsonl line 12``, ``checkpoint``,
    ``published/points.jsonl``); ``rule``: a short stable name of the check
    (``chain.prev``, ``policy.quorum``, ``manifest.root``); ``message``: what is wrong, in
    words; ``expected`` and ``computed``: the evidence, when the check compares two values.
    """

    where: str
    rule: str
    message: str
    expected: str | None = None
    computed: str | None = None

    def __str__(self) -> str:
        evidence = ""
        if self.expected is not None or self.computed is not None:
            evidence = f" (expected {self.expected}, computed {self.computed})"
        return f"{self.where}: {self.message}{evidence} [{self.rule}]"

    def to_json(self) -> dict[str, str | None]:
        return {
            "where": self.where,
            "rule": self.rule,
            "message": self.message,
            "expected": self.expected,
            "computed": self.computed,
        }


# A rule's check of one record (and where it is): the failures it finds.
Handler = Callable[["Record", str], list[Failure]]


def mismatches(
    where: str, rule: str, message: str, expected: Mapping[str, Any], computed: Mapping[str, Any]
) -> list[Failure]:
    """One failure per member whose computed value is not the expected one, each named after
    ``message``: the rules that recompute a record member by member."""
    return [
        Failure(where, rule, f"{message}: {member}", str(value), str(computed[member]))
        for member, value in expected.items()
        if computed[member] != value
    ]
