"""argparse's usage errors in the user's language: ``gongshi serve: 错误：参数 --port：应为整数，
而不是 'abc'`` (``GONGSHI_LANG=en``: argparse's own English). Each of argparse's sentences
(Python 3.11–3.13) has its Chinese form; one this table does not know stays as argparse
wrote it, so an error is never lost."""

from __future__ import annotations

import re

TYPES = {
    "int": "整数", "float": "数字", "fromisoformat": "日期 YYYY-MM-DD", "UUID": "编号（UUID）",
    "Path": "路径",
}  # fmt: skip
SENTENCES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"the following arguments are required: (?P<names>.+)"), "缺少必需的参数：{names}"),
    (re.compile(r"invalid (?P<type>\w+) value: (?P<value>.+)"), "应为{type}，而不是 {value}"),
    (
        re.compile(r"invalid choice: (?P<value>.+?) \(choose from (?P<choices>.+)\)"),
        "无效的选择 {value}（可选：{choices}）",
    ),
    (re.compile(r"unrecognized arguments: (?P<names>.+)"), "无法识别的参数：{names}"),
    (re.compile(r"expected one argument"), "需要一个值"),
    (re.compile(r"expected at most one argument"), "最多一个值"),
    (re.compile(r"expected at least one argument"), "至少需要一个值"),
    (re.compile(r"one of the arguments (?P<names>.+) is required"), "须给出 {names} 之一"),
    (re.compile(r"not allowed with argument (?P<names>.+)"), "不能与参数 {names} 同时使用"),
    (
        re.compile(r"ambiguous option: (?P<option>\S+) could match (?P<names>.+)"),
        "选项 {option} 不明确，可能是 {names}",
    ),
    (re.compile(r"ignored explicit argument (?P<value>.+)"), "不接受值 {value}"),
]
ARGUMENT = re.compile(r"argument (?P<name>[^:]+): (?P<rest>.+)", re.DOTALL)


def _choices(text: str) -> str:
    """argparse's ``'a', 'b'`` (3.11, 3.12) or ``a, b`` (3.13) as ``a、b``."""
    return "、".join(part.strip().strip("'") for part in text.split(","))


def _sentence(text: str) -> str:
    for pattern, chinese in SENTENCES:
        found = pattern.fullmatch(text)
        if found is not None:
            fields = found.groupdict()
            if "type" in fields:
                fields["type"] = TYPES.get(fields["type"], "有效的值")
            if "choices" in fields:
                fields["choices"] = _choices(fields["choices"])
            return chinese.format(**fields)
    return text


def usage_error_zh(message: str) -> str:
    """argparse's ``message`` in Chinese: ``argument --port: invalid int value: 'abc'`` →
    ``参数 --port：应为整数，而不是 'abc'``."""
    argument = ARGUMENT.fullmatch(message)
    if argument is not None:
        return f"参数 {argument['name']}：{_sentence(argument['rest'])}"
    return _sentence(message)
