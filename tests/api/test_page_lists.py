"""The public page's lists (issue 15 item 8): paging with totals that works without
JavaScript, a 末位 10% section per category, Chinese labels for every code it shows, a
Chinese page for a bad query string, and ``?verify=kind:scope:year`` listing the posting's
rows under the checkpoint they are verified against."""

from __future__ import annotations

import html as entities
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api import labels
from api.app import create_app
from ledger.actor import Actor, Role
from ledger.carefund.config import Industry, Violation
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.points.config import Component, Grade, SchemeConfig
from ledger.points.service import Points
from ledger.settings import Settings
from ledger.supervision.case import Reason, Stage
from ledger.supervision.service import Supervision
from tests.api.conftest import settle
from tests.api.test_page_truth import cosign, signed, witnesses  # noqa: F401 (fixture)
from tests.integration.helpers import YEAR, disbursed, funded
from tests.integration.points_helpers import TOWNSHIP, VILLAGE, points_ready, year_closed
from verify.note import Signer

SUPERVISOR = Actor("supervision-01", Role.SUPERVISION)
FUND = "tongcheng-pioneer-care"


@pytest.fixture
def app(
    witnesses: dict[str, Signer],  # noqa: F811
    ledger: Ledger,
    settings: Settings,
    clock: SteppingClock,
) -> Iterator[TestClient]:
    with TestClient(create_app(settings, clock=clock, follow=False)) as client:
        yield client


def text_of(html: str) -> str:
    """What a reader sees: no script, no tags, no attribute values."""
    html = re.sub(r"<script.*?</script>|<style.*?</style>", "", html, flags=re.S)
    return entities.unescape(re.sub(r"<[^>]+>", " ", html))


def table_rows(html: str, table: str) -> list[str]:
    body = html[html.index(f'<table id="{table}">') :]
    body = body[body.index("<tbody>") : body.index("</tbody>")]
    return [r for r in re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S) if "暂无" not in r]


def cadres(points: Points, n: int, category: str, township: str = "th01") -> list[UUID]:
    """``n`` books of ``category`` in ``township``, cadre i with a bonus of i + 1 tenths (the
    cap is 5 points)."""
    books = []
    for i in range(n):
        cadre = points.ledger.register_subject(
            {"name": f"{labels.CATEGORIES[category]}干部{i}"}, "cadre", TOWNSHIP
        )
        book = points.open_book(cadre, township, "晋熙镇01村", category, VILLAGE)
        points.enter(book, quarter=2, component=Component.BONUS, points_tenths=min(i + 1, 50),
                     reason="表彰", actor=TOWNSHIP)  # fmt: skip
        books.append(book)
    return books


def page(app: TestClient, **params: str) -> str:
    settle(app)
    response = app.get("/", params=params)
    assert response.status_code == 200, response.text
    html: str = response.text
    return html


def test_the_points_list_pages_with_a_total_and_plain_links(
    app: TestClient, ledger: Ledger, clock: SteppingClock
) -> None:
    points = points_ready(ledger, clock)
    cadres(points, 53, "principal")
    cadres(points, 4, "deputy")
    html = page(app)
    assert len(table_rows(html, "points-list")) == 50
    nav = html[html.index('id="points-pages"') :]
    assert "共 57 条，第 1 / 2 页" in nav[: nav.index("</nav>")]
    (second,) = re.findall(r'<a class="page" href="([^"]+)">2</a>', nav[: nav.index("</nav>")])
    assert second == "?points_page=2#points"
    html = page(app, points_page="2")
    assert len(table_rows(html, "points-list")) == 7
    assert "共 57 条，第 2 / 2 页" in html
    html = page(app, points_page="9")  # past the last page: the last page
    assert len(table_rows(html, "points-list")) == 7
    filtered = page(app, category="principal", disbursements_page="1")
    assert "共 53 条，第 1 / 2 页" in filtered
    nav = filtered[filtered.index('id="points-pages"') :]
    assert '<a class="page" href="?category=principal&amp;disbursements_page=1&amp;' \
        'points_page=2#points">2</a>' in nav[: nav.index("</nav>")]  # fmt: skip
    assert "共 0 条" in filtered[filtered.index('id="lectures-pages"') :]


