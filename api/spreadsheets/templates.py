"""The import templates a clerk downloads: ``GET /api/v1/imports/templates/{kind}.xlsx|.csv``.

XLSX: sheet 导入 with the header (required columns marked *, which the import ignores) and
one example row, every cell formatted as text (so an ID number keeps its 18 digits and a
leading zero stays); sheet 说明 explaining each column: 列名, 必填, 说明, 示例. CSV (UTF-8
with BOM): the header and the example row only. The example row is an example: imported as
it is, its made-up cadre id or its fund year is refused.
"""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from api.spreadsheets.fields import COLUMNS_OF, ImportColumn

TITLES = {"points-entries": "季度积分录入", "carefund-applications": "帮扶申请"}


def _header(column: ImportColumn) -> str:
    return column.header + ("*" if column.required else "")


def template_csv(kind: str, rows: list[list[str]] | None = None) -> bytes:
    """Requires a kind of COLUMNS_OF; ``rows`` (pre-filled, api/spreadsheets/prefill.py)
    instead of the example row."""
    columns = COLUMNS_OF[kind]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_header(c) for c in columns])
    writer.writerows(rows if rows is not None else [[c.example for c in columns]])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx(
    kind: str, rows: list[list[str]] | None = None, how_to: list[str] | None = None
) -> bytes:
    """Requires a kind of COLUMNS_OF; ``rows`` (pre-filled, api/spreadsheets/prefill.py)
    instead of the example row, and ``how_to`` their lines on the 说明 sheet."""
    columns = COLUMNS_OF[kind]
    lines = rows if rows is not None else [[c.example for c in columns]]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "导入"
    bold = Font(bold=True)
    for i, column in enumerate(columns, start=1):
        head = sheet.cell(row=1, column=i, value=_header(column))
        head.font = bold
        for n, line in enumerate(lines, start=2):
            sheet.cell(row=n, column=i, value=line[i - 1] or None).number_format = "@"
        for row in range(len(lines) + 2, len(lines) + 202):  # text format for a clerk's rows
            sheet.cell(row=row, column=i).number_format = "@"
        letter = head.column_letter
        sheet.column_dimensions[letter].width = max(12, min(40, 2 * len(column.example) + 4))
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("说明")
    notes.append([f"{TITLES[kind]}导入模板：第 1 行为列名，从第 2 行起每行一条；标 * 的列必填"])
    for text in how_to or []:
        notes.append([text])
    notes.append(["列名", "必填", "说明", "示例"])
    for column in columns:
        notes.append([column.header, "是" if column.required else "否", column.help,
                      column.example])  # fmt: skip
    for cell in notes[2 + len(how_to or [])]:
        cell.font = bold
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["C"].width = 70
    notes.column_dimensions["D"].width = 40
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
