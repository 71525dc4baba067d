"""The public objection channel's limits and contact check (api/objection_limits.py,
ledger/posting/service.py ``plausible_contact``): over a limit → 429 with Retry-After and a
Chinese problem, on the API and on the form page, nothing stored; an implausible phone →
409 ``posting.contact`` with a Chinese message, nothing stored; the client's address is
taken from X-Forwarded-For only from a trusted proxy."""

from __future__ import annotations

from datetime import date, timedelta
from ipaddress import ip_network
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from api.public_access import PublicAccess, client_address
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from tests.api.conftest import settle
from tests.api.test_postings_http import PHONE, POSTING, TEXT, opened
from tests.integration.helpers import funded, stored_count
from tests.integration.posting_helpers import FUND, at

PATH = f"/api/v1/public/postings/{POSTING}/objections"
FORM = f"/objections/new?kind=carefund&scope={FUND}&year=2023"


def stored(ledger: Ledger) -> tuple[int, int]:
    """Records and vault subjects."""
    subjects = ledger.db.execute("SELECT COUNT(*) FROM gongshi_vault_subjects", ())[0][0]
    return stored_count(ledger), subjects


def limited(client: TestClient, per_client: int, per_posting: int) -> None:
    client.app.state.public_access = PublicAccess(  # type: ignore[attr-defined]
        per_client=per_client, per_posting=per_posting
    )


def submit(client: TestClient, phone: str = PHONE, **headers: str) -> Any:
    body = {"contact": {"phone": phone}, "text": TEXT, "category": "other"}
    return client.post(PATH, json=body, headers=headers)


@pytest.fixture
def posted(
    client: TestClient, tokens: dict[str, dict[str, str]], ledger: Ledger, clock: SteppingClock
) -> TestClient:
    funded(ledger)
    opened(client, tokens["trade_union"])
    at(clock, date(2023, 3, 2))
    settle(client)  # the form page reads the posting from its list
    return client


def test_a_client_over_its_hourly_limit_gets_429_and_nothing_is_stored(
    posted: TestClient, ledger: Ledger, clock: SteppingClock
) -> None:
    limited(posted, per_client=2, per_posting=100)
    assert [submit(posted).status_code for _ in range(2)] == [201, 201]
    before = stored(ledger)
    refused = submit(posted)
    assert refused.status_code == 429, refused.text
    problem = refused.json()
    assert problem["code"] == "rate_limited.objection_client"
    assert "每小时最多提交 2 件异议" in problem["detail"] and problem["title"] == "提交过于频繁"
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    assert stored(ledger) == before
    page = posted.post(FORM, data={"category": "other", "about": "", "text": TEXT, "name": "",
                                   "phone": PHONE, "address": ""})  # fmt: skip
    assert page.status_code == 429 and "每小时最多提交 2 件异议" in page.text
    assert int(page.headers["Retry-After"]) > 0 and TEXT in page.text  # the text is kept
    assert stored(ledger) == before
    at(clock, date(2023, 3, 2), hour=4)  # two hours on: the window has moved
    assert submit(posted).status_code == 201


def test_a_posting_over_its_hourly_limit_gets_429_from_any_client(
    posted: TestClient, ledger: Ledger, clock: SteppingClock
) -> None:
    """Counted from the posting's records: holds across workers (each its own client count)."""
    limited(posted, per_client=100, per_posting=2)
    assert [submit(posted).status_code for _ in range(2)] == [201, 201]
    before = stored(ledger)
    posted.app.state.objection_window = None  # a fresh worker: no client count at all
    refused = submit(posted)
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited.objection_posting"
    assert "该公示一小时内收到的在线异议已达 2 件" in refused.json()["detail"]
    assert stored(ledger) == before
    at(clock, date(2023, 3, 2), hour=4)
    assert submit(posted).status_code == 201


def test_a_refused_submission_uses_no_slot(posted: TestClient, ledger: Ledger) -> None:
    limited(posted, per_client=1, per_posting=100)
    assert submit(posted, phone="1").status_code == 409
    assert submit(posted).status_code == 201


@pytest.mark.parametrize("phone", ["1", "123456", "1" * 21, "tel:13912345678", "139-1234-567x"])
def test_an_implausible_phone_is_refused_in_chinese_and_nothing_stored(
    posted: TestClient, ledger: Ledger, phone: str
) -> None:
    before = stored(ledger)
    refused = submit(posted, phone=phone)
    assert refused.status_code == 409 and refused.json()["code"] == "rule.posting.contact"
    assert "7 至 20 位数字" in refused.json()["detail"]
    page = posted.post(FORM, data={"category": "other", "about": "", "text": TEXT, "name": "",
                                   "phone": phone, "address": ""})  # fmt: skip
    assert page.status_code == 409 and "请填写有效的联系电话（7 至 20 位数字" in page.text
    assert stored(ledger) == before


def test_a_plausible_phone_or_address_is_taken(posted: TestClient) -> None:
    assert submit(posted, phone="+86 556-612 0000").status_code == 201
    body = {"contact": {"address": "龙眠村五组"}, "text": TEXT, "category": "other"}
    assert posted.post(PATH, json=body).status_code == 201


def _request(peer: str, forwarded: str | None, trusted: str) -> Request:
    headers = [] if forwarded is None else [(b"x-forwarded-for", forwarded.encode())]
    app = type("App", (), {})()
    app.state = type("State", (), {})()  # type: ignore[attr-defined]
    networks = tuple(ip_network(t) for t in trusted.split(",") if t)
    app.state.public_access = PublicAccess(trusted_proxies=networks)  # type: ignore[attr-defined]
    scope = {"type": "http", "client": (peer, 5000), "headers": headers, "app": app}
    return Request(scope)


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "client"),
    [
        ("203.0.113.9", "198.51.100.1", "", "203.0.113.9"),  # no proxy trusted: the peer
        ("203.0.113.9", "198.51.100.1", "10.0.0.0/8", "203.0.113.9"),  # peer not trusted
        ("10.0.0.2", "198.51.100.1", "10.0.0.0/8", "198.51.100.1"),
        ("10.0.0.2", "6.6.6.6, 198.51.100.1, 10.0.0.7", "10.0.0.0/8", "198.51.100.1"),
        ("10.0.0.2", None, "10.0.0.0/8", "10.0.0.2"),
        ("10.0.0.2", "not-an-address", "10.0.0.0/8", "10.0.0.2"),
    ],
)
def test_the_client_address_comes_from_x_forwarded_for_only_through_a_trusted_proxy(
    peer: str, forwarded: str | None, trusted: str, client: str
) -> None:
    assert client_address(_request(peer, forwarded, trusted)) == client


def test_the_window_forgets_a_client_after_the_hour() -> None:
    from datetime import UTC, datetime

    from api.objection_limits import ClientWindow, Limited

    window, now = ClientWindow(), datetime(2023, 3, 2, 2, tzinfo=UTC)
    window.reserve("a", now, 1)
    with pytest.raises(Limited) as e:
        window.reserve("a", now + timedelta(minutes=30), 1)
    assert e.value.retry_after == 1800
    window.reserve("b", now + timedelta(hours=1, seconds=1), 1)
    assert "a" not in window._seen  # no address kept past its hour
