"""How every ``gongshi`` command talks to its user: the parser class (help with defaults,
``--version``), ``--json`` output with stable keys, and progress on stderr.

Conventions (helpers adding subcommands follow them):
- a command that prints a result takes ``--json`` (``add_json_flag``, naming the keys in its
  help) and then prints exactly one JSON object on stdout (``print_json``);
- progress goes to stderr, and only when stderr is a terminal (``progress``): a script or a
  pipe sees the result alone;
- help texts name no source files; an option with a default shows it (``HelpFormatter``);
- what a clerk reads is Chinese, English with ``GONGSHI_LANG=en`` (``say``); the keys of
  ``--json`` and the codes stay English.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from typing import Any, NoReturn

from api.messages import language

Update = Callable[[int, int], None]  # (done, total)


def say(zh: str, en: str) -> str:
    """A result line in the user's language: Chinese, or English with ``GONGSHI_LANG=en``."""
    return en if language() == "en" else zh


def package_version() -> str:
    """The installed distribution's version (``pip install -e .`` records it)."""
    try:
        return version("gongshi")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions as written (their line breaks kept); every option that has a default
    other than None or False says ``(default: …)``, unless its help already names it."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if (
            "default" in text
            or default in (None, False, argparse.SUPPRESS)
            or isinstance(default, list | tuple)
            or action.nargs == 0
        ):
            return text
        return f"{text} (default: %(default)s)" if text else "(default: %(default)s)"


class Parser(argparse.ArgumentParser):
    """An ArgumentParser with ``HelpFormatter``; ``add_subparsers`` makes its subcommands of
    the same class, so the whole tree formats its help alike."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        """A usage error: the usage, then ``PROG: 错误：…`` in Chinese (api/cli_usage.py), or
        argparse's English with ``GONGSHI_LANG=en``; exit status 2."""
        if language() == "en":
            super().error(message)
        from api.cli_usage import usage_error_zh

        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: 错误：{usage_error_zh(message)}\n")


def add_version(parser: argparse.ArgumentParser, prog: str) -> None:
    parser.add_argument(
        "--version", action="version", version=f"{prog} {package_version()}",
        help="print the version and exit",
    )  # fmt: skip


def add_json_flag(parser: argparse.ArgumentParser, keys: str) -> None:
    """``--json``: one JSON object on stdout instead of the text; ``keys`` documents its
    stable keys (shown in the command's help)."""
    parser.add_argument(
        "--json", action="store_true", help=f"print one JSON object with the keys {keys}"
    )


def print_json(value: Any) -> None:
    """One JSON object on one line, UTF-8 text as is, keys in a stable order."""
    print(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str))


def wants_json(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "json", False))


@contextmanager
def progress(label: str, unit: str = "records") -> Iterator[Update]:
    """A progress bar on stderr while the block runs, if stderr is a terminal; else the
    update function does nothing. ``update(done, total)``; a total of 0 shows a counter."""
    if not sys.stderr.isatty():
        yield _silent
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn(unit), TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or None)

        yield update


def _silent(done: int, total: int) -> None:
    return None
