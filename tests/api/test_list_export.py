"""The public lists as spreadsheets (issue 15 item 2, "the XLSX opened with openpyxl equals
the JSON list"): every row the JSON list has (all pages), in its order, every column of
api/spreadsheets/columns.py, each cell the row's member as cells.py renders it; money in
yuan and points as decimals exactly; the CSV is UTF-8 with BOM and holds the same cells."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from api.spreadsheets.cells import row_cells
from api.spreadsheets.columns import columns_for
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.points.config import Component
from tests.api.conftest import settle
from tests.integration.helpers import disbursed, funded
from tests.integration.points_helpers import TOWNSHIP, cadre_book, points_ready, worked

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def lists(client: TestClient, ledger: Ledger, clock: SteppingClock) -> TestClient:
    """Three points books with Q1 scores, and two disbursed grants (tiers 1 and 3)."""
    points = points_ready(ledger, clock)
    for name, tenths in (("甲", 35), ("乙", 80), ("丙", 35)):
        book = cadre_book(points, name=name)
        worked(points, book, tenths)
        points.enter(book, quarter=1, component=Component.BONUS, points_tenths=5,
                     reason="表彰", actor=TOWNSHIP)  # fmt: skip
    fund = funded(ledger)
    disbursed(fund, 1)
    disbursed(fund, 3)
    settle(client)
    return client


def _cell(value: Any) -> Any:
    """One normal form for a cell from either side: numbers as Decimal, empty as None."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value if value != "" else None
    return Decimal(str(value))


def _xlsx(content: bytes) -> list[list[Any]]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    rows = [[_cell(c.value) for c in row] for row in sheet.iter_rows()]
    width = len(rows[0])
    return [row + [None] * (width - len(row)) for row in rows]


def _expected(name: str, rows: list[dict[str, Any]]) -> list[list[Any]]:
    columns = columns_for(name)
    return [[title for _, title in columns],
            *([_cell(v) for v in row_cells(name, columns, row)] for row in rows)]  # fmt: skip


def _all_rows(client: TestClient, path: str) -> list[dict[str, Any]]:
    """Every row of the JSON list, page by page."""
    rows: list[dict[str, Any]] = []
    while True:
        sep = "&" if "?" in path else "?"
        page = client.get(f"{path}{sep}offset={len(rows)}&limit=2").json()
        rows += page["rows"]
        if len(rows) >= page["total"]:
            return rows


@pytest.mark.parametrize("path", ["/api/v1/public/points?period=Q1", "/api/v1/public/points",
                                  "/api/v1/public/disbursements"])  # fmt: skip
# The fund ledger's spreadsheet has more columns and sheets: tests/api/test_fund_ledger_export.py
def test_the_xlsx_opened_with_openpyxl_equals_the_json_list(lists: TestClient, path: str) -> None:
    name = path.split("/")[-1].split("?")[0]
    rows = _all_rows(lists, path)
    assert rows, "the fixture fills every list tested"
    sep = "&" if "?" in path else "?"
    answer = lists.get(f"{path}{sep}format=xlsx")
    assert answer.status_code == 200 and answer.headers["content-type"] == XLSX
    assert 'filename="' in answer.headers["content-disposition"]
    assert _xlsx(answer.content) == _expected(name, rows)
    by_accept = lists.get(path, headers={"Accept": XLSX})
    assert _xlsx(by_accept.content) == _expected(name, rows)


def test_cells_are_exact_yuan_points_and_chinese_labels(lists: TestClient) -> None:
    """Independent of cells.py: the values a clerk reads."""
    sheet = _xlsx(lists.get("/api/v1/public/points?period=Q1&format=xlsx").content)
    header = sheet[0]
    table = [dict(zip(header, row, strict=True)) for row in sheet[1:]]
    assert sorted((r["姓名"], r["总分"], r["类别"], r["期间"]) for r in table) == [
        ("丙", Decimal("4.0"), "正职", "第一季度"), ("乙", Decimal("8.5"), "正职", "第一季度"),
        ("甲", Decimal("4.0"), "正职", "第一季度")]  # fmt: skip
    grants = _xlsx(lists.get("/api/v1/public/disbursements?format=xlsx").content)
    money = sorted(r[grants[0].index("发放金额（元）")] for r in grants[1:])
    assert money == [Decimal("500.00"), Decimal("1500.00")]
    assert {r[grants[0].index("行业")] for r in grants[1:]} == {"快递"}


def test_the_csv_is_utf8_with_bom_and_holds_the_same_cells(lists: TestClient) -> None:
    answer = lists.get("/api/v1/public/points?period=Q1&format=csv")
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.content.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    xlsx = _xlsx(lists.get("/api/v1/public/points?period=Q1&format=xlsx").content)
    as_text = [["" if c is None else str(c) for c in row] for row in xlsx]
    assert [_values(row) for row in lines] == [_values(row) for row in as_text]


def _values(row: list[str]) -> list[Any]:
    return [Decimal(c) if _numeric(c) else c for c in row]


def _numeric(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return text.strip() != "" and not text.startswith("'")
