"""The published files (docs/FORMAT.md §8): reading them, comparing them with the lists
recomputed by verify/lists.py, and checking a bundle's while its records stream by once."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import tzinfo
from pathlib import Path
from typing import Any

from verify.canonical import CanonicalError, canonical_bytes, parse_canonical
from verify.lists import (
    _ABSENT,
    COMPOUND_SURNAMES,
    ERASED,
    FORMAT,
    HEADER_KEYS,
    VAULT,
    WHITE_SPACE,
    Lists,
    Row,
    recompute,
)  # fmt: skip
from verify.params import DEFAULTS, ParamError, check_params
from verify.record import Record

__all__ = [
    "DEFAULTS", "ERASED", "VAULT", "Lists", "PublishedCheck", "Row", "compare", "digest",
    "masked_name_shape", "read_published", "recompute",
]  # fmt: skip


def digest(lines: Iterable[bytes]) -> str:
    """§8's digest of canonical row lines (each given without its LF)."""
    return hashlib.sha256(b"".join(line + b"\n" for line in lines)).hexdigest()


def read_published(path: Path) -> tuple[Row, list[Row], list[str]]:
    """A published file's header, its well-formed rows, and every problem with its evidence."""
    where, rows, problems = f"published/{path.name}", [], []
    try:
        data = path.read_bytes()
    except OSError as e:
        return {}, [], [f"{where}: unreadable ({e})"]
    if not data.endswith(b"\n"):
        problems.append(f"{where}: empty or no LF after the last line")
    lines = data.removesuffix(b"\n").split(b"\n")
    values: list[Any] = []
    for number, line in enumerate(lines, start=1):
        try:
            values.append(parse_canonical(line))
        except CanonicalError as e:
            problems.append(f"{where} line {number}: not canonical JSON ({e})")
            values.append(_ABSENT)
    header = values[0] if isinstance(values[0], dict) else {}
    for member, how, value in [
        ("format", "this verifier reads", FORMAT),
        ("list", "the file's name says", path.stem),
        ("rows", "the file has", len(lines) - 1),
        ("digest", "computed", digest(lines[1:])),
    ]:
        if header.get(member) != value:
            problems.append(f"{where}: header {member} {header.get(member)!r}, {how} {value!r}")
    if header.keys() != HEADER_KEYS:
        problems.append(
            f"{where} line 1: header members {sorted(header)}, not {sorted(HEADER_KEYS)}"
        )
    previous = None
    for number, value in enumerate(values[1:], start=2):
        if value is _ABSENT:
            continue
        key = value.get("key") if isinstance(value, dict) else None
        if not isinstance(key, str) or not key.isascii():
            problems.append(f"{where} line {number}: a row needs an ASCII string key")
            continue
        if previous is not None and key.encode() <= previous.encode():
            problems.append(f"{where} line {number}: key {key} after {previous} (not ascending)")
        previous = key
        rows.append(value)
    return header, rows, problems


def _show(value: Any) -> str:
    text = "(absent)" if value is _ABSENT else canonical_bytes(value).decode()
    return text if len(text) <= 200 else text[:200] + "…"


def masked_name_shape(value: str) -> bool:
    """What a masked name (§8) can be without the name: one character other than white space
    and ``*``, or a compound surname, then ``*``."""
    surname = value[:-1]
    one = len(surname) == 1 and surname != "*" and surname not in WHITE_SPACE
    return value.endswith("*") and (one or surname in COMPOUND_SURNAMES)


def _differs(member: str, published: Any, recomputed: Any) -> str | None:
    if recomputed == VAULT:  # 已删除 is allowed too: erased after the list's tree size
        if not isinstance(published, str) or not published:
            return f"published {_show(published)}, recomputed a name (the subject is not erased)"
        if member == "masked_name" and published != ERASED and not masked_name_shape(published):
            return f"published {_show(published)}, recomputed a masked name (a surname, then *)"
        return None
    if _ABSENT in (published, recomputed) or canonical_bytes(published) != canonical_bytes(
        recomputed
    ):
        return f"published {_show(published)}, recomputed {_show(recomputed)}"
    return None


def compare(where: str, published: list[Row], recomputed: list[Row]) -> list[str]:
    """Name every row missing, extra or different (member, published and recomputed value)."""
    theirs = {row["key"]: row for row in published}
    ours = {row["key"]: row for row in recomputed}
    problems = []
    for key in sorted(theirs.keys() | ours.keys()):
        if key not in theirs:
            problems.append(f"{where} row {key}: missing (recomputed {_show(ours[key])})")
        elif key not in ours:
            problems.append(f"{where} row {key}: extra (not recomputed from the records)")
        else:
            for member in sorted(theirs[key].keys() | ours[key].keys()):
                value, mine = theirs[key].get(member, _ABSENT), ours[key].get(member, _ABSENT)
                if found := _differs(member, value, mine):
                    problems.append(f"{where} row {key}: member {member} {found}")
    return problems


def _header_problem(name: str, params: Any, size: Any, bundle_size: int) -> str | None:
    """What is wrong with a header's list name, params (§8: every param, within its bounds)
    and tree size, or None."""
    if not isinstance(params, dict):
        return f"header params {_show(params)}, expected an object"
    try:
        check_params(name, params, complete=True)
    except ParamError as e:
        return f"header {e}"
    if type(size) is not int or not 0 <= size <= bundle_size:
        return f"tree_size {size!r} beyond the bundle's size {bundle_size}"
    return None


class PublishedCheck:
    """A bundle's ``published/*.jsonl``, recomputed while records.jsonl is streamed once."""

    def __init__(
        self, directory: Path, bundle_size: int, fail: Callable[[str], None],
        zone: tzinfo | None = None,
    ) -> None:  # fmt: skip
        self.fail, self.lists, self.rows, self.fold = fail, 0, 0, Lists(zone)
        self.due: dict[int, list[tuple[str, str, Row, list[Row]]]] = {}
        for path in sorted(directory.glob("*.jsonl")):
            header, rows, problems = read_published(path)
            where, name = f"published/{path.name}", str(header.get("list"))
            params: Any = header.get("params")
            size: Any = header.get("tree_size")
            if problem := _header_problem(name, params, size, bundle_size):
                problems.append(f"{where}: {problem}")
            else:
                self.due.setdefault(size, []).append((where, name, params, rows))
            for problem in problems:
                fail(problem)
        self._reach(0)

    def add(self, index: int, record: Record | None) -> None:
        if self.due:
            self.fold.add(index, record)
            self._reach(index + 1)

    def _reach(self, size: int) -> None:
        for where, name, params, published in self.due.pop(size, []):
            try:
                recomputed = self.fold.rows(name, params)
            except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as e:
                self.fail(f"{where}: can't recompute at size {size} ({type(e).__name__}: {e})")
                continue
            for problem in compare(where, published, recomputed):
                self.fail(problem)
            self.lists, self.rows = self.lists + 1, self.rows + len(published)

    def finish(self, records: int) -> None:
        for problem in self.fold.problems:
            self.fail(problem)
        for size, due in sorted(self.due.items()):
            for where, *_ in due:
                self.fail(f"{where}: tree_size {size} is beyond the {records} records.jsonl lines")
