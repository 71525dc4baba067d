"""The erasure's answers and the batched compaction (issue 12 item 5, issue 13 item 11).

The approval route carries the erasure out (record, vault rows, lists) but leaves the files to
the batched erasure job, and says so: ``files_compacted: false`` while the old bytes are still
in the files (the test finds them there). A reader then keeps the old rows visible
(PostgreSQL: a REPEATABLE READ transaction that read before the erasure; SQLite: a connection
inside BEGIN after a SELECT, whose snapshot keeps the WAL from being checkpointed) for longer
than the job waits: the job raises ErasureIncomplete naming what is left. Once the reader has
gone, the job's next run compacts, and the wrapped key and ciphertext are in no file.
"""

from __future__ import annotations

import secrets
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from ledger.mapper import unpack_state
from ledger.principal import Principals
from ledger.settings import Settings
from ledger.subject import Subject
from projections.erasure import ErasureIncomplete, run_erasure_job
from projections.registry import projections_of
from tests.api.conftest import settle
from tests.integration.test_erasure_on_disk import READER, connect_reader, found_in_files

Headers = dict[str, dict[str, str]]
SHORT_WAIT = 0.3  # seconds the job waits for the reader (DEFAULT_WAIT is 5)


def _vault_bytes(services: Any, subject: str) -> dict[str, bytes]:
    found = services.ledger.db.execute(
        "SELECT wrapped_key, ciphertext FROM gongshi_vault_subjects WHERE subject_id = ?",
        (subject,),
    )
    return {"wrapped_key": bytes(found[0][0]), "ciphertext": bytes(found[0][1])}


def test_the_answer_says_files_not_compacted_and_the_job_compacts_once_readers_are_gone(
    client: TestClient, tokens: Headers, settings: Settings
) -> None:
    services = client.app.state.services  # type: ignore[attr-defined]
    ledger = services.ledger
    person = {"kind": "worker", "personal": {"name": f"金丝雀{secrets.token_hex(6)}"}}
    registered = client.post("/api/v1/subjects", json=person, headers=tokens["intake"])
    assert registered.status_code == 201, registered.text
    stream = registered.json()["evidence"]["stream"]
    canaries = _vault_bytes(services, stream)
    settle(client)
    assert set(found_in_files(settings.database, canaries)) == set(canaries)
    store, registry = services.tokens, Principals(ledger)
    dp = {n: {"Authorization": "Bearer " + store.issue(registry, n, ledger.clock())}
          for n in ("dpo-01", "dpo-02")}  # fmt: skip
    url = f"/api/v1/subjects/{stream}/erasure"
    asked = client.post(url, json={"reason": "本人申请删除"}, headers=dp["dpo-01"])
    assert asked.status_code == 201, asked.text
    erased = client.post(url + "/approval", headers=dp["dpo-02"])
    assert erased.status_code == 201, erased.text
    answer = erased.json()
    assert answer["result"] == {"erased": True, "approved": True, "files_compacted": False}
    # Its own receipts: ErasureApproved then subject.Erased, right after the request.
    evidence = answer["evidence"]
    assert evidence["stream"] == stream
    recorder = ledger.app.recorder
    last = recorder.select_events(UUID(stream), desc=True, limit=1)[0]
    assert unpack_state(last.state)[0] in {r["record_hash"] for r in answer["records"]}
    assert ledger.app.get(Subject, UUID(stream)).erased
    assert not ledger.vault.has_subject(stream)
    # Truthful: the old bytes are still in the files until the job compacts.
    assert set(found_in_files(settings.database, canaries)) == set(canaries)

    postgres = settings.database.kind == "postgresql"
    reader = connect_reader(settings.database)
    try:
        reader.execute("BEGIN ISOLATION LEVEL REPEATABLE READ" if postgres else "BEGIN")
        reader.execute("SELECT count(*) FROM gongshi_proj_positions").fetchall()
        with (
            projections_of(ledger, settings) as projections,
            pytest.raises(ErasureIncomplete) as stopped,
        ):
            run_erasure_job(ledger, projections, wait=SHORT_WAIT)
        reader.execute("ROLLBACK")
    finally:
        reader.close()
    detail = str(stopped.value)
    assert "compacts again on its next run" in detail
    if postgres:
        assert READER in detail, detail  # the blocking connection, by application_name
        assert "gongshi_vault_subjects" in detail, detail  # the tables still to rewrite
    else:
        assert "ledger.db-wal" in detail, detail

    with projections_of(ledger, settings) as projections:
        batch = run_erasure_job(ledger, projections)
    assert batch.compacted and batch.erased == []  # erased by the route, compacted now
    assert found_in_files(settings.database, canaries) == {}
