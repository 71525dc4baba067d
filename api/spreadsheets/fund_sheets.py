"""The fund ledger as spreadsheet tables without JSON in a cell (review finding 16).

A fund year's row nests objects (``received_by_source``, ``by_tier``, ``by_industry``,
``monthly``, ``pending_follow_ups``, ``overdue_follow_ups``: docs/FORMAT.md §8); a clerk's
spreadsheet shows them as columns and tables, in yuan:

- the main table (the CSV, and the XLSX's first sheet 基金台账): the flat members of
  columns.COLUMNS["fund-ledger"], then one column per income source, per tier and per
  industry seen in any row (收入：<来源>（元）; 第 N 档笔数 and 第 N 档金额（元）; <行业>笔数 and
  <行业>金额（元）; empty where a year has none), then 待回访笔数 and 逾期未回访笔数;
- the XLSX's further sheets, one line per entry: 按档次 and 按行业 (基金, 年度, 档次/行业,
  笔数, 金额（元）), 按月 (基金, 年度, 月份, 发放笔数, 发放（元）, 收入（元）, 追回（元）) and
  待回访 (基金, 年度, 申请编号, 应回访日期, 已逾期).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from api import labels
from api.spreadsheets.cells import Cell, row_cells
from api.spreadsheets.columns import columns_for

NAME = "fund-ledger"
Table = list[list[Cell]]
SOURCES = {"trade_union": "工会", "youth_league": "团委",
           "womens_federation": "妇联", "non_public_sector_work_committee": "非公工委",
           "express_industry_party_committee": "快递行业党委",
           "food_delivery_industry_party_committee": "外卖行业党委"}  # fmt: skip


def _yuan(fen: Any) -> Cell:
    return row_cells(NAME, [("amount_fen", "")], {"amount_fen": fen})[0]


def _keys(rows: list[dict[str, Any]], member: str, order: Callable[[str], Any] = str) -> list[str]:
    return sorted({k for row in rows for k in row.get(member) or {}}, key=order)


def _tier_order(tier: str) -> tuple[bool, int]:
    return (not tier.isdigit(), int(tier) if tier.isdigit() else 0)


def _tier(tier: str) -> str:
    return f"第 {tier} 档" if tier.isdigit() else "未定档"


def _industry(code: str) -> str:
    return labels.INDUSTRIES.get(code, code)


def main_table(rows: list[dict[str, Any]]) -> Table:
    """The header and one line per fund year (the CSV, and the XLSX's first sheet)."""
    columns = columns_for(NAME)
    sources, tiers = _keys(rows, "received_by_source"), _keys(rows, "by_tier", _tier_order)
    industries = _keys(rows, "by_industry")
    header: list[Cell] = [title for _, title in columns]
    header += [f"收入：{SOURCES.get(s, s)}（元）" for s in sources]
    for title, keys in ((_tier, tiers), (_industry, industries)):
        for key in keys:
            header += [f"{title(key)}笔数", f"{title(key)}金额（元）"]
    header += ["待回访笔数", "逾期未回访笔数"]
    lines: Table = [header]
    for row in rows:
        line = row_cells(NAME, columns, row)
        line += [_yuan((row.get("received_by_source") or {}).get(s)) for s in sources]
        for member, keys in (("by_tier", tiers), ("by_industry", industries)):
            for key in keys:
                entry = (row.get(member) or {}).get(key) or {}
                line += [entry.get("count"), _yuan(entry.get("amount_fen"))]
        line += [len(row.get("pending_follow_ups") or []),
                 len(row.get("overdue_follow_ups") or [])]  # fmt: skip
        lines.append(line)
    return lines


def _fund(row: dict[str, Any]) -> list[Cell]:
    return [labels.FUNDS.get(row["fund"], row["fund"]), row["year"]]


def extra_sheets(rows: list[dict[str, Any]]) -> list[tuple[str, Table]]:
    """The XLSX's further sheets (title, header and lines), in this order: 按档次, 按行业,
    按月, 待回访."""
    by_tier: Table = [["基金", "年度", "档次", "笔数", "金额（元）"]]
    by_industry: Table = [["基金", "年度", "行业", "笔数", "金额（元）"]]
    monthly: Table = [
        ["基金", "年度", "月份", "发放笔数", "发放（元）", "收入（元）", "追回（元）"]
    ]
    pending: Table = [["基金", "年度", "申请编号", "应回访日期", "已逾期"]]
    for row in rows:
        tiers = row.get("by_tier") or {}
        for tier in sorted(tiers, key=_tier_order):
            by_tier.append([*_fund(row), _tier(tier), tiers[tier]["count"],
                            _yuan(tiers[tier]["amount_fen"])])  # fmt: skip
        industries = row.get("by_industry") or {}
        for code in sorted(industries):
            by_industry.append([*_fund(row), _industry(code), industries[code]["count"],
                                _yuan(industries[code]["amount_fen"])])  # fmt: skip
        months = row.get("monthly") or {}
        for month in sorted(months):
            m = months[month]
            monthly.append([*_fund(row), month, m.get("disbursements"),
                            _yuan(m.get("disbursed_fen")), _yuan(m.get("received_fen")),
                            _yuan(m.get("recovered_fen"))])  # fmt: skip
        overdue = {p["application"] for p in row.get("overdue_follow_ups") or []}
        for p in row.get("pending_follow_ups") or []:
            pending.append([*_fund(row), p["application"], p["due"],
                            "是" if p["application"] in overdue else "否"])  # fmt: skip
    return [("按档次", by_tier), ("按行业", by_industry), ("按月", monthly), ("待回访", pending)]


__all__ = ["extra_sheets", "main_table"]
