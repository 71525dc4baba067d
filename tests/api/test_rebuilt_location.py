"""An answer rebuilt after the process died between the write and storing its answer
(api/idempotency.py) carries the first answer's ``location`` and ``Location`` header
(api/locations.py): a fund year's contribution, a subject registered, an objection to a
公示 (the objector's subject saved first, the posting's record after it), both backends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api import idempotency as api_idempotency
from ledger.clock import SteppingClock
from ledger.idempotency import KeyStore
from ledger.ledger import Ledger
from tests.api.conftest import settle
from tests.api.test_idempotency import CONTRIBUTIONS, MONEY, _with_key
from tests.api.test_postings_http import PHONE, POSTING, TEXT, opened
from tests.integration.helpers import funded
from tests.integration.posting_helpers import at

Headers = dict[str, dict[str, str]]


def _lost_then_rebuilt(monkeypatch: pytest.MonkeyPatch, post: Callable[[], Any]) -> tuple[Any, Any]:
    """``post`` once with its answer never stored (as if the process died), then again
    once it is no longer in flight: the first and the rebuilt answers."""

    def lost(*_: Any) -> None:
        raise RuntimeError("the process died before storing the answer")

    with monkeypatch.context() as patched:
        patched.setattr(KeyStore, "answer", lost)
        first = post()
    assert first.status_code == 201, first.text
    with monkeypatch.context() as patched:
        patched.setattr(api_idempotency, "in_flight_seconds", lambda _: 0.0)
        rebuilt = post()
    assert rebuilt.status_code == 201 and rebuilt.headers["Idempotent-Replayed"] == "true"
    assert rebuilt.json()["records"] == first.json()["records"]
    return first, rebuilt


def test_a_contributions_rebuilt_answer_names_its_fund_year(
    client: TestClient, tokens: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened_year = client.post("/api/v1/carefund/years", json={"year": 2023},
                              headers=tokens["finance"])  # fmt: skip
    assert opened_year.status_code == 201, opened_year.text
    headers = _with_key(tokens["finance"], "k-location-1")
    first, rebuilt = _lost_then_rebuilt(
        monkeypatch, lambda: client.post(CONTRIBUTIONS, json=MONEY, headers=headers)
    )
    assert first.headers["Location"] == "/api/v1/carefund/years/2023"
    assert rebuilt.headers["Location"] == first.headers["Location"]
    assert rebuilt.json()["location"] == first.json()["location"]


def test_a_registered_subjects_rebuilt_answer_names_the_subject(
    client: TestClient, tokens: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = {"kind": "worker", "personal": {"name": "赵六", "phone": "13800000000"}}
    headers = _with_key(tokens["intake"], "k-location-2")
    first, rebuilt = _lost_then_rebuilt(
        monkeypatch, lambda: client.post("/api/v1/subjects", json=person, headers=headers)
    )
    assert first.headers["Location"].startswith("/api/v1/subjects/")
    assert rebuilt.headers["Location"] == first.headers["Location"]


def test_an_objections_rebuilt_answer_names_the_posting_not_the_objector(
    client: TestClient, tokens: Headers, ledger: Ledger, clock: SteppingClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    funded(ledger)
    opened(client, tokens["trade_union"])
    at(clock, date(2023, 3, 2))
    settle(client)
    body = {"contact": {"phone": PHONE}, "text": TEXT, "category": "other"}
    path = f"/api/v1/public/postings/{POSTING}/objections"
    headers = {"Idempotency-Key": "k-location-3"}
    first, rebuilt = _lost_then_rebuilt(
        monkeypatch, lambda: client.post(path, json=body, headers=headers)
    )
    assert first.headers["Location"] == f"/api/v1/public/postings/{POSTING}"
    assert rebuilt.headers["Location"] == first.headers["Location"]
