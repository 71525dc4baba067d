"""Every ``gongshi …`` command that the OpenAPI document quotes exists (review of issue 15,
finding 12: the Bearer scheme's description named ``gongshi tokens issue ACCOUNT``; the
command is ``gongshi tokens create --principal ACCOUNT``). The strings of the whole document
(introduction, tags, operations, parameters, schemas, the security scheme) and of the message
catalog are searched; each quote is followed down the ``gongshi`` (or ``gongshi-verify``)
parser's subcommands, and each ``--flag`` after it must be an option of the command reached."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from typing import Any

from fastapi.testclient import TestClient

from api.cli import build_parser as gongshi_parser
from api.messages import CATALOG
from verify.cli import build_parser as verify_parser

QUOTE = re.compile(r"\b(gongshi(?:-verify)?)((?: +[A-Za-z0-9_.:/-]+)*)")
PARSERS = {"gongshi": gongshi_parser(), "gongshi-verify": verify_parser()}


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from strings(key)
            yield from strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser] | None:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return None


def problem(quote: str) -> str | None:
    """Why ``quote`` (``gongshi tokens create --principal X``) names no command, or None."""
    program, *words = quote.split()
    parser, path = PARSERS[program], [program]
    for i, word in enumerate(words):
        choices = _subcommands(parser)
        if choices is None or word.startswith("-"):
            flags = {o for a in parser._actions for o in a.option_strings}
            unknown = [w.split("=")[0] for w in words[i:] if w.startswith("--")]
            wrong = [w for w in unknown if w not in flags]
            return f"{' '.join(path)} has no option {wrong}" if wrong else None
        if word not in choices:
            return f"{' '.join(path)} has no subcommand {word!r} (has {sorted(choices)})"
        parser, path = choices[word], [*path, word]
    return None


def quotes(texts: Iterator[str]) -> list[str]:
    return [" ".join(m.group(0).split()) for text in texts for m in QUOTE.finditer(text)]


def test_every_command_the_openapi_document_quotes_exists(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    found = quotes(strings(document))
    assert "gongshi tokens create --principal" in " | ".join(found)  # the Bearer scheme's
    wrong = {q: why for q in found if (why := problem(q)) is not None}
    assert wrong == {}, wrong


def test_every_command_a_message_quotes_exists() -> None:
    found = quotes(text for pair in CATALOG.values() for text in pair)
    assert found, "the catalog names gongshi principals enrol"
    wrong = {q: why for q in found if (why := problem(q)) is not None}
    assert wrong == {}, wrong


def test_a_wrong_command_is_found() -> None:
    assert problem("gongshi tokens issue ACCOUNT") is not None
    assert problem("gongshi tokens create --principal") is None
    assert problem("gongshi tokens create --account x") is not None
    assert problem("gongshi frobnicate") is not None
    assert problem("gongshi-verify bundle DIR") is None