def test_a_bottom_section_per_category(
    app: TestClient, ledger: Ledger, clock: SteppingClock
) -> None:
    points = points_ready(ledger, clock)
    cadres(points, 20, "principal")
    cadres(points, 30, "deputy")
    cadres(points, 10, "reserve")
    html = page(app)
    public = app.get("/api/v1/public/points", params={"limit": 500}).json()["rows"]
    for code, name in labels.CATEGORIES.items():
        bottom = sorted(r["name"] for r in public if r["category"] == code and r["bottom"])
        assert bottom, code  # each category has its 后10%
        shown = table_rows(html, f"bottom-{code}-list")
        names = sorted(re.findall(r"<td>(\w+干部\d+)</td>", "".join(shown)))
        assert names == bottom, code
        assert f'<h3 id="bottom-{code}">{name}干部</h3>' in html
        assert f"共 {len(bottom)} 条" in html[html.index(f'id="bottom_{code}-pages"') :]


def known_codes() -> set[str]:
    """Every code the domain writes into a public row the page shows."""
    return {
        *labels.TOWNSHIPS, *(r.value for r in Reason), *(s.value for s in Stage),
        *(i.value for i in Industry), *(v.value for v in Violation), *(g.value for g in Grade),
        *(c.code for c in SchemeConfig().categories), *(r.value for r in Role),
        *labels.BOARDS, *labels.TRAINING_KINDS, *labels.WITNESS_STATES,
    }  # fmt: skip


def test_labels_cover_every_code_of_the_domain() -> None:
    assert {r.value for r in Reason} <= set(labels.REASONS)
    assert {s.value for s in Stage} <= set(labels.STAGES)
    assert {i.value for i in Industry} <= set(labels.INDUSTRIES)
    assert {r.value for r in Role} <= set(labels.ROLES)
    assert {g.value for g in Grade} <= set(labels.GRADES)
    assert {c.code for c in SchemeConfig().categories} <= set(labels.CATEGORIES)
    assert labels.label(labels.REASONS, "bottom_ranking") == "年度积分同类别后10%"
    assert labels.label(labels.REASONS, "new_reason") == "未知（new_reason）"


def test_the_page_shows_no_raw_code(
    app: TestClient, ledger: Ledger, settings: Settings, clock: SteppingClock,
    witnesses: dict[str, Signer],  # noqa: F811
) -> None:  # fmt: skip
    fund = funded(ledger)
    disbursed(fund, 1)
    points = points_ready(ledger, clock)
    books = cadres(points, 10, "principal")
    board = Supervision(ledger)
    case = board.open_case(target_kind="cadre", target=points.book(books[3]).cadre,
                           reason="complaint", detail="投诉", county="taihu",
                           actor=SUPERVISOR)  # fmt: skip
    board.list_case(case, date(2023, 5, 31), "挂牌", SUPERVISOR)
    year_closed(points, clock)  # opens a bottom_ranking case, grades the cadres
    signed(ledger, settings)
    cosign(ledger, settings, witnesses, "finance", "audit", "supervision")
    clock.set(datetime(2024, 1, 20, 9, 0, tzinfo=UTC))
    seen = text_of(page(app))
    assert "投诉" not in seen  # a case's detail is not on the page, its reason is
    assert "群众举报" in seen and "挂牌督办" in seen and "晋熙镇" in seen and "已立案" in seen
    raw = {c for c in known_codes() if re.search(rf"(?<![\w/-]){re.escape(c)}(?![\w/-])", seen)}
    assert raw == set()


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ({"year": "abc"}, "参数 year 的值“abc”无效，应为四位数字的年度"),
        ({"tier": "0"}, "参数 tier 的值“0”无效"),
        ({"today": "2023-02-30"}, "参数 today 的值“2023-02-30”不是有效日期"),
        ({"points_page": "0"}, "参数 points_page 的值“0”无效，应为页码"),
        ({"verify": "parking:x:2023"}, "参数 verify 的值“parking:x:2023”不是可核验的公示"),
        ({"verify": "carefund"}, "参数 verify 的值“carefund”无效"),
        ([("year", "2023"), ("year", "2024")], "参数 year 出现了 2 次"),
    ],
)
def test_a_bad_query_string_answers_a_chinese_page(
    app: TestClient, query: dict[str, str] | list[tuple[str, str]], named: str
) -> None:
    settle(app)
    response = app.get("/", params=query)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert named in entities.unescape(response.text)
    assert "查询参数有误" in response.text


