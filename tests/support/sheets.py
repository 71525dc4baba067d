"""Spreadsheet files for the import tests: XLSX through openpyxl, CSV in a given encoding."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook

from api.spreadsheets.fields import CAREFUND_COLUMNS, POINTS_COLUMNS

POINTS_HEADER = [c.header for c in POINTS_COLUMNS]
CAREFUND_HEADER = [c.header for c in CAREFUND_COLUMNS]


def xlsx(lines: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for line in lines:
        sheet.append(line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_file(lines: list[list[Any]], encoding: str = "utf-8", bom: bool = False) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(lines)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode(encoding)


def points_row(cadre: str, component: str = "工作实绩", points: Any = "3.5",
               task: str | None = "industry", quarter: Any = 1,
               reason: str = "完成第一季度产业任务", **change: Any) -> list[Any]:  # fmt: skip
    """A row of POINTS_HEADER for a cadre of th01 / 晋熙镇01村 (Taihu, 2023)."""
    row = {"county": "taihu", "year": 2023, "quarter": quarter, "township": "th01",
           "village": "晋熙镇01村", "cadre": cadre, "component": component, "points": points,
           "task": task, "reason": reason, **change}  # fmt: skip
    return [row[c.key] for c in POINTS_COLUMNS]


def application_row(name: str, id_number: str | None = None, **change: Any) -> list[Any]:
    """A row of CAREFUND_HEADER: 2023, express delivery, illness, tier 2."""
    row = {"year": 2023, "name": name, "id_number": id_number, "phone": "13800000000",
           "bank_account": None, "address": None, "hardship_details": "因病住院",
           "industry": "快递", "hardship": "因病", "requested_tier": 2, "priority": "否",
           **change}  # fmt: skip
    return [row[c.key] for c in CAREFUND_COLUMNS]
