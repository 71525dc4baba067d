"""The score-entry form takes points as the clerk writes them (api/console/forms.py): "3.5"
is sent to the API as 35 tenths; "3.55" is refused on the form with a Chinese message,
nothing sent or stored, the values kept. The points book's page links the entry form with
the county, year and book filled in: the clerk types no id."""

from __future__ import annotations

import re
from html import unescape

from fastapi.testclient import TestClient

from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from tests.api.test_console import CSRF, KEY, signed_in, stored
from tests.integration.points_helpers import cadre_book, points_ready

Headers = dict[str, dict[str, str]]
ENTRY = "points.county.year.books.book.entries"
LINK = re.compile(rf'href="(/console/forms/{re.escape(ENTRY)}\?[^"]+)"')


def test_points_with_one_decimal_from_the_books_page_and_more_refused_in_chinese(
    client: TestClient, tokens: Headers, ledger: Ledger, clock: SteppingClock
) -> None:
    book = str(cadre_book(points_ready(ledger, clock)))
    browser, csrf = signed_in(client, tokens["township_party_committee"])
    page = browser.get(f"/console/points-books/{book}")
    link = LINK.search(page.text)
    assert link is not None, page.text
    form = browser.get(unescape(link[1])).text
    for field, value in (("county", "taihu"), ("year", "2023"), ("book", book)):
        assert f'id="f-{field}" name="{field}" value="{value}"' in form
    assert 'inputmode="decimal" id="f-points_tenths"' in form and "十分之一" not in form
    idem = KEY.search(form)
    assert idem is not None and CSRF.search(form) is not None
    values = {"county": "taihu", "year": "2023", "book": book, "quarter": "1",
              "component": "evaluation", "reason": "季度考评"}  # fmt: skip
    before = stored(client)
    refused = browser.post(f"/console/forms/{ENTRY}", data={
        "csrf": csrf, "idempotency_key": idem[1], **values, "points_tenths": "3.55",
    })  # fmt: skip
    assert refused.status_code == 422
    assert "分值须为最多一位小数的数字（如 3.5），而不是“3.55”" in refused.text
    assert 'value="3.55"' in refused.text and stored(client) == before
    written = browser.post(f"/console/forms/{ENTRY}", data={
        "csrf": csrf, "idempotency_key": idem[1], **values, "points_tenths": "3.5",
    })  # fmt: skip
    assert written.status_code == 201, written.text
    answer = client.get(f"/api/v1/points/taihu/2023/books/{book}", headers=tokens["audit"])
    assert answer.status_code == 200, answer.text
    assert [e["points_tenths"] for e in answer.json()["entries"]] == [35]
