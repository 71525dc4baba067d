"""The fund ledger as a spreadsheet without JSON in a cell (review finding 16): the nested
members become columns (per source, tier, industry; counts of follow-ups) and, in the XLSX,
the sheets 按档次, 按行业, 按月 and 待回访, every amount in yuan. Checked against the JSON list
by the values a clerk reads."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.api.test_list_export import _xlsx, lists  # noqa: F401  (the fixture)

URL = "/api/v1/public/fund-ledger"
FUND = "桐城市新业态新就业群体先锋关爱基金"


def _sheets(client: TestClient) -> dict[str, list[dict[str, Any]]]:
    content = client.get(URL, params={"format": "xlsx"}).content
    book = load_workbook(io.BytesIO(content), read_only=True)
    found: dict[str, list[dict[str, Any]]] = {}
    for ws in book.worksheets:
        rows = [[c.value for c in row] for row in ws.iter_rows()]
        header = [str(title) for title in rows[0]]
        found[ws.title] = [dict(zip(header, row, strict=False)) for row in rows[1:]]
    return found


def _yuan(fen: int) -> Decimal:
    return Decimal(fen) / 100


def test_the_xlsx_has_the_main_table_and_one_sheet_per_nested_member(lists: TestClient) -> None:  # noqa: F811
    (json_row,) = lists.get(URL).json()["rows"]
    sheets = _sheets(lists)
    assert list(sheets) == ["基金台账", "按档次", "按行业", "按月", "待回访"]
    for title, rows in sheets.items():
        for row in rows:
            for value in row.values():
                assert not (isinstance(value, str) and value[:1] in "{["), (title, value)
    (main,) = sheets["基金台账"]
    assert (main["基金"], main["年度"]) == (FUND, 2023)
    assert Decimal(str(main["已发放（元）"])) == Decimal("2000.00")
    assert Decimal(str(main["收入：工会（元）"])) == Decimal("50000.00")
    assert (main["第 1 档笔数"], Decimal(str(main["第 1 档金额（元）"]))) == (1, Decimal("500"))
    assert (main["第 3 档笔数"], Decimal(str(main["第 3 档金额（元）"]))) == (1, Decimal("1500"))
    assert (main["快递笔数"], Decimal(str(main["快递金额（元）"]))) == (2, Decimal("2000"))
    assert main["待回访笔数"] == len(json_row["pending_follow_ups"]) == 2
    tiers = [(r["档次"], r["笔数"], Decimal(str(r["金额（元）"]))) for r in sheets["按档次"]]
    assert tiers == [("第 1 档", 1, Decimal("500")), ("第 3 档", 1, Decimal("1500"))]
    assert [(r["行业"], r["笔数"]) for r in sheets["按行业"]] == [("快递", 2)]
    months = json_row["monthly"]
    assert [r["月份"] for r in sheets["按月"]] == sorted(months)
    for r in sheets["按月"]:
        assert Decimal(str(r["发放（元）"] or 0)) == _yuan(months[r["月份"]]["disbursed_fen"])
        assert Decimal(str(r["收入（元）"] or 0)) == _yuan(months[r["月份"]]["received_fen"])
    assert [(r["申请编号"], r["应回访日期"], r["已逾期"]) for r in sheets["待回访"]] == [
        (p["application"], p["due"], "否") for p in json_row["pending_follow_ups"]
    ]


def test_the_csv_is_the_main_table(lists: TestClient) -> None:  # noqa: F811
    answer = lists.get(URL, params={"format": "csv"})
    assert answer.content.startswith(b"\xef\xbb\xbf")
    text = answer.content.decode("utf-8-sig")
    assert "{" not in text and "_fen" not in text
    lines = list(csv.reader(io.StringIO(text)))
    main = _xlsx(lists.get(URL, params={"format": "xlsx"}).content)
    assert lines[0] == main[0] and len(lines) == len(main) == 2
