"""A write's answer is its own receipt: the stream, version, hash and leaf of the records the
request saved, never the stream's newest record read back afterwards (issue 12, item 4)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import OperationalError
from fastapi.testclient import TestClient

from ledger.carefund.config import FundConfig
from ledger.carefund.fund import fund_year_id
from ledger.ledger import Ledger

Headers = dict[str, dict[str, str]]
WRITERS = 8
EACH = 6


def _ledger(client: TestClient) -> Ledger:
    found: Ledger = client.app.state.services.ledger  # type: ignore[attr-defined]
    return found


def _record_at(client: TestClient, leaf: int) -> dict[str, Any]:
    data = _ledger(client).log.leaf_data(leaf)
    assert data is not None, f"leaf {leaf} is not in the log"
    record: dict[str, Any] = json.loads(data)
    return record


def test_eight_writers_on_one_stream_each_get_their_own_record(
    client: TestClient, tokens: Headers
) -> None:
    finance = tokens["finance"]
    opened = client.post("/api/v1/carefund/years", json={"year": 2023}, headers=finance)
    assert opened.status_code == 201, opened.text
    fund = opened.json()["evidence"]["stream"]

    def contribute(n: int) -> tuple[str, dict[str, Any]]:
        reference = f"R-{n:03d}"
        money = {"source": "trade_union", "amount_fen": 1000 + n, "reference": reference}
        response = client.post(
            "/api/v1/carefund/years/2023/contributions", json=money, headers=finance
        )
        assert response.status_code == 201, response.text
        return reference, response.json()["evidence"]

    with ThreadPoolExecutor(WRITERS) as pool:
        answers = list(pool.map(contribute, range(WRITERS * EACH)))

    wrong = []
    for reference, evidence in answers:
        assert evidence["stream"] == fund
        record = _record_at(client, evidence["leaf_index"])
        if (
            record["data"].get("reference") != reference
            or record["version"] != evidence["version"]
            or record["stream"] != evidence["stream"]
        ):
            wrong.append((reference, evidence["version"], record["data"].get("reference")))
    assert wrong == [], f"{len(wrong)} of {len(answers)} answers describe another record"
    versions = sorted(e["version"] for _, e in answers)
    assert versions == list(range(2, 2 + WRITERS * EACH))


def _count(client: TestClient) -> int:
    return len(_ledger(client).app.recorder.select_notifications(start=1, limit=1_000_000))


def test_a_log_fault_after_the_save_answers_the_receipt_with_its_leaf_pending(
    client: TestClient, tokens: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The save succeeded, then the log could not be read: the write is stored, so the answer
    is its receipt (201, leaf pending), never a 500 that a client would retry into a copy."""
    finance = tokens["finance"]
    assert client.post("/api/v1/carefund/years", json={"year": 2023}, headers=finance).is_success
    log = _ledger(client).log

    def locked(*_: Any, **__: Any) -> int:
        raise OperationalError("database is locked")

    monkeypatch.setattr(log, "integrate", locked)
    before = _count(client)
    money = {"source": "trade_union", "amount_fen": 500, "reference": "R-PENDING"}
    answer = client.post("/api/v1/carefund/years/2023/contributions", json=money, headers=finance)
    assert answer.status_code == 201, answer.text
    evidence = answer.json()["evidence"]
    assert evidence["leaf_index"] is None and evidence["leaf_pending"] is True
    assert _count(client) == before + 1
    (stored,) = _ledger(client).app.recorder.select_events(
        UUID(evidence["stream"]), gt=evidence["version"] - 1, lte=evidence["version"]
    )
    assert stored.state[:64].decode() == evidence["record_hash"]
    monkeypatch.undo()
    log.integrate()
    leaf = log.leaf_of(evidence["stream"], evidence["version"])
    assert leaf is not None and _record_at(client, leaf)["data"]["reference"] == "R-PENDING"


def test_a_write_of_two_streams_lists_both_and_names_the_callers_stream(
    client: TestClient, tokens: Headers
) -> None:
    """An approval saves the case and the fund year in one transaction: ``records`` has both,
    ``evidence`` is the case's (the stream the caller named), each at its own leaf."""

    def post(path: str, body: dict[str, Any], role: str) -> dict[str, Any]:
        response = client.post("/api/v1" + path, json=body, headers=tokens[role])
        assert response.is_success, response.text
        answer: dict[str, Any] = response.json()
        return answer

    post("/carefund/years", {"year": 2023}, "finance")
    money = {"source": "trade_union", "amount_fen": 2_000_000, "reference": "R-1"}
    post("/carefund/years/2023/contributions", money, "finance")
    subject = post("/subjects", {"kind": "worker", "personal": {"name": "李四"}}, "intake")
    case = post("/carefund/applications", {
        "year": 2023, "subject": subject["evidence"]["stream"], "industry": "express_delivery",
        "hardship": "illness", "requested_tier": 1, "priority": False}, "intake",
    )["evidence"]["stream"]  # fmt: skip
    post(f"/carefund/applications/{case}/review", {"approve": True}, "industry_party_committee")
    approved = post(f"/carefund/applications/{case}/approval", {"tier": 1}, "trade_union")
    assert approved["evidence"]["stream"] == case
    assert approved["result"]["amount_fen"] > 0
    streams = [r["stream"] for r in approved["records"]]
    assert sorted(streams) == sorted([case, str(fund_year_id(FundConfig().fund, 2023))])
    assert approved["evidence"] in approved["records"]
    for record in approved["records"]:
        stored = _record_at(client, record["leaf_index"])
        assert (stored["stream"], stored["version"]) == (record["stream"], record["version"])


