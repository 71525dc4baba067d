"""``gongshi principals`` and tokens through the CLI: the first admin enrols itself once, a
token is issued only for an enrolled principal and carries its registry role, every other
registry command and ``erase`` act only with a token (issue 13 item 12)."""

from __future__ import annotations

import io
import os
import re
import shlex
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from unittest import mock

import pytest

from api.cli import main
from ledger.ledger import Ledger
from ledger.settings import Settings
from tests.support.principals import enrol

SUBJECT = "7d0c8c6e-6d5e-4d8e-9a43-2f0f8f9c1a11"
README = Path(__file__).resolve().parents[2] / "README.md"


def gongshi(settings: Settings, *args: str, token: str | None = None) -> tuple[int, str, str]:
    env = {"GONGSHI_DATABASE_URL": settings.database.url, "GONGSHI_HOME": str(settings.home),
           "GONGSHI_VAULT_KEY": settings.vault_key_hex or ""}  # fmt: skip
    out, err = io.StringIO(), io.StringIO()
    with mock.patch.dict(os.environ, env), redirect_stdout(out), redirect_stderr(err):
        os.environ.pop("GONGSHI_TOKEN", None)
        if token is not None:
            os.environ["GONGSHI_TOKEN"] = token
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


@pytest.mark.registry("empty")
def test_bootstrap_tokens_and_commands_that_act_only_with_a_token(
    ledger: object, settings: Settings
) -> None:
    code, _, err = gongshi(settings, "tokens", "create", "--principal", "root")
    assert code == 2 and "账户 root 未登记" in err  # never enrolled: no token
    code, _, err = gongshi(settings, "principals", "enrol", "--account", "x-01", "--role", "intake")
    assert code == 2 and "first admin" in err
    code, out, _ = gongshi(settings, "principals", "enrol", "--account", "root", "--role", "admin")
    assert code == 0 and "bootstrap" in out
    code, _, err = gongshi(settings, "principals", "enrol", "--account", "r2", "--role", "admin")
    assert code == 2 and "--token" in err  # the registry has started: an admin's token
    code, admin, _ = gongshi(settings, "tokens", "create", "--principal", "root")
    assert code == 0
    code, _, _ = gongshi(settings, "principals", "enrol", "--account", "vc-09", "--role",
                         "village_committee", "--county", "taihu", "--township", "th01",
                         "--village", "晋熙镇09村", token=admin.strip())  # fmt: skip
    assert code == 0
    code, listed, _ = gongshi(settings, "principals", "list")
    assert "vc-09" in listed and "village_committee" in listed and "晋熙镇09村" in listed
    code, vc, _ = gongshi(settings, "tokens", "create", "--principal", "vc-09")
    code, _, err = gongshi(settings, "principals", "enrol", "--account", "y-01", "--role",
                           "intake", token=vc.strip())  # fmt: skip
    assert code == 2 and "role" in err  # only an admin enrols
    code, out, _ = gongshi(settings, "principals", "change-role", "--account", "vc-09", "--role",
                           "audit", "--reason", "调任", token=admin.strip())  # fmt: skip
    assert code == 0 and "1 token(s) revoked" in out
    code, _, err = gongshi(settings, "erase", SUBJECT, "--reason", "r")
    assert code == 2 and "--token" in err  # the CLI acts as a principal only with a token


def test_no_token_for_a_system_account_and_escalate_acts_only_with_a_supervisors(
    ledger: object, settings: Settings
) -> None:
    """``gongshi tokens create`` refuses a system account (principal.system: the server's own
    job acts as it); ``gongshi escalate`` acts as the token's supervision principal, never
    as the system account without one (issue 13 item 12)."""
    code, out, err = gongshi(settings, "tokens", "create", "--principal", "policy-keyproject")
    assert code == 2 and out == "" and "principal.system" in err and "system account" in err
    code, _, err = gongshi(settings, "escalate")
    assert code == 2 and "--token" in err
    _, intake, _ = gongshi(settings, "tokens", "create", "--principal", "intake-01")
    code, _, err = gongshi(settings, "escalate", token=intake.strip())
    assert code == 2 and "supervision" in err
    _, supervisor, _ = gongshi(settings, "tokens", "create", "--principal", "supervision-01")
    code, out, err = gongshi(settings, "escalate", token=supervisor.strip())
    assert code == 0 and "逾期重点项目事项升级为挂牌督办 0 项" in out, err


def readme_registry_commands() -> list[tuple[str | None, list[str]]]:
    """The registry and token commands of the README's step-by-step script, in order: the
    variable each sets (``ADMIN=$(gongshi tokens create ...)``) and its arguments."""
    section = README.read_text().split("## Daily use: the trust loop, step by step", 1)[1]
    script = section.split("```sh", 1)[1].split("```", 1)[0].replace("\\\n", " ")
    found = []
    for line in script.splitlines():
        command = re.fullmatch(
            r"(?:(\w+)=\$\()?gongshi ((?:principals|tokens) [^)#]*)\)?", line.split("#")[0].strip()
        )
        if command:
            found.append((command[1], shlex.split(command[2])))
    return found


@pytest.mark.registry("empty")
def test_the_readme_scripts_registry_commands_run_after_the_demo(
    ledger: Ledger, settings: Settings
) -> None:
    """The README's script runs ``gongshi demo`` first, whose admin ``demo-admin`` starts the
    registry: its enrolments take that admin's token (a bootstrap of a started registry, as
    the script once had, is refused)."""
    enrol(ledger)  # the registry as the demo starts it: demo-admin, by itself
    commands = readme_registry_commands()
    assert len(commands) >= 5, commands
    tokens: dict[str, str] = {}
    for variable, args in commands:
        code, out, err = gongshi(settings, *(tokens.get(a, a) for a in args))
        assert code == 0, f"gongshi {shlex.join(args)}: {err}"
        if variable:
            tokens[f"${variable}"] = out.strip()
    _, listed, _ = gongshi(settings, "principals", "list")
    assert re.search(r"party-01 +industry_party_committee +industry food_delivery", listed)
