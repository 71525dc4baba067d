"""Spreadsheet import over HTTP (issue 15 item 2): templates, upload 201 / 200 already / 422
with every row's problem / 403 / 413; nothing stored on a refusal."""

from __future__ import annotations

import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from api.spreadsheets.fields import POINTS_COLUMNS
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from tests.integration.helpers import stored_count
from tests.integration.points_helpers import allocated, cadre_book, points_ready
from tests.support.sheets import POINTS_HEADER, csv_file, points_row, xlsx

Headers = dict[str, dict[str, str]]
UPLOAD = "/api/v1/imports/points-entries"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def cadre(ledger: Ledger, clock: SteppingClock) -> str:
    points = points_ready(ledger, clock)
    book = cadre_book(points, name="甲")
    allocated(points, book, "industry", 80, 1)
    return points.book(book).cadre


def _post(client: TestClient, data: bytes, headers: dict[str, str], kind: str = XLSX) -> Any:
    return client.post(UPLOAD, content=data, headers={**headers, "Content-Type": kind})


def test_the_xlsx_template_has_the_header_an_example_and_the_explanations(
    client: TestClient,
) -> None:
    answer = client.get("/api/v1/imports/templates/points-entries.xlsx")
    assert answer.status_code == 200 and answer.headers["content-type"] == XLSX
    book = load_workbook(io.BytesIO(answer.content), read_only=True)
    assert book.sheetnames == ["导入", "说明"]
    rows = [[c.value for c in row] for row in book["导入"].iter_rows(max_row=2)]
    assert rows[0] == [c.header + ("*" if c.required else "") for c in POINTS_COLUMNS]
    assert rows[1] == [c.example for c in POINTS_COLUMNS]
    notes = [[c.value for c in row] for row in book["说明"].iter_rows(min_row=3)]
    assert [n[0] for n in notes] == [c.header for c in POINTS_COLUMNS]
    assert all(n[2] for n in notes)


def test_the_csv_template_opens_in_excel_as_utf8(client: TestClient) -> None:
    answer = client.get("/api/v1/imports/templates/carefund-applications.csv")
    assert answer.status_code == 200 and answer.content.startswith(b"\xef\xbb\xbf")
    assert answer.content.decode("utf-8-sig").splitlines()[0].startswith("年度*,姓名*,")


def test_a_filled_in_template_imports_once(
    client: TestClient, ledger: Ledger, tokens: Headers, cadre: str
) -> None:
    template = client.get("/api/v1/imports/templates/points-entries.xlsx").content
    book = load_workbook(io.BytesIO(template))
    sheet = book["导入"]
    for column, value in enumerate(points_row(cadre), start=1):
        sheet.cell(row=2, column=column, value=value)
    out = io.BytesIO()
    book.save(out)
    before = stored_count(ledger)
    answer = _post(client, out.getvalue(), tokens["township_party_committee"])
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert answer.headers["location"] == body["location"] == (
        f"/api/v1/imports/batches/{body['result']['batch']}")  # fmt: skip
    assert body["evidence"]["stream"] == body["result"]["batch"]
    assert body["result"]["row_count"] == 1 and stored_count(ledger) == before + 2
    again = _post(client, out.getvalue(), tokens["township_party_committee"])
    assert again.status_code == 200 and again.json()["result"]["already"] is True
    assert again.json()["evidence"] == body["evidence"]
    assert stored_count(ledger) == before + 2
    read = client.get(body["location"], headers=tokens["township_party_committee"])
    assert read.json()["rows"] == 1 and read.json()["kind"] == "points-entries"


def test_three_bad_rows_answer_422_with_three_errors_and_store_nothing(
    client: TestClient, ledger: Ledger, tokens: Headers, cadre: str
) -> None:
    lines = [POINTS_HEADER, points_row(cadre), points_row(cadre, quarter=5),
             points_row(cadre, points=""),
             points_row(cadre, component="奖励", reason="x")]  # fmt: skip
    before = stored_count(ledger)
    answer = _post(client, csv_file(lines, "gb18030"), tokens["township_party_committee"],
                   "text/csv")  # fmt: skip
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    body = answer.json()
    assert body["code"] == "import.rows"
    assert [(e["row"], e["column"]) for e in body["errors"]] == [
        (3, "季度"), (4, "分值"), (5, "类型")]  # fmt: skip
    assert stored_count(ledger) == before


def test_a_role_that_does_not_score_is_403_and_nothing_stored(
    client: TestClient, ledger: Ledger, tokens: Headers, cadre: str
) -> None:
    before = stored_count(ledger)
    data = xlsx([POINTS_HEADER, points_row(cadre)])
    for role in ("finance", "intake"):  # intake imports applications, not score entries
        answer = _post(client, data, tokens[role])
        assert answer.status_code == 403 and answer.json()["rule"] == "role", role
    assert stored_count(ledger) == before
    assert client.post(UPLOAD, content=b"x").status_code == 401


def test_an_upload_may_pass_the_general_body_limit_up_to_5_mb(
    client: TestClient, ledger: Ledger, tokens: Headers, cadre: str
) -> None:
    """The test server's body limit is 4,096 bytes; an XLSX is larger and still imports."""
    data = xlsx([POINTS_HEADER, points_row(cadre)])
    assert len(data) > 4096
    assert _post(client, data, tokens["township_party_committee"]).status_code == 201
    before = stored_count(ledger)
    huge = _post(client, b"a" * (5 * 1024 * 1024 + 1), tokens["township_party_committee"])
    assert huge.status_code == 413 and stored_count(ledger) == before
    form = client.post("/console/import", content=b"a" * 5000,
                       headers={"Content-Type": "multipart/form-data; boundary=x"})  # fmt: skip
    assert form.status_code != 413  # the console's upload form: the same larger limit
    json_type = {**tokens["intake"], "Content-Type": "application/json"}
    other = client.post("/api/v1/subjects", content=b"a" * 5000, headers=json_type)
    assert other.status_code == 413
