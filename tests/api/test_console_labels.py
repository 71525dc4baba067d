"""Console pages show Chinese names, not codes (api/labels.py): a case's reason and county,
a book's county and township, each history record's type (supervision.CaseOpened → 立案,
the code only in the cell's title), a form's choices; the receipt cells are one macro
(api/templates/console/receipts.html) in the history, the write's receipt and the import's."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from api.console.forms import write_forms
from api.console.wording import FORMS, V1
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from tests.api.test_console import signed_in
from tests.integration.points_helpers import cadre_book, points_ready

Headers = dict[str, dict[str, str]]
TYPE_CELL = re.compile(r'<td class="type" title="([^"]+)">([^<]+)</td>')


def _text(html: str) -> str:
    """What a reader sees: the page without its tags and attributes."""
    return re.sub(r"<[^>]+>", " ", html)


def test_a_case_page_names_its_reason_county_and_record_types_in_chinese(
    client: TestClient, tokens: Headers
) -> None:
    case = {"target_kind": "unit", "target": "水利局", "reason": "complaint",
            "detail": "群众反映工程进度滞后", "county": "taihu"}  # fmt: skip
    opened = client.post("/api/v1/supervision/cases", json=case, headers=tokens["supervision"])
    assert opened.status_code == 201, opened.text
    stream = opened.json()["evidence"]["stream"]
    talk = client.post(f"/api/v1/supervision/cases/{stream}/talks", json={"note": "约谈"},
                       headers=tokens["supervision"])  # fmt: skip
    assert talk.status_code == 201, talk.text
    browser, _ = signed_in(client, tokens["supervision"])
    page = browser.get(f"/console/cases/{stream}").text
    seen = _text(page)
    assert "群众举报" in seen and "太湖县" in seen
    for code in ("complaint", "taihu", "supervision.CaseOpened", "supervision.TalkHeld"):
        assert code not in seen, code
    assert TYPE_CELL.findall(page) == [("supervision.CaseOpened", "立案"),
                                       ("supervision.TalkHeld", "约谈提醒")]  # fmt: skip
    form = _text(browser.get("/console/forms/supervision.cases").text)
    assert "群众举报" in form and "巡察发现" in form and "complaint" not in form
    assert "bottom_ranking" not in form  # the year-end close opens those, never a clerk
    assert "target_kind" not in form and "对象类型" in form  # labels, not the members' names


def test_a_books_page_names_its_county_and_township(
    client: TestClient, tokens: Headers, ledger: Ledger, clock: SteppingClock
) -> None:
    book = cadre_book(points_ready(ledger, clock))
    browser, _ = signed_in(client, tokens["township_party_committee"])
    page = browser.get(f"/console/points-books/{book}")
    assert page.status_code == 200
    seen = _text(page.text)
    assert "太湖县" in seen and "晋熙镇" in seen and "th01" not in seen
    assert TYPE_CELL.findall(page.text)[0] == ("points.BookOpened", "建立积分卡")


def test_the_application_and_contribution_forms_offer_the_domains_words_by_name(
    client: TestClient, tokens: Headers
) -> None:
    intake, _ = signed_in(client, tokens["intake"])
    form = intake.get("/console/forms/carefund.applications").text
    assert '<select id="f-industry" name="industry">' in form
    assert '<option value="express_delivery">快递</option>' in form
    assert '<option value="illness">因病致困</option>' in form
    finance, _ = signed_in(client, tokens["finance"])
    money = finance.get("/console/forms/carefund.years.year.contributions").text
    assert '<option value="non_public_sector_work_committee">市委非公工委</option>' in money


def test_every_write_form_has_a_chinese_title_and_every_field_a_chinese_label(
    client: TestClient,
) -> None:
    """A new write route without its console words fails here (api/console/wording.py)."""
    untitled, unlabelled = [], []
    app: Any = client.app
    for form in write_forms(app):
        if form.path.removeprefix(V1) not in FORMS:
            untitled.append(form.path)
        unlabelled += [(form.key, f.name) for f in form.fields
                       if f.label in (f.name, f.name.rsplit(".", 1)[-1])]  # fmt: skip
    assert (untitled, unlabelled) == ([], [])
