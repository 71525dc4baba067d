"""The help of ``gongshi`` and ``gongshi-verify`` explains itself (issue 15 item 6): no source
file names anywhere in the tree of subcommands, defaults shown, ``--version`` on both, and
``--json`` on every command that prints a result."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from api.cli import build_parser as gongshi_parser
from api.cli_output import package_version
from verify.cli import build_parser as verify_parser

ROOT = Path(__file__).resolve().parents[2]
SOURCE = re.compile(  # a module (x.py) or a package path; not a URL's /api/v1/ or a config dir's
    r"\w+\.py\b|(?<![\w/.-])(api|ledger|projections|verify|tests)/(?!v1/)\w+"
)
JSON_COMMANDS = [
    "check", "projections status", "overdue", "followups", "tokens list", "log status",
    "principals list", "rebuild", "postings list", "import", "export-list",
]  # fmt: skip
VERIFY_JSON = ["bundle", "proof", "consistency"]


def walk(
    parser: argparse.ArgumentParser, path: str = ""
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Every parser of the tree with its command path ("" for the top, "log status")."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from walk(child, f"{path} {name}".strip())


def commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    return dict(walk(parser))


@pytest.mark.parametrize("build", [gongshi_parser, verify_parser], ids=["gongshi", "verify"])
def test_no_help_names_a_source_file(build: Callable[[], argparse.ArgumentParser]) -> None:
    for path, parser in commands(build()).items():
        text = parser.format_help()
        found = SOURCE.search(text)
        assert found is None, f"'{path} --help' names {found.group(0)!r}"


def test_defaults_are_shown() -> None:
    tree = commands(gongshi_parser())
    assert "(default: 20000)" in " ".join(tree["rebuild"].format_help().split())
    serve = " ".join(tree["serve"].format_help().split())
    assert "(default: 8000)" in serve and "(default: 127.0.0.1)" in serve
    keygen = " ".join(commands(verify_parser())["witness keygen"].format_help().split())
    assert "(default: mldsa44)" in keygen


@pytest.mark.parametrize("build", [gongshi_parser, verify_parser], ids=["gongshi", "verify"])
def test_no_default_of_none_or_false_is_shown(
    build: Callable[[], argparse.ArgumentParser],
) -> None:
    """A flag (False) or an optional value (None, as ``rebuild NAME``) says nothing."""
    for path, parser in commands(build()).items():
        text = " ".join(parser.format_help().split())
        assert "default: None" not in text and "default: False" not in text, path


@pytest.mark.parametrize("name", JSON_COMMANDS)
def test_commands_that_print_a_result_take_json(name: str) -> None:
    parser = commands(gongshi_parser())[name]
    (flag,) = [a for a in parser._actions if "--json" in a.option_strings]
    assert flag.help is not None and "with the keys " in flag.help


@pytest.mark.parametrize("name", VERIFY_JSON)
def test_verify_results_take_json(name: str) -> None:
    parser = commands(verify_parser())[name]
    (flag,) = [a for a in parser._actions if "--json" in a.option_strings]
    assert flag.help is not None and "result, anchored" in flag.help


@pytest.mark.parametrize("module,prog", [("api.cli", "gongshi"), ("verify", "gongshi-verify")])
def test_version(module: str, prog: str) -> None:
    done = subprocess.run([sys.executable, "-m", module, "--version"], capture_output=True,
                          text=True, cwd=ROOT, timeout=60)  # fmt: skip
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout == f"{prog} {package_version()}\n"
    assert package_version() != "unknown"  # installed (pip install -e .)
