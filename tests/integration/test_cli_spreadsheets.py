"""``gongshi import`` and ``gongshi export-list`` (issue 15 item 2)."""

from __future__ import annotations

import io
import json
from pathlib import Path

from openpyxl import load_workbook

from api.tokens import Tokens
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.principal import Principals
from ledger.settings import Settings
from tests.integration.helpers import stored_count
from tests.integration.points_helpers import allocated, cadre_book, points_ready
from tests.integration.test_principals_cli import gongshi
from tests.support.sheets import POINTS_HEADER, csv_file, points_row


def _token(ledger: Ledger, principal: str) -> str:
    return Tokens(ledger.db).issue(Principals(ledger), principal, ledger.clock())


def test_import_prints_every_error_or_the_receipt_and_export_list_writes_the_list(
    ledger: Ledger, settings: Settings, clock: SteppingClock, tmp_path: Path
) -> None:
    points = points_ready(ledger, clock)
    book = cadre_book(points, name="甲")
    allocated(points, book, "industry", 80, 1)
    cadre, token = points.book(book).cadre, _token(ledger, "tpc-01")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_file([POINTS_HEADER, points_row(cadre, quarter=7),
                              points_row(cadre, points="0")], "gb18030"))  # fmt: skip
    before = stored_count(ledger)
    code, out, err = gongshi(settings, "import", str(bad), "--kind", "points-entries",
                             token=token)  # fmt: skip
    assert code == 2 and out == ""
    assert err.splitlines()[:2] == [
        "第 2 行「季度」：季度须为 1–4，而不是“7”",
        "第 3 行「分值」：分值须大于 0（减分也填正数），而不是“0”",
    ]
    assert stored_count(ledger) == before
    good = tmp_path / "good.csv"
    good.write_bytes(csv_file([POINTS_HEADER, points_row(cadre)], "utf-8", bom=True))
    code, out, _ = gongshi(settings, "import", str(good), "--kind", "points-entries",
                           "--json", token=token)  # fmt: skip
    receipt = json.loads(out)
    assert code == 0 and receipt["errors"] == [] and receipt["written"]["result"]["row_count"] == 1
    code, out, _ = gongshi(settings, "import", str(good), "--kind", "points-entries",
                           token=token)  # fmt: skip
    assert code == 0 and "已导入过" in out
    assert stored_count(ledger) == before + 2
    target = tmp_path / "points.xlsx"
    code, out, _ = gongshi(settings, "export-list", "points", "--format", "xlsx", "--out",
                           str(target), "--period", "Q1")  # fmt: skip
    assert code == 0 and "1 行" in out
    sheet = load_workbook(io.BytesIO(target.read_bytes()), read_only=True).worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["县（市、区）", "年度", "期间"]
    assert rows[1][:3] == ["太湖县", 2023, "第一季度"] and rows[1][6] == "甲"
    assert rows[1][7] == 3.5  # 工作实绩: 35 tenths
