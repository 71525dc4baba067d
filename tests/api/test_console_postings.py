"""Objections in the responsible unit's 待办 and the console's posting page (api/queue_postings.py,
api/console/postings.py): the trade union sees each objection to the care fund's posting
waiting for its answer, overdue once ``answer_due`` has passed, and nobody else does; the
posting page lists the objections with the answer form's link, every path field filled in
(the clerk types no id); answered through the console, the objection leaves 待办; after the
period with every objection answered the posting is "待结束公示". A points posting is the
county's organisation department's: another county's sees nothing of it."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape
from typing import Any

from fastapi.testclient import TestClient

from ledger.actor import Actor, Role
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.posting.posting import posting_id
from ledger.posting.service import Postings
from ledger.principal import Principals, Scope
from tests.api.conftest import settle
from tests.api.test_console import CSRF, KEY, signed_in
from tests.integration.helpers import funded, submitted
from tests.integration.points_helpers import ORGANISATION, points_ready
from tests.integration.posting_helpers import END, FUND, at, carefund_posting, objected
from tests.support.principals import enrol

Headers = dict[str, dict[str, str]]
ANSWER_LINK = re.compile(r'<a class="answer" href="([^"]+)">')


def _queue(client: TestClient, header: dict[str, str]) -> list[dict[str, Any]]:
    answer = client.get("/api/v1/queue", headers=header)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def _posting_items(client: TestClient, header: dict[str, str]) -> list[tuple[str, str, bool]]:
    return [
        (i["step"], i["title"], i["overdue"]) for i in _queue(client, header)
        if i["kind"] in ("objection", "posting")
    ]  # fmt: skip


def test_an_objection_waits_in_the_unions_queue_then_is_answered_from_the_posting_page(
    client: TestClient, tokens: Headers, ledger: Ledger, clock: SteppingClock
) -> None:
    funded(ledger)
    postings = carefund_posting(ledger)
    at(clock, date(2023, 3, 2))
    objected(postings)
    settle(client)
    page = f"/console/postings/{posting_id('carefund', FUND, 2023)}"
    assert _posting_items(client, tokens["trade_union"]) == [
        ("answer", "异议待答复（第1号）", False)
    ]
    assert _queue(client, tokens["trade_union"])[0]["page"] == f"{page}#objection-1"
    for role in ("organisation_department", "industry_party_committee", "finance", "intake"):
        assert _posting_items(client, tokens[role]) == [], role
    at(clock, date(2023, 3, 10))  # answer due 9 March: overdue now
    assert _posting_items(client, tokens["trade_union"]) == [
        ("answer", "异议答复逾期（第1号）", True)
    ]

    browser, csrf = signed_in(client, tokens["trade_union"])
    assert f'<li><a href="{page}">' in browser.get("/console/").text  # its open postings
    shown = browser.get(page)
    assert shown.status_code == 200 and "第1号" in shown.text and "资格条件" in shown.text
    assert 'id="objection-1" class="overdue"' in shown.text
    link = ANSWER_LINK.search(shown.text)
    assert link is not None
    form = browser.get(unescape(link[1]))
    assert form.status_code == 200
    for field, value in (
        ("kind", "carefund"),
        ("scope", FUND),
        ("year", "2023"),
        ("objection", "1"),
    ):
        assert re.search(rf'id="f-{field}" name="{field}" value="{re.escape(value)}"', form.text)
    idem = KEY.search(form.text)
    assert idem is not None and CSRF.search(form.text) is not None
    values = {"kind": "carefund", "scope": FUND, "year": "2023", "objection": "1",
              "answer": "经核实，申请人为快递从业人员，维持原结果。"}  # fmt: skip
    answered = browser.post(
        "/console/forms/postings.kind.scope.year.objections.objection.answer",
        data={"csrf": csrf, "idempotency_key": idem[1], **values},
    )
    assert answered.status_code == 201, answered.text
    settle(client)
    assert _posting_items(client, tokens["trade_union"]) == []  # period not over yet
    at(clock, END + timedelta(days=1))
    assert _posting_items(client, tokens["trade_union"]) == [
        ("close", "公示期满、异议均已答复：待结束公示", False)
    ]
    browser, _ = signed_in(client, tokens["trade_union"])  # days later: a new session
    closing = browser.get(page).text
    assert "维持原结果" in closing and 'id="close"' in closing
    assert "postings.kind.scope.year.close?kind=carefund" in closing


def test_the_posting_page_shows_no_unit_forms_to_another_role(
    client: TestClient, tokens: Headers, ledger: Ledger, clock: SteppingClock
) -> None:
    application = submitted(funded(ledger))
    postings = carefund_posting(ledger)
    at(clock, date(2023, 3, 2))
    objected(postings, about=application)
    browser, _ = signed_in(client, tokens["finance"])
    shown = browser.get(f"/console/postings/{posting_id('carefund', FUND, 2023)}")
    assert shown.status_code == 200 and "第1号" in shown.text
    assert f'class="about" href="/console/applications/{application}"' in shown.text
    assert 'class="answer"' not in shown.text and 'id="close"' not in shown.text
    assert browser.get("/console/postings/not-a-posting").status_code == 404


def test_a_points_posting_is_its_countys_organisation_departments_only(
    client: TestClient, tokens: Headers, ledger: Ledger, clock: SteppingClock
) -> None:
    points_ready(ledger, clock)
    postings = Postings(ledger)
    postings.open("points", "taihu", 2023, "中共太湖县委组织部", date(2023, 3, 1),
                  date(2023, 3, 10), "书面向太湖县委组织部反映", ORGANISATION)  # fmt: skip
    at(clock, date(2023, 3, 2))
    postings.submit("points", "taihu", 2023, {"name": "王小明", "phone": "13912345678"},
                    "积分计算有误", "score", None)  # fmt: skip
    settle(client)
    assert _posting_items(client, tokens["organisation_department"]) == [
        ("answer", "异议待答复（第1号）", False)
    ]
    assert _posting_items(client, tokens["trade_union"]) == []
    other = Actor("org-yuexi-01", Role.ORGANISATION_DEPARTMENT)
    enrol(ledger, other, scope=Scope(county="yuexi"))
    services: Any = client.app.state.services  # type: ignore[attr-defined]
    token = services.tokens.issue(Principals(ledger), other.principal, ledger.clock())
    header = {"Authorization": f"Bearer {token}"}
    assert _posting_items(client, header) == []
    browser, _ = signed_in(client, header)
    shown = browser.get(f"/console/postings/{posting_id('points', 'taihu', 2023)}").text
    assert "积分计算" in shown and 'class="answer"' not in shown
