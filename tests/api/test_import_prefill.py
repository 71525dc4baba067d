"""A points-entries template pre-filled for a township (review finding 10): one row per open
points book with its 干部编号, village and the query's quarter, never a name; the clerk fills in
some rows, the untouched ones are skipped on import. By the query, or by a township token's
scope (a query outside it is 403)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.points.service import Points
from tests.api.conftest import settle
from tests.integration.helpers import stored_count
from tests.integration.points_helpers import ORGANISATION, allocated, cadre_book, points_ready

URL = "/api/v1/imports/templates/points-entries"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PLACE = {"county": "taihu", "year": "2023", "township": "th01", "quarter": "1"}
NAMES = ("甲某某", "乙某某")


@pytest.fixture
def cadres(client: TestClient, ledger: Ledger, clock: SteppingClock) -> list[str]:
    """Two books in th01 / 晋熙镇01村 (4.0 of industry Q1 allocated to each), their cadres' ids."""
    points = points_ready(ledger, clock)
    books = [cadre_book(points, name=name) for name in NAMES]
    for book in books:
        allocated(points, book, "industry", 40, 1)
    settle(client)
    return sorted(points.book(b).cadre for b in books)


def _sheets(content: bytes) -> dict[str, list[list[Any]]]:
    book = load_workbook(io.BytesIO(content))
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in book}


def _rows(sheet: list[list[Any]]) -> list[dict[str, Any]]:
    header = [str(h).rstrip("*") for h in sheet[0]]
    return [dict(zip(header, row, strict=True)) for row in sheet[1:] if any(row)]


def test_one_row_per_book_with_its_cadre_id_and_no_name(
    client: TestClient, cadres: list[str]
) -> None:
    answer = client.get(f"{URL}.xlsx", params=PLACE)
    assert answer.status_code == 200 and answer.headers["content-type"] == XLSX
    sheets = _sheets(answer.content)
    rows = _rows(sheets["导入"])
    assert [(r["干部编号"], r["村"], r["季度"], r["乡镇"], r["年度"], r["类型"]) for r in rows] == [
        (c, "晋熙镇01村", "1", "th01", "2023", None) for c in cadres
    ]
    text = repr(sheets)
    assert not any(name in text for name in NAMES)
    assert "预填" in text and "留空" in text  # the 说明 sheet says how to use it
    csv = client.get(f"{URL}.csv", params=PLACE).content.decode("utf-8-sig")
    assert all(c in csv for c in cadres) and not any(name in csv for name in NAMES)


def test_a_filled_in_row_imports_and_the_untouched_one_is_skipped(
    client: TestClient, ledger: Ledger, tokens: dict[str, dict[str, str]], cadres: list[str]
) -> None:
    township = tokens["township_party_committee"]
    content = client.get(f"{URL}.xlsx", headers=township, params={"quarter": "1"}).content
    book = load_workbook(io.BytesIO(content))
    sheet = book["导入"]
    header = [str(c.value).rstrip("*") for c in sheet[1]]
    row = 3  # the second book's; the first is left untouched
    for title, value in (("类型", "工作实绩"), ("分值", "3"), ("任务", "industry"),
                         ("事由", "完成第一季度产业任务")):  # fmt: skip
        sheet.cell(row, header.index(title) + 1, value)
    filled = sheet.cell(row, header.index("干部编号") + 1).value
    out = io.BytesIO()
    book.save(out)
    before = stored_count(ledger)
    answer = client.post("/api/v1/imports/points-entries", content=out.getvalue(),
                         headers={**township, "Content-Type": XLSX})  # fmt: skip
    assert answer.status_code == 201, answer.text
    result = answer.json()["result"]
    assert result["row_count"] == 1 and [r["row"] for r in result["rows"]] == [row]
    assert stored_count(ledger) == before + 2  # the batch and one entry
    assert filled == cadres[1]
    untouched = client.post("/api/v1/imports/points-entries", content=content,
                            headers={**township, "Content-Type": XLSX})  # fmt: skip
    assert untouched.status_code == 422 and untouched.json()["errors"][0]["row"] == 0


def test_the_tokens_scope_decides_and_bounds_the_place(
    client: TestClient, tokens: dict[str, dict[str, str]], cadres: list[str]
) -> None:
    township = tokens["township_party_committee"]
    by_scope = _rows(_sheets(client.get(f"{URL}.xlsx", headers=township).content)["导入"])
    assert [r["干部编号"] for r in by_scope] == cadres
    outside = client.get(f"{URL}.xlsx", headers=township, params={"township": "th02"})
    assert outside.status_code == 403
    intake = client.get(f"{URL}.xlsx", headers=tokens["intake"])
    assert intake.status_code == 403


def test_a_prefill_needs_its_place_and_the_plain_template_stays(
    client: TestClient, cadres: list[str]
) -> None:
    assert client.get(f"{URL}.xlsx", params={"year": "2023"}).status_code == 422
    other = client.get("/api/v1/imports/templates/carefund-applications.xlsx",
                       params={"year": "2023"})  # fmt: skip
    assert other.status_code == 422
    plain = _rows(_sheets(client.get(f"{URL}.xlsx").content)["导入"])
    assert len(plain) == 1 and plain[0]["干部编号"] not in cadres  # the example row


def test_a_year_closed_at_year_end_has_no_books_to_fill(
    client: TestClient, ledger: Ledger, clock: SteppingClock, cadres: list[str]
) -> None:
    clock.set(datetime(2024, 1, 5, 9, 0, tzinfo=UTC))
    Points(ledger).close_year(ORGANISATION)
    settle(client)
    assert _rows(_sheets(client.get(f"{URL}.xlsx", params=PLACE).content)["导入"]) == []
