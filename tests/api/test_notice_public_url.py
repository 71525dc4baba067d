"""The notice's addresses (api/public_access.py): with GONGSHI_PUBLIC_URL the QR code, the
verification URL and the objection form's address are the public ones whatever ``Host`` the
request names; the online form is offered only while the posting takes objections; the
points notice shows each row's points-card id, which the form asks for."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient

from api.public_access import PublicAccess
from api.qr import qr_svg
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from tests.api.conftest import settle
from tests.integration.helpers import YEAR, funded
from tests.integration.points_helpers import cadre_book, points_ready, worked, year_closed
from tests.integration.posting_helpers import END, FUND, START, at, carefund_posting

PUBLIC = "https://gongshi.tongcheng.example"
NOTICE = f"/notices/carefund/{FUND}/{YEAR}"
SPOOFED = {"Host": "evil.example", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"}


@pytest.fixture
def posted(client: TestClient, ledger: Ledger, clock: SteppingClock) -> TestClient:
    funded(ledger)
    carefund_posting(ledger)
    at(clock, date(2023, 3, 2))
    settle(client)
    return client


def test_the_public_url_is_printed_whatever_host_the_request_names(posted: TestClient) -> None:
    posted.app.state.public_access = PublicAccess(public_url=PUBLIC)  # type: ignore[attr-defined]
    html = posted.get(NOTICE, headers=SPOOFED).text
    url = f"{PUBLIC}/?verify=carefund:{FUND}:{YEAR}"
    assert f'id="verify-url">{url}<' in html
    assert qr_svg(url) in html  # the QR code encodes the public address
    assert f"<code>{PUBLIC}/objections/new?kind=carefund&amp;scope={FUND}" in html
    assert "evil.example" not in html and "testserver" not in html
    form = posted.get(f"/objections/new?kind=carefund&scope={FUND}&year={YEAR}", headers=SPOOFED)
    assert f'action="{PUBLIC}/objections/new?' in form.text and "evil.example" not in form.text


def test_without_the_setting_the_request_base_url_is_used(posted: TestClient) -> None:
    posted.app.state.public_access = PublicAccess()  # type: ignore[attr-defined]
    html = posted.get(NOTICE).text
    assert f'id="verify-url">http://testserver/?verify=carefund:{FUND}:{YEAR}<' in html


@pytest.mark.parametrize(
    ("day", "shown", "form"),
    [
        (date(2023, 2, 27), f"公示期开始（{START}）后可在", True),
        (date(2023, 3, 2), "在线提交异议：<code>", True),
        (END, "在线提交异议：<code>", True),
        (date(2023, 3, 11), f"公示期已于 {END} 结束，不再受理在线异议", False),
    ],
)
def test_the_form_is_offered_only_while_the_posting_takes_objections(
    posted: TestClient, clock: SteppingClock, day: date, shown: str, form: bool
) -> None:
    at(clock, day)
    html = posted.get(NOTICE).text
    paragraph = re.search(r'<p id="objection-url">(.*?)</p>', html, re.S)
    assert paragraph and shown in paragraph[1]
    assert ("/objections/new?" in paragraph[1]) is form


def test_a_notice_without_a_posting_record_offers_no_form(
    client: TestClient, ledger: Ledger
) -> None:
    funded(ledger)
    settle(client)
    html = client.get(NOTICE).text
    assert "本公示未开通在线异议" in html and "/objections/new?" not in html


def test_the_points_notice_shows_each_rows_points_card_id(
    client: TestClient, ledger: Ledger, clock: SteppingClock
) -> None:
    points = points_ready(ledger, clock)
    books = [cadre_book(points, "principal", name) for name in ("李一", "李二")]
    for n, book in enumerate(books):
        worked(points, book, 10 * (n + 1))
    year_closed(points, clock)
    settle(client)
    html = client.get(f"/notices/points/taihu/{YEAR}").text
    assert "<th>积分卡编号</th>" in html
    for book in books:
        assert f"<td><code>{book}</code></td>" in html
