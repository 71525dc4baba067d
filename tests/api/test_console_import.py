"""The console's spreadsheet import (/console/import): a township clerk uploads quarterly
score entries as a multipart form — a file with three bad rows lists each by row and column
and writes nothing; the good file shows the batch's receipt; the same file again answers the
first batch, writing nothing; without the CSRF token, 403 and nothing read; a role that may
import nothing is offered nothing."""

from __future__ import annotations

import re
from uuid import uuid4

from fastapi.testclient import TestClient
from httpx import Response

from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from tests.api.test_console import signed_in, stored
from tests.integration.points_helpers import allocated, cadre_book, points_ready
from tests.support.sheets import POINTS_HEADER, csv_file, points_row

Headers = dict[str, dict[str, str]]
ROW = re.compile(r'<td class="row">(\d+)</td><td class="column">([^<]+)</td>')


def _cadre(ledger: Ledger, clock: SteppingClock) -> str:
    points = points_ready(ledger, clock)
    book = cadre_book(points, name="甲")
    allocated(points, book, "industry", 80, 1)
    return points.book(book).cadre


def test_an_upload_names_every_bad_row_then_writes_the_good_file_once(
    client: TestClient, tokens: Headers, ledger: Ledger, clock: SteppingClock
) -> None:
    cadre = _cadre(ledger, clock)
    browser, csrf = signed_in(client, tokens["township_party_committee"])
    page = browser.get("/console/import").text
    assert 'value="points-entries"' in page and "carefund-applications" not in page
    rated = points_row(cadre, component="评议", points=5.5, task=None, reason="第一季度评议")
    good = [POINTS_HEADER, points_row(cadre, points="3.5"), rated]
    bad = [*good, points_row(cadre, points="3.55"), points_row(str(uuid4())),
           points_row(cadre, quarter=9)]  # fmt: skip
    before = stored(client)

    def upload(data: bytes, name: str, token: str | None = csrf) -> Response:
        form = {"kind": "points-entries", **({"csrf": token} if token else {})}
        answer: Response = browser.post("/console/import", data=form, files={"file": (name, data)})
        return answer

    refused = upload(csv_file(bad), "一季度.csv")
    assert refused.status_code == 422
    found = ROW.findall(refused.text)
    assert [int(row) for row, _ in found] == [4, 5, 6] and found[0][1] == "分值"
    assert stored(client) == before
    assert upload(csv_file(good), "一季度.csv", None).status_code == 403
    assert upload(csv_file(good), "一季度.csv", "0" * 64).status_code == 403
    assert stored(client) == before
    written = upload(csv_file(good), "一季度.csv")
    assert written.status_code == 201, written.text
    text = written.text
    assert (
        stored(client) == before + 3 and len(re.findall(r'class="hash">[0-9a-f]{64}<', text)) == 3
    )
    batch = re.search(r'<code id="batch">([0-9a-f-]{36})</code>', text)
    assert batch is not None
    again = upload(csv_file(good), "一季度.csv")
    assert again.status_code == 200 and "已导入过" in again.text
    assert batch[1] in again.text and stored(client) == before + 3


def test_a_role_that_imports_nothing_is_offered_nothing(
    client: TestClient, tokens: Headers
) -> None:
    browser, csrf = signed_in(client, tokens["finance"])
    assert "没有可导入的表格" in browser.get("/console/import").text
    answer = browser.post("/console/import", data={"csrf": csrf, "kind": "points-entries"},
                          files={"file": ("x.csv", b"a,b\r\n")})  # fmt: skip
    assert answer.status_code == 422 and "记录" not in answer.text
