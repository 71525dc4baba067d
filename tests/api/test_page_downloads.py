"""The public page's "下载 Excel / CSV" pair per list (review finding 7): each link answers
the spreadsheet of the API list the section shows, with the page's current filters (every
matching row, not the page's page)."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient

from tests.api.test_list_export import XLSX, _xlsx, lists  # noqa: F401  (the fixture)

SECTIONS = ("fund", "disbursements", "points", "bottom-principal", "bottom-deputy",
            "bottom-reserve", "board", "objections", "lectures", "loops", "pairs",
            "trainings")  # fmt: skip


def _downloads(page: str) -> dict[str, dict[str, str]]:
    found = {}
    for key, xlsx, csv in re.findall(
        r'<p class="downloads" id="([a-z-]+)-downloads">[^<]*<a href="([^"]+)" download>Excel</a>'
        r' / <a href="([^"]+)" download>CSV</a>',
        page,
    ):
        found[key] = {"xlsx": html.unescape(xlsx), "csv": html.unescape(csv)}
    return found


def test_every_list_on_the_page_has_links_that_answer_its_files(lists: TestClient) -> None:  # noqa: F811
    links = _downloads(lists.get("/").text)
    assert sorted(links) == sorted(SECTIONS)
    for key, pair in links.items():
        xlsx = lists.get(pair["xlsx"])
        assert xlsx.status_code == 200 and xlsx.headers["content-type"] == XLSX, key
        assert _xlsx(xlsx.content)[0], key  # a header row at least
        csv = lists.get(pair["csv"])
        assert csv.status_code == 200 and csv.content.startswith(b"\xef\xbb\xbf"), key
        assert csv.headers["content-disposition"].startswith("attachment"), key


def test_the_links_carry_the_pages_filters(lists: TestClient) -> None:  # noqa: F811
    links = _downloads(lists.get("/", params={"year": "2023", "tier": "3"}).text)
    grants = links["disbursements"]["xlsx"]
    assert "year=2023" in grants and "tier=3" in grants and "format=xlsx" in grants
    sheet = _xlsx(lists.get(grants).content)
    assert len(sheet) == 1 + 1  # one grant of tier 3 (the fixture has tiers 1 and 3)
    assert sheet[1][sheet[0].index("档次")] == 3
    everything = _xlsx(lists.get(_downloads(lists.get("/").text)["disbursements"]["xlsx"]).content)
    assert len(everything) == 1 + 2
    bottom = _downloads(lists.get("/", params={"category": "deputy"}).text)
    assert "category=deputy" in bottom["points"]["csv"] and "format=csv" in bottom["points"]["csv"]
    assert "bottom_only=true" in bottom["bottom-principal"]["csv"]
