"""The score-entry form takes points as the clerk writes them (api/console/forms.py): "3.5"
is sent to the API as 35 tenths; "3.55" is refused on the form with a Chinese message,
nothing sent or stored, the values kept. The points book's page links the entry form with
the county, year and book filled in: the clerk types no id. Amounts likewise in yuan with at
most two decimals."""

from __future__ import annotations

import re
from html import unescape

from fastapi.testclient import TestClient

from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from tests.api.test_console import CSRF, KEY, send, signed_in, stored
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


def test_amounts_in_yuan_with_two_decimals_and_more_refused_in_chinese(
    client: TestClient, tokens: Headers
) -> None:
    """A contribution's 金额 in yuan: "1.234" refused on the form (nothing stored), "500.5"
    sent as 50050 fen."""
    browser, csrf = signed_in(client, tokens["finance"])
    opened = send(browser, csrf, "carefund.years", year=2023)
    assert opened.status_code == 201, opened.text
    key = "carefund.years.year.contributions"
    form = browser.get(f"/console/forms/{key}").text
    assert "金额（元）" in form and 'inputmode="decimal" id="f-amount_fen"' in form
    money = {"year": "2023", "source": "trade_union", "reference": "R-1"}
    before = stored(client)
    refused = send(browser, csrf, key, **money, amount_fen="1.234")
    assert refused.status_code == 422 and stored(client) == before
    assert "金额须为以元计、最多两位小数的数字（如 500 或 1234.50），而不是“1.234”" in refused.text
    written = send(browser, csrf, key, **money, amount_fen="500.5")
    assert written.status_code == 201, written.text
    year = client.get("/api/v1/carefund/years/2023", headers=tokens["audit"]).json()
    assert year["received_fen"] == 50050
