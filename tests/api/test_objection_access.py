"""Reading an objection's text and contact through the unit-only GET is an access event
(api/access_log.py): one ``access`` line per read that answered 200, naming the principal,
its role, the posting, the objection and what of the vault was returned, with the request's
id; never the text or the contact; none for a refused read; written whatever the log level."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.request_log import JsonLines
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.posting.posting import posting_id
from tests.api.test_console import signed_in
from tests.api.test_objection_read import CAREFUND, CONTACT, TEXT, _objection
from tests.integration.posting_helpers import FUND

Headers = dict[str, dict[str, str]]


def _access(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    """The access lines logged, as JsonLines writes them."""
    lines = [r for r in caplog.records if r.name == "gongshi.access"]
    return [json.loads(JsonLines().format(r)) for r in lines]


def test_a_read_is_logged_with_who_and_what_never_the_data(
    client: TestClient, tokens: Headers, ledger: Ledger, clock: SteppingClock,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    received = _objection(ledger, clock)
    caplog.set_level(logging.INFO)  # restored after the test, the root's level too
    logging.getLogger().setLevel(logging.WARNING)  # GONGSHI_LOG_LEVEL=WARNING: no request lines
    read = client.get(f"{CAREFUND}/1", headers=tokens["trade_union"])
    assert read.status_code == 200, read.text
    [line] = _access(caplog)
    assert {k: line[k] for k in ("event", "principal", "role", "what", "number", "read")} == {
        "event": "access", "principal": "union-01", "role": "trade_union", "what": "objection",
        "number": 1, "read": ["text", "contact"],
    }  # fmt: skip
    assert line["posting"] == str(posting_id("carefund", FUND, 2023))
    assert line["objection"] == str(received.objection)
    assert line["request_id"] == read.headers["x-request-id"]
    written = json.dumps(line, ensure_ascii=False)
    assert all(secret not in written for secret in (TEXT, *CONTACT.values()))


def test_a_refused_read_logs_no_access_and_an_erased_one_logs_nothing_read(
    client: TestClient, tokens: Headers, ledger: Ledger, clock: SteppingClock,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    received = _objection(ledger, clock)
    caplog.set_level(logging.INFO)
    assert client.get(f"{CAREFUND}/1", headers=tokens["finance"]).status_code == 403
    assert client.get(f"{CAREFUND}/1").status_code == 401
    assert client.get(f"{CAREFUND}/2", headers=tokens["trade_union"]).status_code == 404
    assert _access(caplog) == []
    ledger.vault.erase(str(received.subject))
    assert client.get(f"{CAREFUND}/1", headers=tokens["trade_union"]).status_code == 200
    assert [line["read"] for line in _access(caplog)] == [[]]


def test_the_console_pages_read_is_logged_too(
    client: TestClient, tokens: Headers, ledger: Ledger, clock: SteppingClock,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    _objection(ledger, clock)
    union, _ = signed_in(client, tokens["trade_union"])
    caplog.set_level(logging.INFO)
    assert TEXT in union.get(f"/console/postings/{posting_id('carefund', FUND, 2023)}").text
    assert [(line["principal"], line["number"]) for line in _access(caplog)] == [("union-01", 1)]
