"""What ``gongshi`` prints when a command fails: one line and a non-zero exit status for an
expected failure (a refused request, bad input, a missing file, configuration), the
traceback and a hint for an unexpected one (a bug to report).

The line is ``gongshi CMD: 错误：WHAT`` (``GONGSHI_LANG=en``: ``gongshi CMD: error: WHAT``);
WHAT is the API's sentence for the error's code (api/messages.py: a broken rule, a resource
not found by the natural key the user gave, a refused token), else the error's own message."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from api.messages import language, message
from api.tokens import TokenError
from ledger.errors import LedgerError, NotFound, RuleViolation
from ledger.settings import ConfigError

EXIT_REFUSED = 2  # a refused request, bad input or configuration
EXIT_BUG = 70  # EX_SOFTWARE (sysexits.h): an internal error
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports Ctrl-C

TEXT = {
    "zh": {
        "error": "错误：",
        "interrupted": "已中断（Ctrl-C）；已提交的记录保留，未完成的步骤未写入",
        "bug": "内部错误（程序缺陷）：请将上面的回溯信息报告给维护者；数据未受影响的部分可用"
        " 'gongshi check' 核验",
        "no_such_file": "文件或目录不存在",
        "denied": "没有权限",
    },
    "en": {
        "error": "error: ",
        "interrupted": "interrupted (Ctrl-C); records already committed stay, the unfinished"
        " step wrote nothing",
        "bug": "internal error (a bug): please report the traceback above to the maintainers;"
        " 'gongshi check' verifies the stored records",
        "no_such_file": "no such file or directory",
        "denied": "permission denied",
    },
}


def text(key: str) -> str:
    """The CLI's own sentence ``key`` in ``GONGSHI_LANG`` (api/messages.py's ``language``)."""
    return TEXT[language()][key]


def expected(e: BaseException) -> bool:
    """A failure the user can fix from its message: no traceback."""
    return isinstance(e, ConfigError | LedgerError | ValueError | OSError)


def describe(e: BaseException) -> str:
    """The error's message in the user's language: the API's sentence for its code (a broken
    rule with its name and the domain's evidence, a resource not found by the key the user
    gave, a refused token), an OSError's file and what went wrong, else its own text."""
    if isinstance(e, RuleViolation):
        return _with_evidence(message("rule." + e.rule), f"{e.rule}: {e.message}")
    if isinstance(e, NotFound):
        from api.problems import not_found_code

        code, fields = not_found_code(e)
        sentence = message(code, **fields)
        return str(e) if "{" in sentence else sentence  # its key named: no need of the id
    if isinstance(e, TokenError):
        given: dict[str, Any] = dict(e.fields)
        return _with_evidence(message(e.code, **given), str(e))
    if isinstance(e, FileNotFoundError | PermissionError) and e.filename is not None:
        what = text("no_such_file") if isinstance(e, FileNotFoundError) else text("denied")
        return f"{e.filename}: {what}"
    if isinstance(e, OSError) and e.strerror:
        return f"{e.filename}: {e.strerror}" if e.filename is not None else e.strerror
    return str(e) or type(e).__name__


def _with_evidence(sentence: str, evidence: str) -> str:
    """The catalog's sentence and, in brackets, the account the error itself gives (what to
    do, the rule's evidence); the account alone where the sentence lacks a field."""
    if "{" in sentence or sentence == evidence:
        return evidence
    return f"{sentence}（{evidence}）" if language() == "zh" else f"{sentence} ({evidence})"


def command_of(args: argparse.Namespace, names: tuple[str, ...]) -> str:
    """``CMD SUB`` of the command that ran (the subcommands' ``dest`` values)."""
    return " ".join(v for k in names if isinstance(v := getattr(args, k, None), str))


def report_expected(command: str, e: BaseException) -> int:
    prefix = f"gongshi {command}".rstrip()
    print(f"{prefix}: {text('error')}{describe(e)}", file=sys.stderr)
    return EXIT_REFUSED


def report_interrupted(command: str) -> int:
    print(f"\ngongshi {command}: {text('interrupted')}".rstrip(), file=sys.stderr)
    return EXIT_INTERRUPTED


def report_bug() -> int:
    """Print the current exception's traceback, then the hint (call inside ``except``)."""
    import traceback

    traceback.print_exc()
    print(f"gongshi: {text('bug')}", file=sys.stderr)
    return EXIT_BUG
