"""The separate answer form of an objection (``/console/forms/{answer}?kind=…&objection=N``,
the posting page's 答复 link) shows the posting's unit the objection's text and the
objector's contact above the form, as the posting page does (issue 15 carried), no-store; a
role or county the API refuses the read to sees the form's fields but nothing of the text;
a refused answer keeps the text on the page."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi.testclient import TestClient

from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from tests.api.test_console import signed_in
from tests.api.test_objection_read import (
    ANSWER,
    CONTACT,
    POINTS_TEXT,
    TEXT,
    _objection,
    _other_county,
    _points_objection,
)
from tests.integration.posting_helpers import FUND

Headers = dict[str, dict[str, str]]


def _form(kind: str, scope: str, objection: str = "1") -> str:
    query = {"kind": kind, "scope": scope, "year": "2023", "objection": objection}
    return f"/console/forms/{ANSWER}?" + urlencode(query)


def test_the_answer_form_shows_the_union_the_text_and_contact_no_store(
    client: TestClient, tokens: Headers, ledger: Ledger, clock: SteppingClock
) -> None:
    _objection(ledger, clock)
    union, csrf = signed_in(client, tokens["trade_union"])
    page = union.get(_form("carefund", FUND))
    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "no-store"
    shown = page.text
    assert 'id="objection-text-1"' in shown and TEXT in shown
    assert CONTACT["phone"] in shown and CONTACT["name"] in shown
    assert shown.index(TEXT) < shown.index(f'action="/console/forms/{ANSWER}"')  # above it
    # an answer refused on the form (blank) keeps the text on the page
    fields = {"csrf": csrf, "idempotency_key": "console-x", "kind": "carefund", "scope": FUND,
              "year": "2023", "objection": "1", "answer": " "}  # fmt: skip
    refused = union.post(f"/console/forms/{ANSWER}", data=fields)
    assert refused.status_code in (409, 422), refused.text
    assert TEXT in refused.text


def test_the_answer_form_shows_nothing_of_the_text_where_the_api_refuses_the_read(
    client: TestClient, tokens: Headers, ledger: Ledger, clock: SteppingClock
) -> None:
    _points_objection(ledger, clock)
    own, _ = signed_in(client, tokens["organisation_department"])
    assert POINTS_TEXT in own.get(_form("points", "taihu")).text
    other, _ = signed_in(client, _other_county(client, ledger))
    seen = other.get(_form("points", "taihu"))
    assert seen.status_code == 200 and POINTS_TEXT not in seen.text
    assert 'id="objection-text-1"' not in seen.text
    # no number, an unknown one or a path-breaking value: the bare form
    for wrong in ("", "9", "1/../2"):
        page = own.get(_form("points", "taihu", wrong))
        assert page.status_code == 200 and POINTS_TEXT not in page.text, wrong