def test_verify_lists_the_postings_rows_under_its_checkpoint_without_javascript(
    app: TestClient, ledger: Ledger, settings: Settings,
    witnesses: dict[str, Signer],  # noqa: F811
) -> None:  # fmt: skip
    fund = funded(ledger)
    paid = [disbursed(fund, tier) for tier in (1, 2)]
    made = signed(ledger, settings)
    cosign(ledger, settings, witnesses, "finance", "audit")
    html = page(app, verify=f"carefund:{FUND}:{YEAR}")
    section = html[html.index('<section id="verify"') : html.index('<section id="fund">')]
    rows = re.findall(r'<tr data-leaf="(\d+)" data-stream="([^"]+)"', section)
    assert {stream for _, stream in rows} == {str(p) for p in paid}
    assert all(int(leaf) < made.checkpoint.size for leaf, _ in rows)
    assert section.count('class="verify"') == 2
    assert f"共 {made.checkpoint.size} 条记录" in section
    assert f'id="tree-size">{made.checkpoint.size}<' in html  # the checkpoint they are checked on
    assert f'href="/notices/carefund/{FUND}/{YEAR}"' in section
    missing = app.get("/", params={"verify": f"points:taihu:{YEAR}"})
    assert missing.status_code == 404 and "没有可核验的公示" in missing.text


def test_postings_and_their_answered_objections_are_on_the_page(
    app: TestClient, ledger: Ledger
) -> None:
    """The 公示与异议 section: each posting with its notice, verification and objection form
    links; each objection's number, category, status and published answer, and nothing the
    objector gave (contact details, the objection's text)."""
    from tests.integration.helpers import UNION
    from tests.integration.posting_helpers import CONTACT, carefund_posting, objected

    funded(ledger)
    postings = carefund_posting(ledger)
    objected(postings)
    objected(postings, text="金额有误", category="amount", contact={"phone": "13900000000"})
    postings.answer("carefund", FUND, YEAR, 1, "经核查符合条件。", UNION)
    html = page(app)
    section = html[html.index('<section id="postings">') :]
    section = section[: section.index("</section>")]
    (posting,) = table_rows(section, "posting-list")
    assert "桐城市总工会" in posting and "2023-03-01<br>至 2023-03-10" in posting
    assert f"<td>桐城市新业态新就业群体先锋关爱基金 {YEAR} 年度帮扶资金发放公示</td>" in posting
    assert f'href="/notices/carefund/{FUND}/{YEAR}"' in posting
    assert f'href="/?verify=carefund:{FUND}:{YEAR}#verify"' in posting
    assert f"/objections/new?kind=carefund&amp;scope={FUND}&amp;year={YEAR}" in posting
    first, second = (
        [text_of(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, flags=re.S)]
        for r in table_rows(section, "objection-list")
    )
    assert first == ["2023 年度关爱基金发放公示", "1", "2023-03-01", "资格条件", "2023-03-08",
                     "已答复（2023-03-01）", "经核查符合条件。"]  # fmt: skip
    assert second[1:4] == ["2", "2023-03-01", "金额档次"] and second[5:] == ["待答复", ""]
    for personal in (*CONTACT.values(), "13900000000", "申请人并非快递从业人员", "金额有误"):
        assert personal not in html


def test_an_overlong_authorization_header_answers_the_chinese_notice(app: TestClient) -> None:
    """The page reads the header itself: a malformed token is a 401 notice in Chinese, not a
    422 in English JSON from the header's validation."""
    settle(app)
    response = app.get("/", params={"today": "2023-03-25"},
                       headers={"Authorization": "Bearer " + "x" * 300})  # fmt: skip
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("text/html")
    assert "公示期按服务器日期" in response.text
