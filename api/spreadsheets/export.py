"""Exports of the public lists and the fund ledger: CSV (UTF-8 with BOM, so Excel opens it)
and XLSX (openpyxl), one header row of Chinese titles (api/spreadsheets/columns.py) then one
row per list row, cells as api/spreadsheets/cells.py says.

``wanted_format`` reads ``?format=`` or, without it, the ``Accept`` header; a public route
answers ``table_response(fmt, name, rows)`` for every row matching its filters (not one page).
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from fastapi import HTTPException, Request, Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from api.spreadsheets.cells import Cell, row_cells
from api.spreadsheets.columns import columns_for
from api.spreadsheets.fund_sheets import extra_sheets, main_table

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("json", "csv", "xlsx")
BOM = "\ufeff"
# A CSV text cell starting with one of these would be a formula in a spreadsheet program
# (CSV injection): it gets a leading apostrophe. XLSX cells are typed as text instead.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def wanted_format(request: Request, format_param: str | None) -> str:
    """``json``, ``csv`` or ``xlsx``: ``?format=`` when given (422 for another value), else the
    first of ``text/csv`` and the XLSX media type the ``Accept`` header prefers (by q, then
    order), else ``json``."""
    if format_param is not None:
        if format_param not in FORMATS:
            raise HTTPException(422, f"不支持的导出格式：{format_param}（可用 json、csv、xlsx）")
        return format_param
    best: tuple[float, int, str] | None = None
    for i, part in enumerate(request.headers.get("accept", "").split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        fmt = {"text/csv": "csv", XLSX_TYPE: "xlsx"}.get(media.lower())
        if fmt is None:
            continue
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        if q > 0 and (best is None or (-q, i) < (-best[0], best[1])):
            best = (q, i, fmt)
    return best[2] if best else "json"


def header(name: str) -> list[str]:
    return [title for _, title in columns_for(name)]


def table(name: str, rows: list[dict[str, Any]]) -> list[list[Cell]]:
    """The header and the cells of every row of list ``name`` (the fund ledger: its main
    table, nested members as columns: api/spreadsheets/fund_sheets.py)."""
    if name == "fund-ledger":
        return main_table(rows)
    columns = columns_for(name)
    titles: list[Cell] = list(header(name))
    return [titles, *(row_cells(name, columns, row) for row in rows)]


def _csv_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return str(value)


def csv_bytes(name: str, rows: list[dict[str, Any]]) -> bytes:
    """UTF-8 with BOM, CRLF line ends (RFC 4180), every field quoted where needed."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for line in table(name, rows):
        writer.writerow([_csv_text(v) for v in line])
    return (BOM + out.getvalue()).encode("utf-8")


def xlsx_bytes(name: str, rows: list[dict[str, Any]], sheet: str | None = None) -> bytes:
    """One sheet (titled ``sheet`` or the list's name; the fund ledger: 基金台账 and its
    further sheets), the header bold and frozen; text cells are typed as text (a value
    starting with = stays text, never a formula)."""
    wb = Workbook(write_only=True)
    sheets = [((sheet or name)[:31], table(name, rows))]
    if name == "fund-ledger":
        sheets = [(sheet or "基金台账", main_table(rows)), *extra_sheets(rows)]
    for title, lines in sheets:
        _write_sheet(wb, title[:31], lines)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _write_sheet(wb: Workbook, title: str, lines: list[list[Cell]]) -> None:
    ws = wb.create_sheet(title)
    ws.freeze_panes = "A2"
    for col, head in enumerate(lines[0]):
        ws.column_dimensions[_letter(col)].width = max(10, min(40, 2 * len(str(head)) + 2))
    bold = Font(bold=True)
    for n, line in enumerate(lines):
        out = []
        for value in line:
            c = WriteOnlyCell(ws, value=value)  # type: ignore[arg-type]  # Decimal: exact text
            if isinstance(value, str):
                c.data_type = "s"
            elif isinstance(value, Decimal):
                c.number_format = "0.00" if value.as_tuple().exponent == -2 else "0.0"
            if n == 0:
                c.font = bold
            out.append(c)
        ws.append(out)


def _letter(col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def table_response(fmt: str, name: str, rows: list[dict[str, Any]]) -> Response:
    """The list's rows as a CSV or XLSX download (``fmt`` ``csv`` or ``xlsx``; requires a name
    of columns.COLUMNS)."""
    if fmt == "csv":
        body, media = csv_bytes(name, rows), CSV_TYPE
    elif fmt == "xlsx":
        body, media = xlsx_bytes(name, rows), XLSX_TYPE
    else:
        raise ValueError(f"fmt must be csv or xlsx, not {fmt!r}")
    return Response(
        body, media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )  # fmt: skip
