"""The printable notice (issue 15 item 3): its rows are the public list's rows, it names the
checkpoint they belong to and encodes the page's verification of the list, it is an A4 page,
and it carries no personal data; an unknown posting answers a Chinese page."""

from __future__ import annotations

import html as entities
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.labels import INDUSTRIES
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.points.config import Component
from ledger.settings import Settings
from tests.api.conftest import settle
from tests.api.test_page_truth import cosign, signed, witnesses  # noqa: F401 (fixture)
from tests.integration.helpers import UNION, YEAR, disbursed, funded
from tests.integration.points_helpers import (
    ORGANISATION,
    TOWNSHIP,
    cadre_book,
    points_ready,
    worked,
    year_closed,
)
from tests.integration.posting_helpers import (
    CONTACT,
    END,
    HOW,
    START,
    UNIT_NAME,
    carefund_posting,
    objected,
)
from verify.note import Signer

FUND = "tongcheng-pioneer-care"  # FundConfig's default fund
NAMES = ("测试人", "13800000000")  # tests/integration/helpers.subject's personal data


@pytest.fixture
def app(
    witnesses: dict[str, Signer],  # noqa: F811
    ledger: Ledger,
    settings: Settings,
    clock: SteppingClock,
) -> Iterator[TestClient]:
    with TestClient(create_app(settings, clock=clock, follow=False)) as client:
        yield client


