"""The README's command tables and settings table are the commands and settings that exist
(issue 15 item 9): every leaf command of ``gongshi --help`` and ``gongshi-verify --help``,
found recursively through the subcommands, has exactly one row whose first cell is its usage
with every option it takes, and no row names a command or an option that does not exist; the
Configuration table names every GONGSHI_* setting the code reads and no other."""

from __future__ import annotations

import argparse
import ast
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from api.cli import build_parser as gongshi_parser
from api.settings import ServerSettings
from verify.cli import build_parser as verify_parser

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PACKAGES = ("api", "ledger", "projections", "verify")
# names the code hands to eventsourcing's own environment, never read from the user's
INTERNAL = {"GONGSHI_POSTGRES_PARAMS", "GONGSHI_SQLITE_POOL_TIMEOUT", "GONGSHI_SQLITE_DBNAME"}
WORD = re.compile(r"[a-z][a-z0-9-]*")
OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


def leaves(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every command without subcommands, with its path (``("log", "status")``)."""
    groups = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not groups:
        yield path, parser
    for group in groups:
        for name, child in group.choices.items():
            yield from leaves(child, (*path, name))


def options(parser: argparse.ArgumentParser) -> set[str]:
    """The long options a command takes, without --help and hidden ones."""
    return {
        o for a in parser._actions if a.help != argparse.SUPPRESS for o in a.option_strings
        if o.startswith("--") and o != "--help"
    }  # fmt: skip


def rows(program: str) -> dict[tuple[str, ...], list[str]]:
    """The README's table rows whose first cell is a usage of ``program``: its command path
    -> the first cells that document it."""
    found: dict[tuple[str, ...], list[str]] = {}
    for line in README.splitlines():
        if not line.startswith("| `"):
            continue
        cell = line.split(" | ", 1)[0][2:]
        usage = cell.strip("`").split("`", 1)[0].replace("\\|", "|")
        words = usage.split()
        if not words or words[0] != program:
            continue
        path = tuple(w for w in _while(words[1:], WORD.fullmatch))
        found.setdefault(path, []).append(cell)
    return found


def _while(words: list[str], ok: Callable[[str], object]) -> Iterator[str]:
    for word in words:
        if not ok(word):
            return
        yield word


@pytest.mark.parametrize(
    "program,build", [("gongshi", gongshi_parser), ("gongshi-verify", verify_parser)]
)
def test_the_command_table_is_the_commands(
    program: str, build: Callable[[], argparse.ArgumentParser]
) -> None:
    commands = dict(leaves(build()))
    documented = rows(program)
    missing = sorted(" ".join(p) for p in set(commands) - set(documented))
    extra = sorted(" ".join(p) for p in set(documented) - set(commands))
    assert (missing, extra) == ([], []), f"README rows missing: {missing}; no such command: {extra}"
    twice = sorted(" ".join(p) for p, cells in documented.items() if len(cells) > 1)
    assert twice == [], f"documented twice: {twice}"
    for path, parser in commands.items():
        (cell,) = documented[path]
        named = set(OPTION.findall(cell))
        wanted = options(parser)
        assert named == wanted, (
            f"{program} {' '.join(path)}: README lacks {sorted(wanted - named)},"
            f" names no such option {sorted(named - wanted)}"
        )


def code_settings() -> set[str]:
    """Every GONGSHI_* name the four packages read: the server's settings class (pydantic,
    prefix GONGSHI_) and each exact string literal GONGSHI_X in the code (ledger/settings.py's
    loader, GONGSHI_LANG, GONGSHI_LOG_LEVEL, GONGSHI_TOKEN, GONGSHI_VERIFY_POLICY, …)."""
    names = {"GONGSHI_" + field.upper() for field in ServerSettings.model_fields}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                literal = isinstance(node, ast.Constant) and isinstance(node.value, str)
                if literal and re.fullmatch(r"GONGSHI_[A-Z][A-Z_]*", node.value):
                    names.add(node.value)
    return names - INTERNAL


def readme_settings() -> set[str]:
    table = README.split("\n## Configuration\n", 1)[1].split("\n#", 1)[0]
    return {m for m in re.findall(r"^\| `(GONGSHI_[A-Z_]+)` \|", table, re.MULTILINE)}


def test_the_settings_table_is_the_settings() -> None:
    code, documented = code_settings(), readme_settings()
    assert (sorted(code - documented), sorted(documented - code)) == ([], [])


def test_no_stale_text() -> None:
    assert "come with issue" not in README
