"""Idempotency-Key on writes (draft-ietf-httpapi-idempotency-key-header), both backends: the
same key and request give the first answer and write nothing; another request under the key
is 422; a duplicate in flight is 409 with Retry-After; concurrent duplicates write once; the
key is recorded with the write, so it survives a restart of the server."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from uuid import UUID

import httpx
import pytest
from fastapi.testclient import TestClient
from psycopg_pool import PoolTimeout

from api import idempotency as api_idempotency
from api.app import create_app
from api.tokens import Tokens
from ledger.actor import Actor, Role
from ledger.app import LedgerApp
from ledger.clock import SteppingClock
from ledger.idempotency import KeyStore
from ledger.ledger import Ledger
from ledger.mapper import unpack_state
from ledger.settings import Settings

Headers = dict[str, dict[str, str]]
PROBLEM = "application/problem+json"
CONTRIBUTIONS = "/api/v1/carefund/years/2023/contributions"
MONEY = {"source": "trade_union", "amount_fen": 2_000_000, "reference": "R-1"}


def _ledger(client: TestClient) -> Ledger:
    found: Ledger = client.app.state.services.ledger  # type: ignore[attr-defined]
    return found


def _records(client: TestClient) -> int:
    """How many records the ledger holds."""
    return len(_ledger(client).app.recorder.select_notifications(start=1, limit=1_000_000))


def _keys(client: TestClient) -> int:
    return KeyStore(_ledger(client).db).count()


def _with_key(headers: dict[str, str], key: str) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


@pytest.fixture
def fund(client: TestClient, tokens: Headers) -> None:
    opened = client.post("/api/v1/carefund/years", json={"year": 2023}, headers=tokens["finance"])
    assert opened.status_code == 201, opened.text


def _token(client: TestClient, principal: str, role: Role) -> dict[str, str]:
    store: Tokens = client.app.state.services.tokens  # type: ignore[attr-defined]
    now = _ledger(client).clock()
    return {"Authorization": "Bearer " + store.create(Actor(principal, role), now)}


def test_same_key_and_request_replay_the_first_answer_and_write_nothing(
    client: TestClient, tokens: Headers, fund: None
) -> None:
    headers = _with_key(tokens["finance"], "contribution-0001")
    first = client.post(CONTRIBUTIONS, json=MONEY, headers=headers)
    assert first.status_code == 201, first.text
    assert "Idempotent-Replayed" not in first.headers
    stored = _records(client)
    for _ in range(3):
        again = client.post(CONTRIBUTIONS, json=MONEY, headers=headers)
        assert again.status_code == 201
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.content == first.content
    assert _records(client) == stored
    assert _keys(client) == 1
    # Without the key the same body is a new contribution: the key is what makes it the same.
    other = client.post(CONTRIBUTIONS, json=MONEY, headers=tokens["finance"])
    assert other.status_code == 201 and _records(client) == stored + 1


def test_same_key_with_another_body_is_422_and_stores_nothing(
    client: TestClient, tokens: Headers, fund: None
) -> None:
    headers = _with_key(tokens["finance"], "k-2")
    first = client.post(CONTRIBUTIONS, json=MONEY, headers=headers)
    assert first.status_code == 201, first.text
    stored = _records(client)
    changed = client.post(CONTRIBUTIONS, json={**MONEY, "amount_fen": 1}, headers=headers)
    assert changed.status_code == 422 and changed.headers["content-type"] == PROBLEM
    assert changed.json()["code"] == "idempotency.key_reused"
    elsewhere = client.post("/api/v1/carefund/years/2024/contributions", json=MONEY,
                            headers=headers)  # fmt: skip
    assert elsewhere.status_code == 422
    assert _records(client) == stored
    replay = client.post(CONTRIBUTIONS, json=MONEY, headers=headers)
    assert replay.status_code == 201 and replay.content == first.content


def test_keys_are_scoped_per_principal(client: TestClient, tokens: Headers, fund: None) -> None:
    first = client.post(CONTRIBUTIONS, json=MONEY, headers=_with_key(tokens["finance"], "k-3"))
    stored = _records(client)
    colleague = _with_key(_token(client, "finance-02", Role.FINANCE), "k-3")
    second = client.post(CONTRIBUTIONS, json=MONEY, headers=colleague)
    assert second.status_code == 201 and "Idempotent-Replayed" not in second.headers
    assert second.json()["evidence"]["version"] == first.json()["evidence"]["version"] + 1
    assert _records(client) == stored + 1 and _keys(client) == 2


@pytest.mark.parametrize(
    ("value", "why"),
    [
        (b"", "empty"),
        (b"x" * 256, "256 characters"),
        ("ключ".encode(), "not ASCII"),
        (b"a\x01b", "a control character"),
        (b'"del\x7f"', "DEL inside a quoted key"),
    ],
)
def test_malformed_keys_are_400_and_nothing_is_written(
    client: TestClient, tokens: Headers, fund: None, value: bytes, why: str
) -> None:
    stored = _records(client)
    headers = [(k.encode(), v.encode()) for k, v in tokens["finance"].items()]
    response = client.post(CONTRIBUTIONS, json=MONEY,
                           headers=[*headers, (b"Idempotency-Key", value)])  # fmt: skip
    assert response.status_code == 400, why
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "idempotency.key_invalid"
    assert _records(client) == stored and _keys(client) == 0


def test_two_key_headers_are_400(client: TestClient, tokens: Headers, fund: None) -> None:
    headers = [(k, v) for k, v in tokens["finance"].items()]
    both = [*headers, ("Idempotency-Key", "a"), ("Idempotency-Key", "b")]
    assert client.post(CONTRIBUTIONS, json=MONEY, headers=both).status_code == 400
    assert _keys(client) == 0


def test_a_quoted_key_is_the_same_key_as_the_bare_one(
    client: TestClient, tokens: Headers, fund: None
) -> None:
    first = client.post(CONTRIBUTIONS, json=MONEY, headers=_with_key(tokens["finance"], "k-4"))
    quoted = client.post(CONTRIBUTIONS, json=MONEY, headers=_with_key(tokens["finance"], '"k-4"'))
    assert quoted.headers["Idempotent-Replayed"] == "true" and quoted.content == first.content
    assert api_idempotency.parse_key(r'"a\"b\\c"') == 'a"b\\c'


def test_a_refused_request_records_no_key_and_may_be_sent_again(
    client: TestClient, tokens: Headers
) -> None:
    headers = _with_key(tokens["finance"], "k-5")
    refused = client.post(CONTRIBUTIONS, json=MONEY, headers=headers)  # no fund year yet
    assert refused.status_code == 404, refused.text
    assert _keys(client) == 0
    opened = client.post("/api/v1/carefund/years", json={"year": 2023}, headers=tokens["finance"])
    assert opened.status_code == 201
    accepted = client.post(CONTRIBUTIONS, json=MONEY, headers=headers)
    assert accepted.status_code == 201 and "Idempotent-Replayed" not in accepted.headers
    assert _keys(client) == 1


def test_the_key_survives_a_restart_of_the_server(
    client: TestClient, tokens: Headers, fund: None, settings: Settings, clock: SteppingClock
) -> None:
    headers = _with_key(tokens["finance"], "k-6")
    first = client.post(CONTRIBUTIONS, json=MONEY, headers=headers)
    assert first.status_code == 201
    stored = _records(client)
    client.__exit__(None, None, None)  # the server stops ...
    restarted = create_app(settings, clock=clock, follow=False)
    with TestClient(restarted) as again:  # ... and a new one opens the same database
        replay = again.post(CONTRIBUTIONS, json=MONEY, headers=headers)
        assert replay.status_code == 201
        assert replay.headers["Idempotent-Replayed"] == "true"
        assert replay.content == first.content
        assert _records(again) == stored


def test_in_flight_is_409_then_the_lost_answer_is_rebuilt_from_the_records(
    client: TestClient, tokens: Headers, fund: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first request wrote, then its answer was never stored (as if the process died
    between the two): a retry within in_flight_seconds is 409 with Retry-After, a later one
    gets the receipt rebuilt from the recorded records, and keeps getting that one."""

    def lost(*_: Any) -> None:
        raise RuntimeError("the process died before storing the answer")

    monkeypatch.setattr(KeyStore, "answer", lost)
    headers = _with_key(tokens["finance"], "k-7")
    first = client.post(CONTRIBUTIONS, json=MONEY, headers=headers)
    assert first.status_code == 201, first.text  # the write stands even so
    stored = _records(client)
    monkeypatch.undo()
    busy = client.post(CONTRIBUTIONS, json=MONEY, headers=headers)
    assert busy.status_code == 409 and busy.headers["content-type"] == PROBLEM
    assert busy.headers["Retry-After"] == "1"
    assert busy.json()["code"] == "idempotency.in_flight"
    monkeypatch.setattr(api_idempotency, "in_flight_seconds", lambda _: 0.0)
    rebuilt = client.post(CONTRIBUTIONS, json=MONEY, headers=headers)
    assert rebuilt.status_code == 201 and rebuilt.headers["Idempotent-Replayed"] == "true"
    assert rebuilt.json()["evidence"] == first.json()["evidence"]
    assert rebuilt.json()["records"] == first.json()["records"]
    again = client.post(CONTRIBUTIONS, json=MONEY, headers=headers)
    assert again.content == rebuilt.content
    assert _records(client) == stored