def cells(html: str) -> list[list[str]]:
    """The notice's list: each row's cells as text."""
    body = html[html.index('<table id="notice-rows">') :]
    body = body[body.index("<tbody>") : body.index("</tbody>")]
    return [
        [entities.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(
            r"<td[^>]*>(.*?)</td>", row, flags=re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S)
    ]  # fmt: skip


def test_a_fund_years_notice_lists_the_public_rows_and_their_checkpoint(
    app: TestClient,
    ledger: Ledger,
    settings: Settings,
    witnesses: dict[str, Signer],  # noqa: F811
) -> None:
    fund = funded(ledger)
    for tier in (1, 3, 2):
        disbursed(fund, tier)
    made = signed(ledger, settings)
    cosign(ledger, settings, witnesses, "finance", "audit")
    settle(app)
    response = app.get(f"/notices/carefund/{FUND}/{YEAR}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    public = app.get("/api/v1/public/disbursements", params={"year": YEAR}).json()["rows"]
    assert len(public) == 3
    expected = [
        [str(i), r["application"], INDUSTRIES[r["industry"]], f"{r['tier']} 档",
         f"{r['amount_fen'] // 100:,}.{r['amount_fen'] % 100:02d}", r["disbursed_on"]]
        for i, r in enumerate(public, 1)
    ]  # fmt: skip
    assert cells(html) == expected
    assert "共 3 笔" in html
    assert f'id="checkpoint-size">{made.checkpoint.size}<' in html
    root = re.search(r'id="checkpoint-root">([^<]+)<', html)
    assert root and root[1] == made.checkpoint.text().split("\n")[2]
    assert re.search(r'id="checkpoint-cosigners">财政局、审计局<', html)
    assert 'id="covered">下表各条记录均已收录' in html
    assert "@page { size: A4" in html and "display: table-header-group" in html
    assert "发布单位：<strong>桐城市总工会</strong>" in html
    assert "本公示未开通在线异议" in html  # no posting record: the form has none to take
    url = f"http://testserver/?verify=carefund:{FUND}:{YEAR}"
    assert f'id="verify-url">{url}<' in html
    assert "<svg" in html and "<path" in html  # the QR code, inline
    for personal in NAMES:
        assert personal not in html
    for row in public:  # not even the masked name the list shows during the window
        assert row["masked_name"] not in html


def test_a_points_years_notice_shows_the_close_ranking(
    app: TestClient, ledger: Ledger, settings: Settings, clock: SteppingClock
) -> None:
    points = points_ready(ledger, clock)
    books = [cadre_book(points, "principal", name) for name in ("李一", "李二", "李三")]
    for n, book in enumerate(books):
        worked(points, book, 10 * (n + 1))
    year_closed(points, clock)
    points.reopen_year("补录", ORGANISATION)  # live totals move on; the posting is the close's
    points.enter(books[0], quarter=4, component=Component.BONUS, points_tenths=50,
                 reason="补录表彰", actor=TOWNSHIP)  # fmt: skip
    settle(app)
    html = app.get(f"/notices/points/taihu/{YEAR}").text
    public = app.get("/api/v1/public/points", params={"county": "taihu"}).json()["rows"]
    listed = sorted((r for r in public if r["year"] == YEAR), key=lambda r: r["closed_rank"])
    shown = cells(html)
    assert [r["rank"] for r in listed] == [2, 3, 1]  # live: the last of the close now leads
    assert [c[:6] for c in shown] == [
        ["正职", str(r["closed_rank"]), r["name"], "晋熙镇", r["village"],
         f"{r['closed_total'] // 10}.{r['closed_total'] % 10}"] for r in listed
    ]  # fmt: skip
    assert [c[6] for c in shown] == ["▲ 后10%" if r["closed_bottom"] else "" for r in listed]
    assert "th01" not in re.sub(r"<[^>]+>", "", html)  # the township by its name
    assert "发布单位：<strong>太湖县委组织部</strong>" in html
    assert "公示期：<strong>2024-01-10</strong> 至 <strong>2024-01-16</strong>" in html
    assert "年度积分尚未收官" not in html


@pytest.mark.parametrize(
    ("path", "status", "text"),
    [
        (f"/notices/carefund/{FUND}/2031", 404, "2031 年度没有关爱基金发放公示"),
        ("/notices/points/taihu/2031", 404, "太湖县 2031 年度没有"),
        (f"/notices/parking/{FUND}/2023", 400, "不是有效的公示"),
        (f"/notices/carefund/{FUND}/23", 400, "不是有效的公示"),
        ("/notices/carefund/Bad%20Scope/2023", 400, "不是有效的公示"),
    ],
)
def test_an_unknown_or_malformed_notice_answers_a_chinese_page(
    app: TestClient, path: str, status: int, text: str
) -> None:
    settle(app)
    response = app.get(path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert text in response.text


def test_a_grant_past_its_posting_window_is_not_on_the_notice(
    app: TestClient, ledger: Ledger, clock: SteppingClock
) -> None:
    """The notice lists what the public list shows on the server's date: a grant paid 30 days
    ago has been withdrawn (公示期 over), one paid today is listed."""
    fund = funded(ledger)
    old = disbursed(fund, 1)
    clock.set(clock() + timedelta(days=30))
    new = disbursed(fund, 2)
    settle(app)
    html = app.get(f"/notices/carefund/{FUND}/{YEAR}").text
    assert [c[1] for c in cells(html)] == [str(new)]
    assert str(old) not in html


def test_an_opened_posting_gives_the_notice_its_unit_period_rows_and_answered_objections(
    app: TestClient, ledger: Ledger, clock: SteppingClock
) -> None:
    """With the unit's posting record (ledger/posting/): its issuing unit, period and how to
    object; the rows are the year's grants paid by the period's end (not the running list's
    30-day window); each objection's number, category, status and published answer — never the
    objector's contact details nor the objection's own text (both in the vault)."""
    fund = funded(ledger)
    posted = disbursed(fund, 1)  # 1 March, inside the period 1-10 March
    postings = carefund_posting(ledger)
    objected(postings)
    answer = "经核查，申请人系快递从业人员，符合帮扶条件。"
    postings.answer("carefund", FUND, YEAR, 1, answer, UNION)
    clock.set(datetime(2023, 4, 15, 2, 0, tzinfo=UTC))  # past the grant's own 30-day window
    later = disbursed(fund, 2)  # after the period: not a row of this posting
    settle(app)
    html = app.get(f"/notices/carefund/{FUND}/{YEAR}").text
    assert [c[1] for c in cells(html)] == [str(posted)]
    assert str(later) not in html
    assert f"发布单位：<strong>{UNIT_NAME}</strong>" in html
    assert f"公示期：<strong>{START}</strong> 至 <strong>{END}</strong>" in html
    assert f"异议方式：{HOW}" in html
    objections = html[html.index('<section id="notice-objections">') :]
    objections = objections[: objections.index("</section>")]
    assert "<td>1</td>" in objections and "资格条件" in objections and "已答复" in objections
    assert answer in objections
    for personal in (*CONTACT.values(), "申请人并非快递从业人员"):
        assert personal not in html
