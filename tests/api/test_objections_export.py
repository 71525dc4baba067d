"""The public objections list as a spreadsheet (review finding 6), like every other public
list: ``?format=csv|xlsx`` or ``Accept``, every row matching the filters (not one page), the
XLSX equal to the JSON list; a format the lists don't have is 422. The objector's contact and
text are in no export."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from tests.api.conftest import settle
from tests.api.test_list_export import XLSX, _all_rows, _expected, _xlsx
from tests.api.test_postings_http import NAME, PHONE, POSTING, TEXT, objection, opened
from tests.integration.helpers import funded
from tests.integration.posting_helpers import at

URL = "/api/v1/public/objections"


@pytest.fixture
def objected(
    client: TestClient, tokens: dict[str, dict[str, str]], ledger: Ledger, clock: SteppingClock
) -> TestClient:
    """Three objections to the care fund's 2023 posting, the first answered."""
    funded(ledger)
    opened(client, tokens["trade_union"])
    at(clock, date(2023, 3, 2))
    for text in (TEXT, "评审过程未公开", "金额有误"):
        assert objection(client, text).status_code == 201
    settle(client)
    first = client.get(URL).json()["rows"][0]["objection"]
    answered = client.post(f"/api/v1/postings/{POSTING}/objections/{first}/answer",
                           json={"answer": "经核实，维持原结果。"},
                           headers=tokens["trade_union"])  # fmt: skip
    assert answered.status_code == 201, answered.text
    settle(client)
    return client


@pytest.mark.parametrize("path", [URL, f"{URL}?status=waiting", f"{URL}?kind=points"])
def test_the_xlsx_equals_the_json_list_with_its_filters(objected: TestClient, path: str) -> None:
    rows = _all_rows(objected, path)
    sep = "&" if "?" in path else "?"
    answer = objected.get(f"{path}{sep}format=xlsx&limit=1")  # an export is not a page
    assert answer.status_code == 200 and answer.headers["content-type"] == XLSX
    assert 'filename="' in answer.headers["content-disposition"]
    assert _xlsx(answer.content) == _expected("objections", rows)
    assert _xlsx(objected.get(path, headers={"Accept": XLSX}).content) == _expected(
        "objections", rows
    )
    assert len(rows) == {URL: 3, f"{URL}?status=waiting": 2, f"{URL}?kind=points": 0}[path]


def test_the_csv_is_utf8_with_bom_and_holds_nothing_personal(objected: TestClient) -> None:
    answer = objected.get(URL, params={"format": "csv"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert answer.content.startswith(b"\xef\xbb\xbf")
    text = answer.content.decode("utf-8-sig")
    assert len(text.strip().splitlines()) == 1 + 3 and "已答复" in text
    by_accept = objected.get(URL, headers={"Accept": "text/csv"})
    assert by_accept.content == answer.content
    for secret in (NAME, PHONE, TEXT):
        assert secret not in text


def test_a_format_the_lists_lack_is_refused(objected: TestClient) -> None:
    answer = objected.get(URL, params={"format": "pdf"})
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
