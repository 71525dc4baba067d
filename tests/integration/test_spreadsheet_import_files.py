"""Care-fund applications from a spreadsheet, hostile files, and the verifier over imported
batches (issue 15 item 2)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date
from types import SimpleNamespace
from typing import Any, cast

import pytest

from api.services import Services
from api.spreadsheets.importer import import_file
from api.spreadsheets.read import MAX_COLUMNS
from ledger.carefund.config import FundConfig
from ledger.check import iter_notifications
from ledger.imports.batch import ImportBatch
from ledger.ledger import Ledger
from ledger.mapper import unpack_state
from tests.integration.helpers import FINANCE, INTAKE, funded, stored_count
from tests.integration.points_helpers import TOWNSHIP
from tests.support.sheets import CAREFUND_HEADER, POINTS_HEADER, application_row, csv_file, xlsx
from verify.invariants import Invariants
from verify.record import parse_record

TODAY = date(2023, 3, 1)
ID_A, ID_B = "11010519491231002X", "110105194912310302"  # valid check digits (GB 11643)


@pytest.fixture
def services(ledger: Ledger) -> Services:
    funded(ledger)
    return cast(Services, SimpleNamespace(ledger=ledger, carefund_config=FundConfig()))


def records(ledger: Ledger) -> list[dict[str, Any]]:
    return [json.loads(unpack_state(n.state)[1]) for n in iter_notifications(ledger.app.recorder)]


def rule_failures(ledger: Ledger) -> list[str]:
    rules, found = Invariants(), []
    for index, notification in enumerate(iter_notifications(ledger.app.recorder)):
        raw = unpack_state(notification.state)[1]
        found += [str(f) for f in rules.add(parse_record(raw), f"leaf {index}")]
    return found + [str(f) for f in rules.end()]


def vault_subjects(ledger: Ledger) -> int:
    return int(ledger.db.execute("SELECT COUNT(*) FROM gongshi_vault_subjects")[0][0])


def test_applications_register_subjects_in_the_vault_and_submit(
    services: Services, ledger: Ledger
) -> None:
    second = application_row("李小红", ID_B, industry="外卖", priority="是", requested_tier=3)
    lines = [CAREFUND_HEADER, application_row("王小明", ID_A), second]
    before, vaulted = stored_count(ledger), vault_subjects(ledger)
    outcome = import_file(services, INTAKE, "carefund-applications", "申请.xlsx", xlsx(lines),
                          TODAY)  # fmt: skip
    assert outcome.errors == []
    assert vault_subjects(ledger) == vaulted + 2
    written = records(ledger)[before:]
    assert [r["type"] for r in written] == ["imports.BatchImported"] + [
        "subject.Registered",
        "carefund.ApplicationSubmitted",
        "carefund.ApplicationQueued",
    ] * 2
    batch = ledger.app.get(ImportBatch, cast(Any, outcome.batch))
    assert batch.records == [{"stream": r["stream"], "version": 1} for r in written
                             if r["type"] == "carefund.ApplicationSubmitted"]  # fmt: skip
    submitted = [r["data"] for r in written if r["type"] == "carefund.ApplicationSubmitted"]
    assert [(d["industry"], d["requested_tier"], d["priority"]) for d in submitted] == [
        ("express_delivery", 2, False), ("food_delivery", 3, True)]  # fmt: skip
    text = json.dumps(written, ensure_ascii=False)
    for personal in ("王小明", "李小红", ID_A, ID_B, "13800000000", "因病住院"):
        assert personal not in text
    assert rule_failures(ledger) == []


def test_bad_application_rows_are_named_and_nothing_reaches_log_or_vault(
    services: Services, ledger: Ledger
) -> None:
    lines = [CAREFUND_HEADER,
             application_row("王小明", ID_A),
             application_row("王小明", ID_A),  # row 3: the same applicant again
             application_row("赵六", year=2031),  # row 4: no such fund year
             application_row("钱七", "110105194912310303")]  # row 5: check digit  # fmt: skip
    before, vaulted = stored_count(ledger), vault_subjects(ledger)
    outcome = import_file(services, INTAKE, "carefund-applications", "x.csv", csv_file(lines),
                          TODAY)  # fmt: skip
    assert [(e.row, e.column) for e in outcome.errors] == [
        (3, "身份证号"), (4, "年度"), (5, "身份证号")]  # fmt: skip
    assert outcome.errors[1].message == "2031 年度基金未开立"
    for error in outcome.errors:
        assert "王小明" not in error.message and ID_A not in error.message
    assert (stored_count(ledger), vault_subjects(ledger)) == (before, vaulted)


def test_a_tier_the_year_lacks_is_refused(services: Services, ledger: Ledger) -> None:
    lines = [CAREFUND_HEADER, application_row("钱七", requested_tier=9)]
    outcome = import_file(services, INTAKE, "carefund-applications", "x.csv", csv_file(lines),
                          TODAY)  # fmt: skip
    assert [(e.row, e.column, e.message) for e in outcome.errors] == [
        (2, "申请档次", "2023 年度没有第 9 档（可选：1、2、3）")]  # fmt: skip


def test_a_role_that_does_not_record_those_rows_is_refused_whole(
    services: Services, ledger: Ledger
) -> None:
    lines = [CAREFUND_HEADER, application_row("王小明", ID_A)]
    before = stored_count(ledger)
    outcome = import_file(services, FINANCE, "carefund-applications", "x.csv", csv_file(lines),
                          TODAY)  # fmt: skip
    assert [(e.row, e.column) for e in outcome.errors] == [(0, "")]
    assert "财政发放" in outcome.errors[0].message and stored_count(ledger) == before


def _zip(parts: dict[str, bytes], level: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", level) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def _formula() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(POINTS_HEADER)
    sheet.append(["taihu", 2023, 1, "th01", "晋熙镇01村", "x", "工作实绩", "=1+2", "t", "r"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


ENTITIES = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
HOSTILE = {
    "not-a-spreadsheet": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "不是 XLSX 或 CSV"),
    "binary-in-no-encoding": (b"\x00\x01\x02\x81", "不是 XLSX 或 CSV"),
    "legacy-xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "旧版 Excel"),
    "broken-zip": (b"PK\x03\x04" + b"\x00" * 64, "不是有效的 XLSX"),
    "zip-bomb": (_zip({"xl/worksheets/sheet1.xml": b"\x00" * (41 * 1024 * 1024)}), "解压后超过"),
    "entity-expansion": (_zip({"[Content_Types].xml": ENTITIES}), "DTD"),
    "formula": (_formula(), "公式"),
    "ten-thousand-columns": (xlsx([POINTS_HEADER + [f"c{i}" for i in range(10_000)]]), "列数"),
    "too-many-rows": (csv_file([POINTS_HEADER] + [["taihu"] * 10] * 2001), "超过上限 2000 行"),
    "header-only": (csv_file([POINTS_HEADER]), "没有数据行"),
    "empty": (b"", "空"),
    "over-5mb": (b"a" * (5 * 1024 * 1024 + 1), "文件过大"),
    "not-utf8-nor-gb18030": (b"\xff\xfe" + "a,b".encode("utf-16-le")[:-1] + b"\x00\xd8", "UTF-16"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_file_is_refused_with_a_clear_error_and_nothing_stored(
    services: Services, ledger: Ledger, name: str
) -> None:
    data, words = HOSTILE[name]
    before = stored_count(ledger)
    outcome = import_file(services, TOWNSHIP, "points-entries", "x", data, TODAY)
    assert len(outcome.errors) == 1, outcome.errors
    assert words in outcome.errors[0].message, outcome.errors[0].message
    assert outcome.batch is None and stored_count(ledger) == before


def test_more_columns_than_allowed_with_cells_is_refused(services: Services) -> None:
    wide = [POINTS_HEADER + [""] * (MAX_COLUMNS - len(POINTS_HEADER)) + ["多余"]]
    outcome = import_file(services, TOWNSHIP, "points-entries", "x.csv", csv_file(wide + wide),
                          TODAY)  # fmt: skip
    assert [(e.row, e.message) for e in outcome.errors] == [(1, f"列数超过上限 {MAX_COLUMNS} 列")]


def test_a_failed_save_of_applications_leaves_nothing_in_the_vault(
    services: Services, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [CAREFUND_HEADER, application_row("王小明", ID_A)]
    before, vaulted = stored_count(ledger), vault_subjects(ledger)
    with monkeypatch.context() as patched:

        def crash(*args: Any, **kwargs: Any) -> Any:
            raise ConnectionError("the database went away during the insert")

        patched.setattr(ledger.app, "_store", crash)
        with pytest.raises(ConnectionError):
            import_file(services, INTAKE, "carefund-applications", "x.csv", csv_file(lines),
                        TODAY)  # fmt: skip
    assert (stored_count(ledger), vault_subjects(ledger)) == (before, vaulted)
    outcome = import_file(services, INTAKE, "carefund-applications", "x.csv", csv_file(lines),
                          TODAY)  # fmt: skip
    assert outcome.errors == [] and vault_subjects(ledger) == vaulted + 1
