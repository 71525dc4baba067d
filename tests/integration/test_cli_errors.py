"""No tracebacks for expected failures (issue 15 item 6): a refused request, bad input or a
missing file is one line on stderr, ``gongshi CMD: 错误：…`` (``GONGSHI_LANG=en``:
``error:``), and exit status 2; Ctrl-C is one line and 130; an unexpected error (a bug) keeps
its traceback, adds a hint and exits 70."""

from __future__ import annotations

import io
import os
from contextlib import redirect_stderr, redirect_stdout
from unittest import mock

import pytest

from api.cli import main
from ledger.ledger import Ledger
from ledger.settings import Settings


def gongshi(settings: Settings, *args: str, lang: str | None = None) -> tuple[int, str, str]:
    env = {"GONGSHI_DATABASE_URL": settings.database.url, "GONGSHI_HOME": str(settings.home),
           "GONGSHI_VAULT_KEY": settings.vault_key_hex or ""}  # fmt: skip
    out, err = io.StringIO(), io.StringIO()
    with mock.patch.dict(os.environ, env), redirect_stdout(out), redirect_stderr(err):
        os.environ.pop("GONGSHI_LANG", None)
        os.environ.pop("GONGSHI_TOKEN", None)
        if lang is not None:
            os.environ["GONGSHI_LANG"] = lang
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def one_line(err: str) -> str:
    assert "Traceback" not in err
    (line,) = err.splitlines()
    return line


def test_a_bad_token_is_one_line(ledger: Ledger, settings: Settings) -> None:
    code, out, err = gongshi(settings, "carefund", "open-year", "2031", "--token", "bad")
    assert code == 2 and out == ""
    assert one_line(err).startswith("gongshi carefund open-year: 错误：")


def test_english_for_operators(ledger: Ledger, settings: Settings) -> None:
    code, _, err = gongshi(settings, "carefund", "open-year", "2031", "--token", "bad", lang="en")
    assert code == 2 and one_line(err).startswith("gongshi carefund open-year: error: ")


def test_a_fund_year_never_opened_is_one_line(ledger: Ledger, settings: Settings) -> None:
    """Named by the year the user gave (api/messages.py), not by the fund year's stream id."""
    code, out, err = gongshi(settings, "followups", "--year", "2031")
    assert code == 2 and out == ""
    assert one_line(err) == "gongshi followups: 错误：2031 年度基金未开立"
    _, _, err = gongshi(settings, "followups", "--year", "2031", lang="en")
    assert one_line(err) == "gongshi followups: error: fund year 2031 is not open"


def test_a_broken_rule_names_it(ledger: Ledger, settings: Settings) -> None:
    """The rule's sentence, its name and the domain's evidence, on one line."""
    _, token, _ = gongshi(settings, "tokens", "create", "--principal", "org-01")
    code, _, err = gongshi(settings, "carefund", "open-year", "2031", "--token", token.strip())
    line = one_line(err)
    assert code == 2 and line.startswith("gongshi carefund open-year: 错误：")
    assert "（role: " in line and "finance" in line


def test_a_missing_file_names_it(ledger: Ledger, settings: Settings) -> None:
    """An OSError the user can fix (a file not there, a directory not writable)."""
    gone = PermissionError(13, "Permission denied", "/srv/bundle")
    with mock.patch("api.cli_due.CareFund.follow_ups_due", side_effect=gone):
        code, _, err = gongshi(settings, "followups", "--year", "2023")
    assert code == 2 and one_line(err) == "gongshi followups: 错误：/srv/bundle: 没有权限"


def test_ctrl_c_is_one_line(ledger: Ledger, settings: Settings) -> None:
    with mock.patch("api.cli_due.CareFund.follow_ups_due", side_effect=KeyboardInterrupt):
        code, _, err = gongshi(settings, "followups", "--year", "2023")
    assert code == 130 and "已中断" in one_line(err.strip())


def test_an_unexpected_error_keeps_its_traceback_and_hints(
    ledger: Ledger, settings: Settings
) -> None:
    with mock.patch("api.cli_due.CareFund.follow_ups_due", side_effect=RuntimeError("boom")):
        code, _, err = gongshi(settings, "followups", "--year", "2023", lang="en")
    lines = err.splitlines()
    assert code == 70 and lines[0].startswith("Traceback") and "RuntimeError: boom" in err
    assert lines[-1].startswith("gongshi: internal error (a bug): please report the traceback")


@pytest.mark.parametrize(
    "args",
    [["overdue", "--today", "2023-13-01"], ["erase", "not-a-uuid", "--reason", "x"]],
    ids=["a bad date", "a bad UUID"],
)
def test_bad_input_is_a_usage_error(
    ledger: Ledger, settings: Settings, args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """argparse checks the value before anything runs: its usage line and exit status 2, the
    message in Chinese (GONGSHI_LANG=en: argparse's English)."""
    for lang, start in (("zh", f"gongshi {args[0]}: 错误：参数 "),
                        ("en", f"gongshi {args[0]}: error: argument ")):  # fmt: skip
        with mock.patch.dict(os.environ, {"GONGSHI_LANG": lang}), pytest.raises(SystemExit) as done:
            main(args)
        err = capsys.readouterr().err
        assert done.value.code == 2 and "Traceback" not in err
        assert err.splitlines()[-1].startswith(start), err
