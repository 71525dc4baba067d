"""Issue 12 item 7: follow-up commitments were deterministic per subject: two identical notes
gave the same public note_commitment (HMAC under the subject's key over the note alone), so
anyone could see that two visits wrote the same thing. The MAC input now holds the label the
note is stored under (unique per subject): equal notes, different commitments; each opens
against its own stored document (docs/FORMAT.md §5)."""

from __future__ import annotations

import json
from typing import Any

from ledger.ledger import Ledger
from ledger.mapper import unpack_state
from ledger.settings import Settings
from ledger.vault import commitment, document_commitment
from tests.integration.helpers import INTAKE, disbursed, funded
from tests.integration.store_access import rows

NOTE = "家中老人病情稳定，已复工"


def _follow_ups(settings: Settings) -> list[dict[str, Any]]:
    found = []
    for _, _, _, _, state in rows(settings.database):
        record = json.loads(unpack_state(state)[1])
        if record["type"] == "carefund.FollowUpRecorded":
            found.append(record)
    return found


def test_follow_up_commitment_differs_for_equal_notes(ledger: Ledger, settings: Settings) -> None:
    fund = funded(ledger)
    case = disbursed(fund)
    for _ in range(3):
        fund.follow_up(case, "2023-03-01", "stable", NOTE, INTAKE)
    records = _follow_ups(settings)
    assert len(records) == 3
    commitments = [r["data"]["note_commitment"] for r in records]
    assert len(set(commitments)) == 3, commitments

    # Each commitment opens against its own stored document and label, and no other.
    subject = fund.application(case).subject
    key = ledger.vault._subject_key(subject)
    labels = [str(r[0]) for r in ledger.db.execute(
        "SELECT label FROM gongshi_vault_documents WHERE subject_id = ?", (subject,))]  # fmt: skip
    assert len(labels) == 3
    opened = {}
    for label in labels:
        document = ledger.vault.read_document(subject, label)
        assert document == {"note": NOTE}
        opened[document_commitment(key, label, document)] = label
    assert set(opened) == set(commitments)
    # What a follow-up recorded before the fix committed to: the note alone, equal each time.
    assert commitment(key, {"note": NOTE}) not in commitments


def test_document_commitment_binds_label_and_payload() -> None:
    key = bytes(range(32))
    note = {"note": NOTE}
    base = document_commitment(key, "follow-up/a/1", note)
    assert base == document_commitment(key, "follow-up/a/1", dict(note))
    assert base != document_commitment(key, "follow-up/a/2", note)
    assert base != document_commitment(key, "follow-up/a/1", {"note": NOTE + "。"})
    assert base != document_commitment(bytes(32), "follow-up/a/1", note)
    assert base != commitment(key, note)  # the old form never coincides with the new
