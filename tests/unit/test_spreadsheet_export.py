"""Spreadsheet export units (api/spreadsheets/export.py, cells.py): the format wanted, CSV
injection, nested values, exact decimals."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from fastapi import HTTPException
from openpyxl import load_workbook
from starlette.requests import Request

from api.spreadsheets.cells import cell
from api.spreadsheets.export import XLSX_TYPE, csv_bytes, wanted_format, xlsx_bytes

ROW = {"fund": "=HYPERLINK(\"http://x\")", "year": 2023, "title": "@SUM(A1)",
       "conclusion": "-1+2", "findings": ["甲", None], "recorded_on": "2023-03-01",
       "leaf": 7, "fund_year": "f"}  # fmt: skip


def _request(accept: str) -> Request:
    return Request({"type": "http", "headers": [(b"accept", accept.encode())]})


@pytest.mark.parametrize(("accept", "fmt"), [
    ("text/csv", "csv"), (XLSX_TYPE, "xlsx"), ("application/json", "json"), ("", "json"),
    (f"text/csv;q=0.5, {XLSX_TYPE}", "xlsx"), (f"text/csv, {XLSX_TYPE};q=0.9", "csv"),
    ("text/csv;q=0", "json"),
])  # fmt: skip
def test_the_format_comes_from_accept_by_preference(accept: str, fmt: str) -> None:
    assert wanted_format(_request(accept), None) == fmt


def test_the_format_parameter_wins_and_an_unknown_one_is_refused() -> None:
    assert wanted_format(_request("text/csv"), "xlsx") == "xlsx"
    with pytest.raises(HTTPException) as refused:
        wanted_format(_request(""), "pdf")
    assert refused.value.status_code == 422


def test_csv_text_that_would_be_a_formula_gets_an_apostrophe() -> None:
    text = csv_bytes("audit-results", [ROW]).decode("utf-8-sig")
    line = text.splitlines()[1]
    assert line.startswith('"\'=HYPERLINK(""http://x"")",2023,\'@SUM(A1),\'-1+2,')
    assert "甲、—" in line


def test_xlsx_text_that_looks_like_a_formula_stays_text() -> None:
    sheet = load_workbook(io.BytesIO(xlsx_bytes("audit-results", [ROW]))).worksheets[0]
    assert sheet["A2"].value == ROW["fund"] and sheet["A2"].data_type == "s"


def test_money_and_points_are_exact_decimals_and_codes_have_labels() -> None:
    assert cell("disbursements", "amount_fen", 1) == Decimal("0.01")
    assert cell("points", "total", -5) == Decimal("-0.5")
    assert cell("points", "rank", 3) == 3
    assert cell("points", "category", "deputy") == "副职"
    assert cell("points", "category", "unknown_code") == "unknown_code"
    assert cell("disbursements", "approval_chain", ["intake", "finance"]) == "受理、财政发放"
    assert cell("fund-ledger", "monthly", {"2023-03": {"disbursed_fen": 5}}) == (
        '{"2023-03":{"disbursed_fen":5}}')  # fmt: skip
    assert cell("points", "bottom", True) == "是" and cell("points", "grade", None) is None
