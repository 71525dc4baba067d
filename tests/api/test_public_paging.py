"""Every public list pages with a total, and exports every matching row (CSV, XLSX).

Each list answers ``total`` (rows matching the filters), ``offset``, ``limit`` and ``rows``
beside its own members; ``?format=csv|xlsx`` or ``Accept`` gives every matching row as a
file, not one page; hostile paging parameters are 422 problems, never 500. The points list
begins with a year's 正职 (the issue: unfiltered it showed only 副职 ranks 1-80, so the
正职's and 副职's bottom-10% marks never appeared).
"""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from fastapi.testclient import TestClient

from ledger.actor import Actor, Role
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.supervision.service import Supervision
from tests.api.conftest import settle
from tests.integration.helpers import disbursed, funded
from tests.integration.points_helpers import cadre_book, points_ready, worked

URL = "/api/v1/public"
SUPERVISOR = Actor("supervision-01", Role.SUPERVISION)
PROBLEM = "application/problem+json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LISTS = (
    "disbursements", "fund-ledger", "audit-results", "points", "supervision", "key-projects",
    "lectures", "assessment-loops", "mentoring-pairs", "training-classes",
)  # fmt: skip
HOSTILE = (
    {"offset": -1}, {"offset": 10**10}, {"offset": "1.5"}, {"offset": ""}, {"limit": 0},
    {"limit": 501}, {"limit": "x"}, {"limit": -5}, {"limit": 10**30}, {"format": "pdf"},
    {"format": "CSV"}, {"format": ""},
)  # fmt: skip


def _points(ledger: Ledger, clock: SteppingClock) -> None:
    """Two 副职 and two 正职 of Taihu's 2023 scheme; one of each works, the other is 末位."""
    points = points_ready(ledger, clock)
    for category, worker, idle in (("deputy", "副甲", "副乙"), ("principal", "正甲", "正乙")):
        worked(points, cadre_book(points, category, worker), 20)
        cadre_book(points, category, idle)


def test_points_begin_with_principals_and_every_bottom_mark_is_reachable(
    ledger: Ledger, client: TestClient, clock: SteppingClock
) -> None:
    _points(ledger, clock)
    settle(client)
    body = client.get(f"{URL}/points", params={"limit": 2}).json()
    assert (body["total"], body["offset"], body["limit"]) == (4, 0, 2)
    assert [(r["name"], r["rank"], r["bottom"]) for r in body["rows"]] == [
        ("正甲", 1, False), ("正乙", 2, True),
    ]  # fmt: skip
    rest = client.get(f"{URL}/points", params={"offset": 2, "limit": 2}).json()["rows"]
    assert [r["name"] for r in rest] == ["副甲", "副乙"]
    for category, name in (("principal", "正乙"), ("deputy", "副乙")):
        bottom = client.get(f"{URL}/points", params={"category": category, "bottom_only": True})
        assert [r["name"] for r in bottom.json()["rows"]] == [name]
    assert client.get(f"{URL}/points", params={"year": 2023}).json()["total"] == 4
    assert client.get(f"{URL}/points", params={"year": 2024}).json()["total"] == 0


@pytest.mark.parametrize("name", LISTS)
def test_every_list_answers_a_page_with_its_total(
    name: str, client: TestClient, ledger: Ledger
) -> None:
    body = client.get(f"{URL}/{name}", params={"offset": 3, "limit": 7})
    assert body.status_code == 200, body.text
    found = body.json()
    assert (found["total"], found["offset"], found["limit"], found["rows"]) == (0, 3, 7, [])
    assert found["position"] == ledger.log.state().size
    if name == "supervision":  # the board's own members stay
        assert (found["open"], found["overdue"], found["closed"]) == ({}, [], [])
    default = client.get(f"{URL}/{name}").json()
    assert (default["offset"], default["limit"]) == (0, 50)


@pytest.mark.parametrize("name", LISTS)
def test_hostile_paging_and_format_are_problems(name: str, client: TestClient) -> None:
    for params in HOSTILE:
        response = client.get(f"{URL}/{name}", params=params)
        assert response.status_code == 422, (name, params, response.text)
        assert response.headers["content-type"] == PROBLEM


def test_an_export_carries_every_matching_row_not_a_page(
    ledger: Ledger, client: TestClient
) -> None:
    fund = funded(ledger)
    cases = {str(disbursed(fund, tier)) for tier in (1, 2, 1)}
    settle(client)
    page = client.get(f"{URL}/disbursements", params={"limit": 1}).json()
    assert page["total"] == 3 and len(page["rows"]) == 1
    as_csv = client.get(f"{URL}/disbursements", params={"limit": 1, "format": "csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    lines = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert len(lines) == 1 + 3 and sum(case in str(lines) for case in cases) == 3
    accepted = client.get(f"{URL}/disbursements", params={"offset": 2},
                          headers={"Accept": "text/csv"})  # fmt: skip
    assert accepted.content == as_csv.content  # the offset pages JSON only
    tier2 = client.get(f"{URL}/disbursements", params={"tier": 2, "format": "xlsx"})
    assert tier2.headers["content-type"] == XLSX
    sheet = openpyxl.load_workbook(io.BytesIO(tier2.content)).active
    assert sheet is not None and sheet.max_row == 1 + 1  # the filter holds, the page doesn't


def test_points_export_equals_the_json_list(
    ledger: Ledger, client: TestClient, clock: SteppingClock
) -> None:
    _points(ledger, clock)
    settle(client)
    listed = client.get(f"{URL}/points", params={"limit": 500}).json()["rows"]
    got = client.get(f"{URL}/points", params={"limit": 1}, headers={"Accept": XLSX})
    sheet = openpyxl.load_workbook(io.BytesIO(got.content)).active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    header = values[0]
    names = [line[header.index("姓名")] for line in values[1:]]
    assert names == [r["name"] for r in listed] == ["正甲", "正乙", "副甲", "副乙"]


def test_the_board_pages_its_cases_and_groups_the_page(ledger: Ledger, client: TestClient) -> None:
    board = Supervision(ledger)
    cases = {
        str(board.open_case(target_kind="unit", target=target, reason="complaint",
                            detail="群众反映", county="taihu", actor=SUPERVISOR))
        for target in ("水利局", "交通局", "教育局")
    }  # fmt: skip
    settle(client)
    first = client.get(f"{URL}/supervision", params={"limit": 2}).json()
    second = client.get(f"{URL}/supervision", params={"offset": 2, "limit": 2}).json()
    assert (first["total"], len(first["rows"]), len(second["rows"])) == (3, 2, 1)
    assert {r["case"] for r in first["rows"] + second["rows"]} == cases
    grouped = [r["case"] for stage in first["open"].values() for r in stage]
    assert grouped == [r["case"] for r in first["rows"]]  # the page's cases, not all three
    assert all(r["overdue"] is False for r in first["rows"])
    exported = client.get(f"{URL}/supervision", params={"limit": 1, "format": "csv"})
    assert len(exported.content.decode("utf-8-sig").strip().splitlines()) == 1 + 3
