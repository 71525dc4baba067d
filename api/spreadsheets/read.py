"""Reading an uploaded spreadsheet into rows of text, refusing what is no spreadsheet or too big.

XLSX (a ZIP of XML parts) through openpyxl in read-only mode, the first worksheet only (a
template's second sheet, 说明, is ignored); CSV in UTF-8 (with or without BOM), GB18030 (what
Chinese Excel's "CSV (逗号分隔)" writes: GBK is its subset) or UTF-16 with BOM, tab-separated
(Excel's "Unicode 文本"). Every cell becomes text: numbers as written (3.5, 13800000000),
TRUE/FALSE as 是/否, dates as YYYY-MM-DD; the per-kind columns parse the text.

Limits, so a hostile file costs little and stores nothing: MAX_BYTES for the file; for an
XLSX at most MAX_PARTS parts, MAX_UNZIPPED bytes unpacked, no DTD or entity declaration in any
part; a formula anywhere is refused (its cached value may be stale or forged: what the clerk
saw is not what would be stored); at most MAX_IMPORT_ROWS data rows and MAX_COLUMNS columns
(a cell beyond them is refused; cells beyond a sheet's declared dimension are not read).
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from openpyxl import load_workbook

from verify.schema import MAX_IMPORT_ROWS

MAX_BYTES = 5 * 1024 * 1024
MAX_UNZIPPED = 40 * 1024 * 1024
MAX_PARTS = 200
MAX_COLUMNS = 40
MAX_CELL = 2000  # characters of one cell
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (Excel 97-2003), .et


class FileRefused(ValueError):
    """The file as a whole can't be read; ``message`` says why, in Chinese; ``row`` is 1 for
    a problem of the header row, 0 for the file; ``column`` the header or column concerned."""

    def __init__(self, message: str, row: int = 0, column: str = "") -> None:
        super().__init__(message)
        self.message, self.row, self.column = message, row, column


@dataclass(frozen=True)
class Table:
    """The header row's cells and every non-empty data row with its row number as the
    spreadsheet shows it (the header is row 1)."""

    header: list[str]
    rows: list[tuple[int, list[str]]]


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters, n = "", index + 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def read_table(data: bytes) -> Table:
    """The table of an XLSX or CSV file's bytes; FileRefused when it is neither, or too big."""
    if len(data) > MAX_BYTES:
        raise FileRefused(f"文件过大（{len(data):,} 字节），上限 {MAX_BYTES:,} 字节")
    if not data.strip():
        raise FileRefused("文件是空的")
    if data.startswith(OLE_MAGIC):
        raise FileRefused("这是旧版 Excel（.xls）文件：请另存为 .xlsx 或 CSV 后再导入")
    lines = _xlsx_lines(data) if data.startswith(XLSX_MAGIC) else _csv_lines(data)
    return _table(lines)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _check_zip(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
        if len(parts) > MAX_PARTS:
            raise FileRefused(f"XLSX 文件包含 {len(parts)} 个部件，上限 {MAX_PARTS} 个")
        if sum(p.file_size for p in parts) > MAX_UNZIPPED:
            raise FileRefused(f"XLSX 文件解压后超过 {MAX_UNZIPPED:,} 字节")
        for part in parts:
            if part.filename.endswith((".xml", ".rels")):
                with archive.open(part) as stream:
                    head = stream.read(MAX_UNZIPPED)
                if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                    raise FileRefused("XLSX 文件含有 DTD 或实体声明，拒绝读取")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as e:
        raise FileRefused(f"不是有效的 XLSX 文件（{type(e).__name__}）") from None


def _xlsx_lines(data: bytes) -> Iterator[list[str]]:
    _check_zip(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as e:  # openpyxl raises many kinds for a broken file
        raise FileRefused(f"无法读取 XLSX 文件（{type(e).__name__}）") from None
    try:
        if not book.worksheets:
            raise FileRefused("XLSX 文件没有工作表")
        rows = book.worksheets[0].iter_rows(max_col=MAX_COLUMNS + 1)
        for number, row in enumerate(rows, start=1):
            cells = []
            for index, cell in enumerate(row):
                if getattr(cell, "data_type", None) == "f":
                    raise FileRefused(
                        "单元格含公式：请复制后“选择性粘贴为数值”再导入",
                        number, column_letter(index) + str(number),
                    )  # fmt: skip
                cells.append(_text(getattr(cell, "value", None)))
            yield cells
    except FileRefused:
        raise
    except Exception as e:
        raise FileRefused(f"无法读取 XLSX 文件（{type(e).__name__}）") from None
    finally:
        book.close()


def _decode(data: bytes) -> tuple[str, str]:
    """The text and the delimiter."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "\t"
        except UnicodeDecodeError:
            raise FileRefused("UTF-16 文本无法解码") from None
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[3:].decode("utf-8"), ","
        except UnicodeDecodeError:
            raise FileRefused("文件以 UTF-8 BOM 开头，但内容不是 UTF-8") from None
    if b"\x00" in data:
        raise FileRefused("不是 XLSX 或 CSV 文件（含二进制内容）")
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding), ","
        except UnicodeDecodeError:
            continue
    raise FileRefused("无法识别文件编码：请以 UTF-8 或 GBK/GB18030 保存 CSV")


def _csv_lines(data: bytes) -> Iterator[list[str]]:
    text, delimiter = _decode(data)
    if "\x00" in text:
        raise FileRefused("不是 XLSX 或 CSV 文件（含二进制内容）")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        for cells in reader:
            yield [c.strip() for c in cells]
    except csv.Error as e:
        raise FileRefused(f"CSV 格式错误：第 {reader.line_num} 行（{e}）") from None


def _table(lines: Iterator[list[str]]) -> Table:
    """Requires a header in row 1; refuses a cell beyond MAX_COLUMNS, more than
    MAX_IMPORT_ROWS non-empty rows (as soon as one more is read), a cell over MAX_CELL."""
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for n, line in enumerate(lines, start=1):
        if any(c for c in line[MAX_COLUMNS:]):
            raise FileRefused(f"列数超过上限 {MAX_COLUMNS} 列", n, column_letter(MAX_COLUMNS))
        for i, cell in enumerate(line):
            if len(cell) > MAX_CELL:
                raise FileRefused(f"单元格超过 {MAX_CELL} 个字符", n, column_letter(i) + str(n))
        cells = (line + [""] * MAX_COLUMNS)[:MAX_COLUMNS]
        if header is None:
            if not any(cells):
                raise FileRefused("第 1 行须为表头（列名），但它是空的", 1)
            header = cells
        elif any(cells):
            if len(rows) == MAX_IMPORT_ROWS:
                raise FileRefused(f"数据行超过上限 {MAX_IMPORT_ROWS} 行：请分成几个文件导入")
            rows.append((n, cells))
    if header is None:
        raise FileRefused("第 1 行须为表头（列名），但它是空的", 1)
    if not rows:
        raise FileRefused("文件中没有数据行（表头之后全为空）")
    return Table(header, rows)