def test_concurrent_duplicates_write_exactly_once(
    client: TestClient, tokens: Headers, fund: None
) -> None:
    stored = _records(client)
    headers = _with_key(tokens["finance"], "k-8")
    start = threading.Barrier(4)

    def send(_: int) -> httpx.Response:
        start.wait()
        response: httpx.Response = client.post(CONTRIBUTIONS, json=MONEY, headers=headers)
        return response

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(send, range(4)))
    statuses = sorted(a.status_code for a in answers)
    assert set(statuses) <= {201, 409}, [a.text for a in answers]
    assert 201 in statuses
    assert all(a.headers["Retry-After"] == "1" for a in answers if a.status_code == 409)
    written = {a.json()["evidence"]["record_hash"] for a in answers if a.status_code == 201}
    assert len(written) == 1
    assert _records(client) == stored + 1 and _keys(client) == 1


@pytest.fixture
def missed_lookup(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The next lookup finds nothing, as when a duplicate is looked up on one server just
    before the first request's save commits on another: only the database can stop it."""
    real = KeyStore.find
    calls = {"n": 0}

    def find(self: KeyStore, principal: str, key: str) -> Any:
        calls["n"] += 1
        return None if calls["n"] == 1 else real(self, principal, key)

    monkeypatch.setattr(KeyStore, "find", find)
    yield
    assert calls["n"] >= 2, "the duplicate's save never reached the key's constraint"


def test_a_duplicate_past_the_lookup_is_rolled_back_by_the_key_constraint(
    client: TestClient, tokens: Headers, request: pytest.FixtureRequest
) -> None:
    """Registering a subject writes the vault and a record: the duplicate's save fails on the
    key, so its record is rolled back and its vault data erased; the first answer replays."""
    person = {"kind": "worker", "personal": {"name": "王五"}}
    headers = _with_key(tokens["intake"], "k-9")
    first = client.post("/api/v1/subjects", json=person, headers=headers)
    assert first.status_code == 201, first.text
    stored = _records(client)
    vault = _ledger(client).db.execute("SELECT COUNT(*) FROM gongshi_vault_subjects")[0][0]
    request.getfixturevalue("missed_lookup")
    duplicate = client.post("/api/v1/subjects", json=person, headers=headers)
    assert duplicate.status_code == 201, duplicate.text
    assert duplicate.headers["Idempotent-Replayed"] == "true"
    assert duplicate.content == first.content
    assert _records(client) == stored
    assert _ledger(client).db.execute("SELECT COUNT(*) FROM gongshi_vault_subjects")[0][0] == vault


def test_every_write_route_documents_the_header(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    writes = [
        (path, method, operation)
        for path, item in paths.items() if path.startswith("/api/v1/")
        for method, operation in item.items() if method in ("post", "put", "patch", "delete")
    ]  # fmt: skip
    assert len(writes) > 30
    # The spreadsheet upload is idempotent by the file itself: its batch's stream id is the
    # file's SHA-256, so the same file again answers the first receipt (200, already) and
    # writes nothing (tests/api/test_imports_http.py) — no key needed or taken.
    writes = [w for w in writes if w[0] != "/api/v1/imports/{kind}"]
    for path, method, operation in writes:
        names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        assert "Idempotency-Key" in names, (method, path)
        assert "400" in operation["responses"], (method, path)


def test_an_expired_key_is_deleted_and_may_be_used_anew(
    client: TestClient, tokens: Headers, fund: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = _with_key(tokens["finance"], "k-10")
    first = client.post(CONTRIBUTIONS, json=MONEY, headers=headers)
    stored = _records(client)
    monkeypatch.setattr(api_idempotency, "KEY_LIFETIME", 0.0)
    monkeypatch.setattr(api_idempotency, "_last_expiry", [-api_idempotency.EXPIRY_INTERVAL])
    again = client.post(CONTRIBUTIONS, json=MONEY, headers=headers)
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert again.json()["evidence"]["version"] == first.json()["evidence"]["version"] + 1
    assert _records(client) == stored + 1
    assert _keys(client) == 0  # storing the new answer expired every key, this one included


def test_the_stored_fingerprint_is_keyed_not_the_bodys_plain_sha256(
    client: TestClient, tokens: Headers
) -> None:
    """A registration's body holds personal data: its plain SHA-256 in the table would let
    anyone with the database confirm a guessed name and phone, even after an erasure."""
    person = {"kind": "worker", "personal": {"name": "孙七", "phone": "13700000000"}}
    response = client.post("/api/v1/subjects", json=person,
                           headers=_with_key(tokens["intake"], "k-11"))  # fmt: skip
    assert response.status_code == 201
    body = response.request.content
    found = KeyStore(_ledger(client).db).find("intake-01", "k-11")
    assert found is not None
    for plain in (body, b"POST\n/api/v1/subjects\n\n" + body):
        assert found.request_hash != hashlib.sha256(plain).hexdigest()
    services = client.app.state.services  # type: ignore[attr-defined]
    secret = api_idempotency.fingerprint_secret(services)
    expected = api_idempotency.request_hash(secret, "POST", "/api/v1/subjects", "", body)
    assert found.request_hash == expected


def test_expired_keys_are_swept_at_most_once_a_minute(
    client: TestClient, tokens: Headers, fund: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Storing an answer used to run a DELETE over the whole key table after every keyed
    write; now at most once per EXPIRY_INTERVAL per process."""
    sweeps: list[float] = []
    real_expire = KeyStore.expire

    def counted(self: KeyStore, before: float, *args: Any) -> int:
        if not args:
            sweeps.append(before)
        return real_expire(self, before, *args)

    monkeypatch.setattr(KeyStore, "expire", counted)
    monkeypatch.setattr(api_idempotency, "_last_expiry", [-api_idempotency.EXPIRY_INTERVAL])
    for n in range(3):
        made = client.post(CONTRIBUTIONS, json=MONEY, headers=_with_key(tokens["finance"],
                           f"k-sweep-{n}"))  # fmt: skip
        assert made.status_code == 201, made.text
    assert len(sweeps) == 1
    assert _keys(client) == 3


def test_in_flight_outlasts_a_first_request_that_waits_for_the_pool_and_a_lock(
    settings: Settings,
) -> None:
    """A retry must not "rebuild" (with an empty result) the answer of a first request that
    is still waiting, after its save, for a pooled connection and a lock (twice: the log's
    integration, storing the answer)."""
    database = settings.database
    waits = database.pool_timeout + database.lock_timeout
    assert api_idempotency.in_flight_seconds(database) >= 2 * waits + 5


def test_a_lost_commit_acknowledgement_is_answered_with_the_stored_write(
    client: TestClient, tokens: Headers, fund: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The save committed, then the database's answer was lost (a fault): with a key the
    server finds the write by its key's row and answers its receipt, not a 503 followed by
    409s for the in-flight window; the key then replays that answer."""
    original = LedgerApp.save

    def lost_acknowledgement(self: LedgerApp, *objs: Any, **kwargs: Any) -> Any:
        original(self, *objs, **kwargs)
        raise PoolTimeout("the COMMIT's answer was lost")

    headers = _with_key(tokens["finance"], "lost-commit-0001")
    before = _records(client)
    monkeypatch.setattr(LedgerApp, "save", lost_acknowledgement)
    first = client.post(CONTRIBUTIONS, json=MONEY, headers=headers)
    monkeypatch.undo()
    assert first.status_code == 201, first.text
    assert _records(client) == before + 1
    evidence = first.json()["evidence"]
    (stored,) = _ledger(client).app.recorder.select_events(
        UUID(evidence["stream"]), gt=evidence["version"] - 1, lte=evidence["version"]
    )
    assert unpack_state(stored.state)[0] == evidence["record_hash"]
    again = client.post(CONTRIBUTIONS, json=MONEY, headers=headers)
    assert (again.status_code, again.content) == (201, first.content)
    assert _records(client) == before + 1
