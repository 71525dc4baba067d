"""The erase route's answer when the files could not be cleared (issue 12 item 5).

A reader keeps the old rows visible (PostgreSQL: a REPEATABLE READ transaction that read
before the erasure; SQLite: a connection inside BEGIN after a SELECT, whose snapshot keeps the
WAL from being checkpointed) for longer than the erasure waits. The erasure is recorded and
its vault rows deleted, so the route must answer 2xx with the erasure's own receipt, and say
``files_cleared: false`` with a detail naming what is left: the answer must not claim the
bytes are gone while they are still in the files (the test finds them there). Once the reader
has gone, erasing again (no Idempotency-Key) finishes the files: the subject is already
erased (409 ``subject.erased``), and the wrapped key and ciphertext are in no file.
"""

from __future__ import annotations

import secrets
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from ledger.mapper import unpack_state
from ledger.settings import Settings
from ledger.subject import Subject
from projections import erasure
from tests.api.conftest import settle
from tests.integration.test_erasure_on_disk import READER, connect_reader, found_in_files

Headers = dict[str, dict[str, str]]
SHORT_WAIT = 0.3  # seconds the route's erasure waits for the reader (DEFAULT_WAIT is 5)


def _vault_bytes(services: Any, subject: str) -> dict[str, bytes]:
    found = services.ledger.db.execute(
        "SELECT wrapped_key, ciphertext FROM gongshi_vault_subjects WHERE subject_id = ?",
        (subject,),
    )
    return {"wrapped_key": bytes(found[0][0]), "ciphertext": bytes(found[0][1])}


def test_a_reader_holding_old_rows_gets_files_cleared_false_then_erasing_again_finishes(
    client: TestClient, tokens: Headers, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(erasure, "DEFAULT_WAIT", SHORT_WAIT)
    services = client.app.state.services  # type: ignore[attr-defined]
    person = {"kind": "worker", "personal": {"name": f"金丝雀{secrets.token_hex(6)}"}}
    registered = client.post("/api/v1/subjects", json=person, headers=tokens["intake"])
    assert registered.status_code == 201, registered.text
    stream = registered.json()["evidence"]["stream"]
    canaries = _vault_bytes(services, stream)
    settle(client)
    assert set(found_in_files(settings.database, canaries)) == set(canaries)

    postgres = settings.database.kind == "postgresql"
    reader = connect_reader(settings.database)
    try:
        # A snapshot taken before the erasure, on a table the erasure never rewrites: no
        # lock stands in the way, only a snapshot that can still see the old rows.
        reader.execute("BEGIN ISOLATION LEVEL REPEATABLE READ" if postgres else "BEGIN")
        reader.execute("SELECT count(*) FROM gongshi_proj_positions").fetchall()
        erased = client.post(f"/api/v1/subjects/{stream}/erasure",
                             json={"reason": "本人申请删除"}, headers=tokens["intake"])  # fmt: skip
        left = found_in_files(settings.database, canaries)
        reader.execute("ROLLBACK")
    finally:
        reader.close()

    assert 200 <= erased.status_code < 300, erased.text
    answer = erased.json()
    assert answer["result"]["files_cleared"] is False, answer
    detail = answer["result"]["detail"]
    assert "erase the subject again" in detail
    if postgres:
        assert READER in detail, detail  # the blocking connection, by application_name
        assert "gongshi_vault_subjects" in detail, detail  # the tables still to rewrite
    else:
        assert "ledger.db-wal" in detail, detail
    # The erasure's own receipt: the subject.Erased record right after the registration.
    evidence = answer["evidence"]
    assert evidence["stream"] == stream
    assert evidence["version"] == registered.json()["evidence"]["version"] + 1
    assert answer["records"] == [evidence]
    recorder = services.ledger.app.recorder
    (stored,) = recorder.select_events(UUID(stream), gt=evidence["version"] - 1)
    assert unpack_state(stored.state)[0] == evidence["record_hash"]
    assert services.ledger.app.get(Subject, UUID(stream)).erased
    assert not services.ledger.vault.has_subject(stream)
    # The answer was truthful: the old bytes were still in the files when it was given.
    assert set(left) == set(canaries), left

    again = client.post(f"/api/v1/subjects/{stream}/erasure", json={"reason": "本人申请删除"},
                        headers=tokens["intake"])  # fmt: skip
    assert again.status_code == 409, again.text
    assert again.json()["rule"] == "subject.erased"
    assert found_in_files(settings.database, canaries) == {}
