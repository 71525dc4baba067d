"""The columns of an import file, per kind: Chinese header, whether required, what it holds,
an example, and how its text becomes a value (or a Chinese message saying why not).

A header is matched by its Chinese title or its English key (``county``), ignoring spaces
and a trailing * (templates mark required columns with it). The same columns make the
template (api/spreadsheets/templates.py) and its 说明 sheet.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from api import labels
from ledger.points.config import POINTS_PATTERN, parse_points

Parse = Callable[[str], Any]  # text -> value; raises ValueError(Chinese message)
CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
COUNTY = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
ID_NUMBER = re.compile(r"^[0-9]{17}[0-9X]$")
PHONE = re.compile(r"^\+?[0-9][0-9 -]{4,19}$")
BANK_ACCOUNT = re.compile(r"^[0-9]{8,30}$")
YES = {"是", "y", "yes", "true", "1", "√"}
NO = {"否", "n", "no", "false", "0", ""}


@dataclass(frozen=True)
class ImportColumn:
    key: str
    header: str
    required: bool
    help: str  # for the template's 说明 sheet
    example: str
    parse: Parse
    personal: bool = False  # goes to the vault, never into a record or a message


def _by_label(table: dict[str, str], what: str, other: re.Pattern[str] | None = None) -> Parse:
    """A code of ``table`` or its Chinese label; with ``other``, also any code matching it
    (a county or township the labels don't know: the ledger decides whether it exists)."""
    codes = {name: code for code, name in table.items()}

    def parse(text: str) -> str:
        if text in table:
            return text
        if text in codes:
            return codes[text]
        if other is not None and other.fullmatch(text):
            return text
        raise ValueError(f"无法识别的{what}“{text}”（可填：{'、'.join(table.values())}）")

    return parse


def year(text: str) -> int:
    if not re.fullmatch(r"[0-9]{4}", text) or not 2000 <= int(text) <= 2100:
        raise ValueError(f"年度须为 2000–2100 的四位数字，而不是“{text}”")
    return int(text)


QUARTERS = {"1": 1, "2": 2, "3": 3, "4": 4, "Q1": 1, "Q2": 2, "Q3": 3, "Q4": 4,
            "一": 1, "二": 2, "三": 3, "四": 4, "第一季度": 1, "第二季度": 2,
            "第三季度": 3, "第四季度": 4}  # fmt: skip


def quarter(text: str) -> int:
    found = QUARTERS.get(text.upper() if text[:1] in "qQ" else text)
    if found is None:
        raise ValueError(f"季度须为 1–4，而不是“{text}”")
    return found


def points_tenths(text: str) -> int:
    """'3.5' -> 35: a positive number with at most one decimal (deductions too)."""
    if not POINTS_PATTERN.fullmatch(text):
        raise ValueError(f"分值须为最多一位小数的数字（如 3.5），而不是“{text}”")
    tenths = parse_points(text)
    if tenths < 1:
        raise ValueError(f"分值须大于 0（减分也填正数），而不是“{text}”")
    if tenths > 10_000:
        raise ValueError(f"分值不能超过 1000，而不是“{text}”")
    return tenths


def cadre(text: str) -> str:
    try:
        return str(UUID(text))
    except ValueError:
        raise ValueError(f"干部编号须为公开名单中的编号（UUID），而不是“{text}”") from None


def task(text: str) -> str:
    if not CODE.fullmatch(text):
        raise ValueError(f"任务须为任务清单中的代码（小写字母、数字、-、_），而不是“{text}”")
    return text


def text_of(most: int, what: str) -> Parse:
    def parse(text: str) -> str:
        if len(text) > most:
            raise ValueError(f"{what}不能超过 {most} 个字")
        return text

    return parse


COMPONENTS = {"work": "工作实绩", "evaluation": "评议", "bonus": "加分", "deduction": "减分"}
HARDSHIPS = {"illness": "因病", "disaster": "因灾", "long_term_frontline_hardship": "长期一线困难"}


def tier(text: str) -> int:
    if not re.fullmatch(r"[1-9][0-9]{0,5}", text):
        raise ValueError(f"申请档次须为正整数（如 1、2、3），而不是“{text}”")
    return int(text)


def yes_no(text: str) -> bool:
    if text.lower() in YES:
        return True
    if text.lower() in NO:
        return False
    raise ValueError(f"须填“是”或“否”，而不是“{text}”")


def id_number(text: str) -> str:
    """A resident identity number (GB 11643-1999): 17 digits and a check digit or X."""
    text = text.upper()
    if not ID_NUMBER.fullmatch(text):
        raise ValueError("身份证号须为 18 位（最后一位可为 X）：请将该列设为文本格式再填写")
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(text, weights, strict=False)) % 11]
    if text[17] != check:
        raise ValueError("身份证号校验位不符，请核对")
    return text


