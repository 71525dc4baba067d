"""A usage error of ``gongshi`` is Chinese like its other errors (review of issue 15, finding
22: "invalid int value: 'abc'"); ``GONGSHI_LANG=en`` keeps argparse's English. Exit status 2,
the usage line first, one error line naming the argument."""

from __future__ import annotations

import pytest

from api.cli import main
from api.cli_usage import usage_error_zh


def _error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("usage: gongshi")
    return err[-1]


@pytest.mark.parametrize(("argv", "line"), [
    (["serve", "--port", "abc"], "gongshi serve: 错误：参数 --port：应为整数，而不是 'abc'"),
    (["tokens", "create"], "gongshi tokens create: 错误：缺少必需的参数：--principal"),
    (["postings", "list", "pdf", "taihu", "2023"],
     "gongshi postings list: 错误：参数 KIND：无效的选择 'pdf'（可选：carefund、points）"),
    (["check", "--bogus"], "gongshi: 错误：无法识别的参数：--bogus"),
    (["erase", "abc"], "gongshi erase: 错误：参数 subject：应为编号（UUID），而不是 'abc'"),
])  # fmt: skip
def test_usage_errors_in_chinese(
    argv: list[str], line: str, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.delenv("GONGSHI_LANG", raising=False)
    assert _error(argv, capsys) == line


def test_english_with_gongshi_lang_en(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GONGSHI_LANG", "en")
    line = _error(["serve", "--port", "abc"], capsys)
    assert line == "gongshi serve: error: argument --port: invalid int value: 'abc'"


def test_a_sentence_the_table_does_not_know_is_kept() -> None:
    assert usage_error_zh("argument --x: something new") == "参数 --x：something new"
    three_thirteen = "invalid choice: 'x' (choose from a, b)"  # Python 3.13's choices
    assert usage_error_zh(three_thirteen) == "无效的选择 'x'（可选：a、b）"
