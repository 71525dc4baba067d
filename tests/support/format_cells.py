"""FORMAT.md §4's `data` cells and verify/schema.py's Specs, each read into one normal form,
so a test can hold them equal: a type or range changed on one side only is a difference.

The normal form of one value: ``("int", least, most)``, ``("string",)`` and the other named
types of §4's notation (``bool``, ``date``, ``month``, ``id``, ``hex64``, ``code``),
``("pattern", regex)``, ``("one of", values)``, ``("null-or", X)``, ``("array", X)``,
``("object", ((member, X), ...))``, ``("map", name regex, least members, X)``,
``("exactly", items)``. Prose around a type (a subject, the HMAC of §5, e.g. …) is ignored.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any

from verify.schema import (
    BOOL,
    CODE,
    DATE,
    HEX64,
    ID,
    MONTH,
    SOURCE_PATTERN,
    TEXT,
)
from verify.spec import MAX, ArrayOf, Members, ObjectOf, OrNull, Spec

Shape = tuple[Any, ...]
NAMED = {"string": TEXT, "bool": BOOL, "date": DATE, "month": MONTH, "id": ID, "hex64": HEX64,
         "code": CODE}  # fmt: skip
ALIASES = {"fen": "int 1..MAX", "tenths": "int 1..MAX", "year": "int 2000..2100"}
OPEN, CLOSE = "[{(", "]})"


def _split(text: str, separator: str) -> list[str]:
    """``text`` split at ``separator`` outside brackets and backticks."""
    parts, depth, quoted, start, i = [], 0, False, 0, 0
    while i < len(text):
        char = text[i]
        if char == "`":
            quoted = not quoted
        elif not quoted and char in OPEN:
            depth += 1
        elif not quoted and char in CLOSE:
            depth -= 1
        elif not quoted and depth == 0 and text.startswith(separator, i):
            parts.append(text[start:i])
            start = i = i + len(separator)
            continue
        i += 1
    return [*parts, text[start:]]


def _bound(word: str) -> int:
    return {"MAX": MAX, "−MAX": -MAX}.get(word) or int(word)


def cell_members(cell: str) -> dict[str, Shape]:
    """A §4 `data` cell (``\\|`` for ``|``) as member name -> normal form."""
    members = {}
    for part in _split(cell.replace("\\|", "|"), "; "):
        name, rest = re.fullmatch(r"`(\w+)`:? ?(.*)", part.strip(), re.DOTALL).groups()  # type: ignore[union-attr]
        members[name] = cell_shape(rest)
    return members


def cell_shape(text: str) -> Shape:
    """The normal form of the type at the start of ``text`` (prose after it ignored)."""
    text = text.strip()
    if (nullable := _split(text, " or `null`"))[1:]:
        return ("null-or", cell_shape(nullable[0]))
    if (m := re.match(r"\*(\w+)\*", text)) and m[1] in ALIASES:
        text = f"*{ALIASES[m[1]]}*"
    if m := re.match(r"\*int (−?MAX|\d+)\.\.(MAX|\d+)\*", text):
        return ("int", _bound(m[1]), _bound(m[2]))
    if m := re.match(r"\*string\* `(\^?)([^`]+?)(\$?)`", text):
        regex = SOURCE_PATTERN.pattern if m[2] == "PROJECT/ITEM" else m[2]
        return ("pattern", regex)
    if m := re.match(r"\*(\w+)\*", text):
        return (m[1],)
    if text.startswith("["):
        return ("array", cell_shape(text[1 : _closing(text)]))
    if text.startswith("{"):
        inner = text[1 : _closing(text)]
        if m := re.fullmatch(r"((?:`\w+`, )*`\w+`): (.*)", inner):
            shared = cell_shape(m[2])
            return ("object", tuple(sorted((n, shared) for n in re.findall(r"`(\w+)`", m[1]))))
        return ("object", tuple(sorted(cell_members(inner.replace(", `", "; `")).items())))
    if m := re.match(r"exactly `(\[.*?\])`", text):
        return ("exactly", tuple(json.loads(m[1])))
    if m := re.match(r"an object of at least (one|\d+) members?, (.*?) → (.*)", text):
        found = re.search(r"`\^(.+?)\$`", m[2])
        names = found[1] if found else ".+" if "a non-empty string" in m[2] else "?"
        value = re.search(r"\*[^*]+\*", m[3])
        least = 1 if m[1] == "one" else int(m[1])
        return ("map", names, least, cell_shape(value[0] if value else m[3]))
    if text.startswith("`"):
        values = [re.match(r"`([^`]+)`", v.strip()) for v in text.split("|")]
        return ("one of", frozenset(v[1] for v in values if v))
    raise AssertionError(f"FORMAT.md §4: no type at the start of {text!r}")


def _closing(text: str) -> int:
    """The index of the bracket closing ``text[0]``."""
    depth = 0
    for i, char in enumerate(text):
        depth += (char in OPEN) - (char in CLOSE)
        if depth == 0:
            return i
    raise AssertionError(f"unbalanced {text!r}")


def spec_shape(spec: Spec) -> Shape:
    """The normal form of what a verify/schema.py Spec accepts."""
    for name, named in NAMED.items():
        if spec is named:
            return (name,)
    if isinstance(spec, OrNull):
        return ("null-or", spec_shape(spec.spec))
    if isinstance(spec, Members):
        return ("object", tuple(sorted((n, spec_shape(s)) for n, s in spec.members.items())))
    if isinstance(spec, ArrayOf):
        return ("array", spec_shape(spec.item))
    if isinstance(spec, ObjectOf):
        return ("map", spec.names.pattern, spec.least, spec_shape(spec.value))
    if spec.regex is not None:
        return ("pattern", spec.regex.pattern)
    if m := re.fullmatch(r"an integer (-?\d+)\.\.(\d+)", spec.expected):
        return ("int", int(m[1]), int(m[2]))
    if spec.expected.startswith("one of "):
        values = set(spec.expected.removeprefix("one of ").split(", "))
        shape = ("one of", frozenset(values - {"null"}))
        return ("null-or", shape) if "null" in values else shape
    if spec.expected.startswith("exactly "):
        return ("exactly", tuple(ast.literal_eval(spec.expected.removeprefix("exactly "))))
    raise AssertionError(f"verify/schema.py: no normal form for {spec.expected!r}")
