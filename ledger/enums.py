"""Parse enumerated values from callers into domain errors that name the rule."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from ledger.errors import RuleViolation

E = TypeVar("E", bound=StrEnum)


def parse_enum(kind: type[E], value: str, rule: str) -> E:
    """``kind(value)``, or RuleViolation(rule) listing the allowed values."""
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise RuleViolation(rule, f"{value!r} is not one of: {allowed}") from None
