"""The posting's unit reads an objection's text and the objector's contact to answer it
(``GET /api/v1/postings/{kind}/{scope}/{year}/objections/{objection}``, issue 15): the trade
union for the care fund's posting, the county's organisation department for its points
posting — the check an answer meets (``posting.unit``). Any other role, another county's
organisation department, the auditor and no token are refused with nothing of the text;
the answer is never cached; an erased objector's objection says so and holds no data. The
console's posting page shows the text and contact above the answer form, to the unit only."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from ledger.actor import Actor, Role
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.posting.posting import objection_id, posting_id
from ledger.posting.service import Postings
from ledger.principal import Principals, Scope
from tests.api.conftest import settle
from tests.api.test_console import signed_in
from tests.integration.helpers import funded
from tests.integration.points_helpers import ORGANISATION, points_ready
from tests.integration.posting_helpers import FUND, at, carefund_posting, objected
from tests.support.principals import enrol

Headers = dict[str, dict[str, str]]
CONTACT = {"name": "钱异议", "phone": "13811112222", "address": "桐城市文城街道1号"}
TEXT = "第2号申请人并非快递从业人员"
POINTS_TEXT = "积分计算有误，第三季度少记2分"
CAREFUND = f"/api/v1/postings/carefund/{FUND}/2023/objections"
POINTS = "/api/v1/postings/points/taihu/2023/objections"
ANSWER = "postings.kind.scope.year.objections.objection.answer"


def _objection(ledger: Ledger, clock: SteppingClock) -> Any:
    funded(ledger)
    postings = carefund_posting(ledger)
    at(clock, date(2023, 3, 2))
    return objected(postings, text=TEXT, contact=dict(CONTACT))


def _points_objection(ledger: Ledger, clock: SteppingClock) -> None:
    points_ready(ledger, clock)
    postings = Postings(ledger)
    postings.open("points", "taihu", 2023, "中共太湖县委组织部", date(2023, 3, 1),
                  date(2023, 3, 10), "书面向太湖县委组织部反映", ORGANISATION)  # fmt: skip
    at(clock, date(2023, 3, 2))
    postings.submit("points", "taihu", 2023, {"phone": "13912345678"}, POINTS_TEXT, "score")


def _other_county(client: TestClient, ledger: Ledger) -> dict[str, str]:
    """A token of the organisation department of yuexi (not taihu)."""
    other = Actor("org-yuexi-01", Role.ORGANISATION_DEPARTMENT)
    enrol(ledger, other, scope=Scope(county="yuexi"))
    services: Any = client.app.state.services  # type: ignore[attr-defined]
    token = services.tokens.issue(Principals(ledger), other.principal, ledger.clock())
    return {"Authorization": f"Bearer {token}"}


def _refused(answer: Any, status: int, rule: str | None, *secrets: str) -> None:
    assert answer.status_code == status, answer.text
    if rule is not None:
        assert answer.json()["rule"] == rule, answer.text
    for secret in secrets:
        assert secret not in answer.text


def test_the_trade_union_reads_the_text_and_contact_by_number_or_id_never_cached(
    client: TestClient, tokens: Headers, ledger: Ledger, clock: SteppingClock
) -> None:
    received = _objection(ledger, clock)
    union = tokens["trade_union"]
    by_number = client.get(f"{CAREFUND}/1", headers=union)
    assert by_number.status_code == 200, by_number.text
    assert by_number.headers["cache-control"] == "no-store"
    read = by_number.json()
    assert (read["text"], read["contact"], read["erased"]) == (TEXT, CONTACT, False)
    assert read["number"] == 1 and read["objection"] == str(received.objection)
    assert (read["category"], read["about"], read["status"]) == ("eligibility", None, "waiting")
    assert (read["received_on"], read["answer_due"]) == ("2023-03-02", "2023-03-09")
    assert read["posting"] == str(posting_id("carefund", FUND, 2023))
    by_id = client.get(f"{CAREFUND}/{received.objection}", headers=union)
    assert by_id.json() == read
    assert client.get(f"{CAREFUND}/2", headers=union).status_code == 404
    wrong_id = objection_id(posting_id("carefund", FUND, 2023), 7)
    assert client.get(f"{CAREFUND}/{wrong_id}", headers=union).status_code == 404
    assert client.get(f"{CAREFUND}/not-one", headers=union).status_code == 404


def test_other_roles_the_auditor_and_no_token_are_refused_with_nothing_of_the_text(
    client: TestClient, tokens: Headers, ledger: Ledger, clock: SteppingClock
) -> None:
    _objection(ledger, clock)
    secrets = (TEXT, *CONTACT.values())
    _refused(client.get(f"{CAREFUND}/1"), 401, None, *secrets)
    for role in ("finance", "audit", "intake", "industry_party_committee", "admin"):
        _refused(client.get(f"{CAREFUND}/1", headers=tokens[role]), 403, "role", *secrets)
    # the organisation department is a unit, but not this posting's
    refused = client.get(f"{CAREFUND}/1", headers=tokens["organisation_department"])
    _refused(refused, 403, "posting.unit", *secrets)


def test_a_points_objection_is_its_countys_organisation_departments_only(
    client: TestClient, tokens: Headers, ledger: Ledger, clock: SteppingClock
) -> None:
    _points_objection(ledger, clock)
    read = client.get(f"{POINTS}/1", headers=tokens["organisation_department"])
    assert read.status_code == 200, read.text
    assert read.json()["text"] == POINTS_TEXT
    assert read.json()["contact"] == {"name": None, "phone": "13912345678", "address": None}
    other = _other_county(client, ledger)
    _refused(client.get(f"{POINTS}/1", headers=other), 403, "posting.unit", POINTS_TEXT)
    _refused(client.get(f"{POINTS}/1", headers=tokens["trade_union"]), 403, "posting.unit",
             POINTS_TEXT)  # fmt: skip


def test_an_erased_objectors_objection_says_so_and_holds_no_data(
    client: TestClient, tokens: Headers, ledger: Ledger, clock: SteppingClock
) -> None:
    received = _objection(ledger, clock)
    ledger.vault.erase(str(received.subject))
    read = client.get(f"{CAREFUND}/1", headers=tokens["trade_union"])
    assert read.status_code == 200, read.text
    assert read.json()["erased"] is True
    assert (read.json()["text"], read.json()["contact"]) == (None, None)
    assert read.json()["status"] == "waiting"


def test_the_posting_page_shows_the_text_and_contact_to_the_union_not_to_finance(
    client: TestClient, tokens: Headers, ledger: Ledger, clock: SteppingClock
) -> None:
    _objection(ledger, clock)
    page = f"/console/postings/{posting_id('carefund', FUND, 2023)}"
    union, csrf = signed_in(client, tokens["trade_union"])
    shown = union.get(page).text
    assert 'id="objection-text-1"' in shown and TEXT in shown
    assert CONTACT["phone"] in shown and CONTACT["name"] in shown
    assert shown.index(TEXT) < shown.index('id="answer-1"')  # above its answer form
    form = shown[shown.index('id="answer-1"') :]
    fields = dict(
        re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', form.split("</form>")[0])
    )
    assert fields["csrf"] == csrf and fields["objection"] == "1" and fields["scope"] == FUND
    answered = union.post(
        f"/console/forms/{ANSWER}", data=fields | {"answer": "经核实，维持原结果。"}
    )
    assert answered.status_code == 201, answered.text
    settle(client)
    assert 'id="objection-text-1"' not in union.get(page).text  # answered: no form, no text
    finance, _ = signed_in(client, tokens["finance"])
    seen = finance.get(page)
    assert seen.status_code == 200 and "第1号" in seen.text
    for secret in (TEXT, *CONTACT.values()):
        assert secret not in seen.text


def test_the_points_posting_page_shows_the_text_to_its_countys_department_only(
    client: TestClient, tokens: Headers, ledger: Ledger, clock: SteppingClock
) -> None:
    _points_objection(ledger, clock)
    page = f"/console/postings/{posting_id('points', 'taihu', 2023)}"
    own, _ = signed_in(client, tokens["organisation_department"])
    assert POINTS_TEXT in own.get(page).text
    other, _ = signed_in(client, _other_county(client, ledger))
    seen = other.get(page)
    assert seen.status_code == 200 and POINTS_TEXT not in seen.text


def test_an_erased_objectors_objection_shows_so_on_the_posting_page(
    client: TestClient, tokens: Headers, ledger: Ledger, clock: SteppingClock
) -> None:
    received = _objection(ledger, clock)
    ledger.vault.erase(str(received.subject))
    union, _ = signed_in(client, tokens["trade_union"])
    shown = union.get(f"/console/postings/{posting_id('carefund', FUND, 2023)}").text
    assert "异议人的个人信息已删除" in shown and TEXT not in shown
