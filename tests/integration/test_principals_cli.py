"""``gongshi principals`` and tokens through the CLI: the first admin enrols itself once, a
token is issued only for an enrolled principal and carries its registry role, every other
registry command and ``erase`` act only with a token (issue 13 item 12)."""

from __future__ import annotations

import io
import os
from contextlib import redirect_stderr, redirect_stdout
from unittest import mock

import pytest

from api.cli import main
from ledger.settings import Settings

SUBJECT = "7d0c8c6e-6d5e-4d8e-9a43-2f0f8f9c1a11"


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
    assert code == 2 and "principal root" in err  # never enrolled: no token
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
    assert code == 0 and out.startswith("0 overdue key-project items escalated"), err