def _data_protection(client: TestClient) -> dict[str, dict[str, str]]:
    """Bearer headers of the two data_protection principals (dpo-01 asks, dpo-02 approves)."""
    from ledger.principal import Principals

    ledger = _ledger(client)
    store, registry = client.app.state.services.tokens, Principals(ledger)  # type: ignore[attr-defined]
    return {name: {"Authorization": "Bearer " + store.issue(registry, name, ledger.clock())}
            for name in ("dpo-01", "dpo-02")}  # fmt: skip


def test_an_erasure_answers_with_its_own_record_and_replays(
    client: TestClient, tokens: Headers
) -> None:
    person = {"kind": "worker", "personal": {"name": "赵六"}}
    subject = client.post("/api/v1/subjects", json=person, headers=tokens["intake"]).json()
    stream = subject["evidence"]["stream"]
    dp = _data_protection(client)
    url = f"/api/v1/subjects/{stream}/erasure"
    asked = client.post(url, json={"reason": "本人申请删除"}, headers=dp["dpo-01"])
    assert asked.status_code == 201, asked.text
    assert asked.json()["evidence"]["version"] == subject["evidence"]["version"] + 1
    headers = {**dp["dpo-02"], "Idempotency-Key": "erase-" + stream}
    erased = client.post(url + "/approval", headers=headers)
    assert erased.status_code == 201, erased.text
    assert erased.json()["evidence"]["stream"] == stream
    assert [r["version"] for r in erased.json()["records"]] == [3, 4]  # approved, erased
    count = _count(client)
    again = client.post(url + "/approval", headers=headers)
    assert again.headers["Idempotent-Replayed"] == "true" and again.content == erased.content
    assert _count(client) == count


def _person(client: TestClient, tokens: Headers, name: str) -> str:
    person = {"kind": "worker", "personal": {"name": name}}
    made = client.post("/api/v1/subjects", json=person, headers=tokens["intake"])
    assert made.status_code == 201, made.text
    stream: str = made.json()["evidence"]["stream"]
    return stream


def test_an_erasure_whose_vault_deletion_failed_is_finished_by_its_retry(
    client: TestClient, tokens: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The approval and the Erased record commit, then the vault deletion fails (a database
    fault): 503. The retry with the same key must finish the deletion and answer with the
    erasure's receipt, not rebuild a success from the records while the personal data is
    still in the vault (nor answer 409 in flight)."""
    import psycopg_pool

    stream = _person(client, tokens, "钱七")
    dp = _data_protection(client)
    url = f"/api/v1/subjects/{stream}/erasure"
    assert (
        client.post(url, json={"reason": "本人申请删除"}, headers=dp["dpo-01"]).status_code == 201
    )
    vault = _ledger(client).vault
    real_erase = vault.erase
    failures = [psycopg_pool.PoolTimeout("couldn't get a connection after 1.00 sec")]

    def failing_once(subject_id: str, compact: bool = False) -> None:
        if failures:
            raise failures.pop()
        real_erase(subject_id, compact=compact)

    monkeypatch.setattr(vault, "erase", failing_once)
    headers = {**dp["dpo-02"], "Idempotency-Key": "erase-once-" + stream}
    first = client.post(url + "/approval", headers=headers)
    assert first.status_code == 503, first.text
    assert vault.has_subject(stream)  # recorded as erased, the data still there
    count = _count(client)
    retry = client.post(url + "/approval", headers=headers)
    assert retry.status_code == 201, retry.text
    assert "Idempotent-Replayed" not in retry.headers
    assert not vault.has_subject(stream)
    answer = retry.json()
    assert answer["result"] == {"erased": True, "approved": True, "files_compacted": False,
                                "already_erased": True}  # fmt: skip
    assert answer["evidence"]["stream"] == stream and answer["evidence"]["version"] == 4
    stored = _record_at(client, answer["evidence"]["leaf_index"])
    assert (stored["stream"], stored["version"]) == (stream, 4)
    assert _count(client) == count  # nothing saved again
    again = client.post(url + "/approval", headers=headers)
    assert again.headers["Idempotent-Replayed"] == "true" and again.content == retry.content


def test_a_route_naming_a_stream_it_did_not_save_is_an_error(client: TestClient) -> None:
    """receipt() never answers with "the stream's newest record": a request that saved
    nothing on the stream it names is a programming error."""
    from api.evidence import ReceiptError, receipt
    from ledger import receipts

    with receipts.capture(), pytest.raises(ReceiptError, match="none on stream"):
        receipt(_ledger(client), UUID(int=7))