def pattern_of(regex: re.Pattern[str], message: str) -> Parse:
    def parse(text: str) -> str:
        if not regex.fullmatch(text):
            raise ValueError(message)
        return text

    return parse


POINTS_COLUMNS = [
    ImportColumn("county", "县（市、区）", True, "积分方案所属县（市、区），填代码或名称",
                 "taihu", _by_label(labels.COUNTIES, "县（市、区）", COUNTY)),
    ImportColumn("year", "年度", True, "积分年度，四位数字", "2023", year),
    ImportColumn("quarter", "季度", True, "1–4（或 Q1–Q4、第一季度…）", "2", quarter),
    ImportColumn("township", "乡镇", True, "干部所在乡镇，填代码或名称（须与积分卡一致）",
                 "th01", _by_label(labels.TOWNSHIPS, "乡镇", CODE)),
    ImportColumn("village", "村", True, "干部所在村（须与积分卡一致）", "晋熙镇01村",
                 text_of(100, "村名")),
    ImportColumn("cadre", "干部编号", True,
                 "干部的公开编号（公示名单导出的“干部编号”列），不填姓名",
                 "6f1c2a4e-8a0b-4c3d-9e1f-0a1b2c3d4e5f", cadre),
    ImportColumn("component", "类型", True,
                 "工作实绩、评议、加分或减分（加分、减分由乡镇党委录入）", "工作实绩",
                 _by_label(COMPONENTS, "类型")),
    ImportColumn("points", "分值", True, "正数，最多一位小数（如 3.5）；减分也填正数", "3.5",
                 points_tenths),
    ImportColumn("task", "任务", False, "乡镇任务清单中的任务代码；工作实绩必填",
                 "party-building", task),
    ImportColumn("reason", "事由", True, "录入事由（如“完成第二季度党建任务”）",
                 "完成第二季度党建任务", text_of(500, "事由")),
]  # fmt: skip

CAREFUND_COLUMNS = [
    ImportColumn("year", "年度", True, "基金年度，四位数字（该年度基金须已开立）", "2023", year),
    ImportColumn("name", "姓名", True, "申请人姓名（只存入加密库，不进入公开记录）", "张三",
                 text_of(100, "姓名"), personal=True),
    ImportColumn("id_number", "身份证号", False, "18 位身份证号（请设为文本格式）",
                 "340881199001011234", id_number, personal=True),
    ImportColumn("phone", "手机号", False, "联系电话", "13800000000",
                 pattern_of(PHONE, "手机号格式不正确"), personal=True),
    ImportColumn("bank_account", "银行账号", False, "收款银行账号（纯数字）",
                 "6222000000000000000", pattern_of(BANK_ACCOUNT, "银行账号须为 8–30 位数字"),
                 personal=True),
    ImportColumn("address", "住址", False, "现住址", "桐城市文昌街道某小区",
                 text_of(200, "住址"), personal=True),
    ImportColumn("hardship_details", "困难情况", False, "困难情况说明（只存入加密库）",
                 "因病住院，家庭收入骤减", text_of(2000, "困难情况"), personal=True),
    ImportColumn("industry", "行业", True, "快递、外卖、网约车或其他", "外卖",
                 _by_label(labels.INDUSTRIES, "行业")),
    ImportColumn("hardship", "困难类型", True, "因病、因灾或长期一线困难", "因病",
                 _by_label(HARDSHIPS, "困难类型")),
    ImportColumn("requested_tier", "申请档次", True, "申请的帮扶档次（如 1、2、3）", "2", tier),
    ImportColumn("priority", "优先考虑", False,
                 "是否属于主动参与城市基层治理、服从行业党委领导且生活有困难的优先考虑对象：是或否",
                 "否", yes_no),
]  # fmt: skip

COLUMNS_OF = {"points-entries": POINTS_COLUMNS, "carefund-applications": CAREFUND_COLUMNS}


def _normal(title: str) -> str:
    return re.sub(r"\s+", "", title).rstrip("*＊")


def header_map(
    kind: str, header: list[str]
) -> tuple[dict[int, ImportColumn], list[tuple[str, str]]]:
    """Which column of the file holds which field, and the problems of the header row as
    (column as shown, message): unknown and repeated titles, missing required columns."""
    columns = COLUMNS_OF[kind]
    known = {_normal(c.header): c for c in columns} | {c.key: c for c in columns}
    found: dict[int, ImportColumn] = {}
    problems: list[tuple[str, str]] = []
    seen: set[str] = set()
    for i, title in enumerate(header):
        if not title:
            continue
        column = known.get(_normal(title))
        if column is None:
            problems.append((title, f"未知的列“{title}”（可用的列见模板的“说明”页）"))
        elif column.key in seen:
            problems.append((title, f"列“{column.header}”出现了两次"))
        else:
            seen.add(column.key)
            found[i] = column
    for column in columns:
        if column.required and column.key not in seen:
            problems.append((column.header, f"缺少必填列“{column.header}”"))
    return found, problems
