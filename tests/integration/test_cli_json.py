"""``--json`` on every ``gongshi`` command that prints a result (issue 15 item 6): one JSON
object on stdout, nothing on stderr when stderr is not a terminal, and exactly the keys its
help names (top level and the rows' keys in parentheses), so a script can rely on them."""

from __future__ import annotations

import io
import json
import os
import re
from contextlib import redirect_stderr, redirect_stdout
from datetime import UTC, date, datetime
from typing import Any
from unittest import mock

import pytest

from api.cli import build_parser, main
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.log.keys import create_log_key
from ledger.settings import Settings
from ledger.supervision.case import Reason, TargetKind
from ledger.supervision.service import Supervision
from tests.integration.helpers import SUPERVISION, disbursed, funded
from tests.integration.store_access import rows, update


def gongshi(settings: Settings, *args: str) -> tuple[int, str, str]:
    env = {"GONGSHI_DATABASE_URL": settings.database.url, "GONGSHI_HOME": str(settings.home),
           "GONGSHI_VAULT_KEY": settings.vault_key_hex or ""}  # fmt: skip
    out, err = io.StringIO(), io.StringIO()
    with mock.patch.dict(os.environ, env), redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def documented(command: list[str]) -> dict[str, set[str]]:
    """The keys ``--json``'s help names: {"": top-level keys, KEY: the keys of KEY's rows}."""
    parser: Any = build_parser()
    for name in command:
        parser = next(
            a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"
        ).choices[name]
    (flag,) = [a for a in parser._actions if "--json" in a.option_strings]
    text = " ".join(flag.help.split()).split("with the keys ", 1)[1]
    keys: dict[str, set[str]] = {"": set()}
    for name, inner in re.findall(r"(\w+)(?: \(([^)]*)\))?", text):
        keys[""].add(name)
        if inner:
            keys[name] = {k.strip() for k in inner.split(",")}
    return keys


def assert_keys(value: dict[str, Any], keys: dict[str, set[str]]) -> None:
    assert set(value) == keys[""]
    for name, inner in keys.items():
        if not name:
            continue
        rows = value[name]
        rows = rows if isinstance(rows, list) else [rows] if rows is not None else []
        for row in rows:
            assert set(row) == inner, name


COMMANDS = [
    ["check"],
    ["projections", "status"],
    ["rebuild", "--all"],
    ["overdue", "--today", "2024-03-01"],
    ["followups", "--year", "2023", "--today", "2099-01-01"],
    ["tokens", "list"],
    ["principals", "list"],
    ["log", "status"],
]


@pytest.fixture
def filled(ledger: Ledger, settings: Settings, clock: SteppingClock) -> Settings:
    """A grant paid in 2023 (its return visit due), a supervision case listed until 29 February
    2024, a token, the log's key: a row for every list a command prints."""
    disbursed(funded(ledger))
    clock.set(datetime(2024, 1, 10, 9, 0, tzinfo=UTC))
    sup = Supervision(ledger)
    cadre = ledger.register_subject({"name": "钱七"}, "cadre", SUPERVISION)
    case = sup.open_case(
        target_kind=TargetKind.CADRE, target=str(cadre), reason=Reason.COMPLAINT,
        detail="群众投诉：工作推进迟缓", county="taihu", actor=SUPERVISION,
    )  # fmt: skip
    sup.list_case(case, date(2024, 2, 29), "挂牌", SUPERVISION)
    create_log_key(settings.log_skey_path, settings.log_vkey_path, settings.origin)
    assert gongshi(settings, "keys", "init", "--witness", "audit")[0] == 0  # and a policy
    assert gongshi(settings, "checkpoint")[0] == 0
    assert gongshi(settings, "tokens", "create", "--principal", "org-01")[0] == 0
    return settings


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_json_output_parses_and_has_the_documented_keys(
    filled: Settings, command: list[str]
) -> None:
    code, out, err = gongshi(filled, *command, "--json")
    assert code == 0, err
    assert err == ""  # stderr is not a terminal: no progress
    (line,) = out.splitlines()  # one object, one line
    value = json.loads(line)
    words = [w for w in command if w[0].isalpha()][:2]
    words = words if words[0] in ("projections", "tokens", "principals", "log") else words[:1]
    keys = documented(words)
    assert_keys(value, keys)
    rows = [k for k in keys if k and k not in ("breaks", "witnessed")]  # a sound store's
    assert all(value[k] for k in rows), f"{command}: no rows to check the rows' keys"


def test_followups_json_counts_the_days_late(filled: Settings) -> None:
    code, out, _ = gongshi(filled, "followups", "--year", "2023", "--today", "2099-01-01",
                           "--json")  # fmt: skip
    value = json.loads(out)
    assert code == 0 and value["year"] == 2023 and value["today"] == "2099-01-01"
    (grant,) = value["grants"]
    due = date.fromisoformat(grant["due_on"])
    assert grant["visit"] == 1 and grant["days_late"] == (date(2099, 1, 1) - due).days


def test_check_json_says_broken(filled: Settings) -> None:
    """A tampered record: ok false, the break with its evidence, exit status 1."""
    nid, _, _, _, state = rows(filled.database)[-1]
    update(filled.database, nid, state=state.replace(b"1", b"2", 1))
    code, out, _ = gongshi(filled, "check", "--json")
    value = json.loads(out)
    assert code == 1 and value["ok"] is False and value["breaks"]
    assert_keys(value, documented(["check"]))
