"""How docs/FORMAT.md §4's record types are written down (verify/schema.py has the table).

A ``Spec`` is one value's rule (a JSON type and the values allowed); ``find`` returns the
first rule a value breaks as evidence: the member's path, what was expected, what was found.
``Members`` is an object with exactly these members, ``ArrayOf`` an array of one kind of
value, ``ObjectOf`` an object of named values, ``OrNull`` a value or null; ``integer``,
``pattern`` and ``one_of`` make the common rules. An ``EventSpec`` is one record type: its
stream (``first``: the stream's version 1, ``then``: a later one), roles and ``data``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from verify.canonical import MAX_SAFE_INTEGER

MAX = MAX_SAFE_INTEGER
ABSENT = object()  # a member that is not there
Problem = tuple[str, str, Any]  # the member (data.tasks[0].title), what was expected, found


class Spec:
    """One value's rule; ``find`` returns the first (path, expected, found) it breaks."""

    def __init__(self, expected: str, test: Callable[[Any], bool] = lambda v: True) -> None:
        self.expected, self.test = expected, test
        self.regex: re.Pattern[str] | None = None  # a string matching it in full (pattern())

    def find(self, value: Any, path: str) -> Problem | None:
        return None if self.test(value) else (path, self.expected, value)


class ArrayOf(Spec):
    def __init__(self, item: Spec) -> None:
        super().__init__(f"an array of {item.expected}")
        self.item = item

    def find(self, value: Any, path: str) -> Problem | None:
        if type(value) is not list:
            return path, self.expected, value
        return next(
            (bad for i, v in enumerate(value) if (bad := self.item.find(v, f"{path}[{i}]"))), None
        )


class ObjectOf(Spec):
    """An object whose member names match ``names`` and whose values follow ``value``."""

    def __init__(self, names: re.Pattern[str], value: Spec, least: int = 0) -> None:
        super().__init__(f"an object of at least {least} members {names.pattern}: {value.expected}")
        self.names, self.value, self.least = names, value, least

    def find(self, value: Any, path: str) -> Problem | None:
        if type(value) is not dict or len(value) < self.least:
            return path, self.expected, value
        for name, item in value.items():
            if not self.names.fullmatch(name):
                return f"{path}.{name}", f"a member name {self.names.pattern}", name
            if bad := self.value.find(item, f"{path}.{name}"):
                return bad
        return None


class Members(Spec):
    """An object with exactly these members, each following its own rule."""

    def __init__(self, members: Mapping[str, Spec]) -> None:
        super().__init__(f"an object with exactly the members {', '.join(sorted(members))}")
        self.members = dict(members)
        self.names = frozenset(members)
        # a plain Spec's test is called directly: one call per member on every record
        self.tests = [(n, s.test if type(s) is Spec else None, s) for n, s in members.items()]

    def find(self, value: Any, path: str) -> Problem | None:
        if type(value) is not dict:
            return path, self.expected, value
        if value.keys() != self.names:
            for name in sorted(value.keys() - self.names):
                expected = f"no such member (the members are {', '.join(sorted(self.names))})"
                return f"{path}.{name}", expected, value[name]
            missing = min(self.names - value.keys())
            return f"{path}.{missing}", self.members[missing].expected, ABSENT
        for name, test, spec in self.tests:
            item = value[name]
            if test is not None:
                if not test(item):
                    return f"{path}.{name}", spec.expected, item
            elif bad := spec.find(item, f"{path}.{name}"):
                return bad
        return None


def integer(least: int, most: int = MAX) -> Spec:
    return Spec(f"an integer {least}..{most}", lambda v: type(v) is int and least <= v <= most)


def pattern(expected: str, regex: re.Pattern[str]) -> Spec:
    spec = Spec(expected, lambda v: type(v) is str and regex.fullmatch(v) is not None)
    spec.regex = regex
    return spec


def one_of(*values: Any) -> Spec:
    shown = ", ".join("null" if v is None else str(v) for v in values)
    return Spec(f"one of {shown}", lambda v: type(v) in (str, type(None)) and v in values)


class OrNull(Spec):
    def __init__(self, spec: Spec) -> None:
        super().__init__(f"{spec.expected}, or null")
        self.spec = spec

    def find(self, value: Any, path: str) -> Problem | None:
        return None if value is None else self.spec.find(value, path)


@dataclass(frozen=True, slots=True)
class EventSpec:
    """A type's stream (``aggregate``; ``creates``: it is version 1), roles and data."""

    aggregate: str
    creates: bool
    roles: frozenset[str]
    data: Members


def first(aggregate: str, roles: str, **data: Spec) -> EventSpec:
    """A type that opens a stream of ``aggregate`` (version 1), recorded by ``roles``."""
    return EventSpec(aggregate, True, frozenset(roles.split()), Members(data))


def then(aggregate: str, roles: str, **data: Spec) -> EventSpec:
    """A type that follows the first record of a stream of ``aggregate``."""
    return EventSpec(aggregate, False, frozenset(roles.split()), Members(data))
