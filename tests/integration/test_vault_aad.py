"""The vault's AES-GCM AAD binds each ciphertext to its row (docs/FORMAT.md §5), both backends.

A wrapped key carries aad ``gongshi-vault-key:SUBJECT``, a subject's data ``subject:SUBJECT``,
a document ``document:SUBJECT:LABEL``. Bytes copied from one row into another (by someone with
write access to the database but not the master key) must fail authentication, never decrypt
as the other row's data. Each test isolates one binding where it can: a swap between two rows
under the same subject key is caught by the ciphertext's AAD alone.
"""

from __future__ import annotations

from typing import Any

import pytest

from ledger.errors import NotFound
from ledger.ledger import Ledger
from ledger.vault import VaultError
from tests.integration.helpers import INTAKE

ALICE = {"name": "甲某", "phone": "13800000001"}
BOB = {"name": "乙某", "phone": "13800000002"}


def _two_subjects(ledger: Ledger) -> tuple[str, str]:
    a = ledger.register_subject(dict(ALICE), "worker", INTAKE)
    b = ledger.register_subject(dict(BOB), "worker", INTAKE)
    return str(a), str(b)


def _subject_row(ledger: Ledger, subject: str) -> tuple[bytes, bytes]:
    """(wrapped_key, ciphertext) of a subject."""
    found = ledger.db.execute(
        "SELECT wrapped_key, ciphertext FROM gongshi_vault_subjects WHERE subject_id = ?",
        (subject,),
    )
    return bytes(found[0][0]), bytes(found[0][1])


def _set_subject_row(ledger: Ledger, subject: str, **columns: bytes) -> None:
    assignments = ", ".join(f"{name} = ?" for name in columns)
    ledger.db.execute(
        f"UPDATE gongshi_vault_subjects SET {assignments} WHERE subject_id = ?",
        (*columns.values(), subject),
    )


def _document(ledger: Ledger, subject: str, label: str) -> bytes:
    found = ledger.db.execute(
        "SELECT ciphertext FROM gongshi_vault_documents WHERE subject_id = ? AND label = ?",
        (subject, label),
    )
    return bytes(found[0][0])


def _set_document(ledger: Ledger, subject: str, label: str, ciphertext: bytes) -> None:
    ledger.db.execute(
        "UPDATE gongshi_vault_documents SET ciphertext = ? WHERE subject_id = ? AND label = ?",
        (ciphertext, subject, label),
    )


def _refused(read: Any, match: str) -> None:
    with pytest.raises(VaultError, match=match):
        read()


def test_untouched_rows_decrypt(ledger: Ledger) -> None:
    a, b = _two_subjects(ledger)
    ledger.vault.attach(a, "follow-up/1", {"note": "回访甲"})
    assert ledger.vault.read_subject(a) == ALICE and ledger.vault.read_subject(b) == BOB
    assert ledger.vault.read_document(a, "follow-up/1") == {"note": "回访甲"}
    with pytest.raises(NotFound):
        ledger.vault.read_document(a, "follow-up/2")


def test_swapped_subject_ciphertext_fails_to_decrypt(ledger: Ledger) -> None:
    a, b = _two_subjects(ledger)
    _set_subject_row(ledger, b, ciphertext=_subject_row(ledger, a)[1])
    _refused(lambda: ledger.vault.read_subject(b), f"ciphertext of subject:{b} failed")
    assert ledger.vault.read_subject(a) == ALICE


def test_swapped_subject_ciphertext_and_wrapped_key_fail_to_decrypt(ledger: Ledger) -> None:
    """The whole of A's row under B's id: the wrapped key's AAD names A, not B."""
    a, b = _two_subjects(ledger)
    wrapped, ciphertext = _subject_row(ledger, a)
    _set_subject_row(ledger, b, wrapped_key=wrapped, ciphertext=ciphertext)
    _refused(lambda: ledger.vault.read_subject(b), f"subject key of {b} failed authentication")


def test_swapped_wrapped_key_is_refused_before_sealing_a_document(ledger: Ledger) -> None:
    """A's key under B's id would seal B's next note (and commit to it) under A's key."""
    a, b = _two_subjects(ledger)
    _set_subject_row(ledger, b, wrapped_key=_subject_row(ledger, a)[0])
    _refused(
        lambda: ledger.vault.attach(b, "follow-up/1", {"note": "回访乙"}),
        f"subject key of {b} failed authentication",
    )


def test_document_ciphertext_swapped_into_the_subject_row_fails(ledger: Ledger) -> None:
    """Same subject, same key: only the AAD (document:… vs subject:…) tells them apart."""
    a, _ = _two_subjects(ledger)
    ledger.vault.attach(a, "follow-up/1", {"name": "伪造姓名"})
    _set_subject_row(ledger, a, ciphertext=_document(ledger, a, "follow-up/1"))
    _refused(lambda: ledger.vault.read_subject(a), f"ciphertext of subject:{a} failed")


def test_swapped_document_label_fails_to_decrypt(ledger: Ledger) -> None:
    """Same subject, same key: the label in the AAD binds a note to its row."""
    a, _ = _two_subjects(ledger)
    ledger.vault.attach(a, "follow-up/1", {"note": "第一次回访"})
    ledger.vault.attach(a, "follow-up/2", {"note": "第二次回访"})
    _set_document(ledger, a, "follow-up/2", _document(ledger, a, "follow-up/1"))
    _refused(
        lambda: ledger.vault.read_document(a, "follow-up/2"),
        f"ciphertext of document:{a}:follow-up/2 failed",
    )
    assert ledger.vault.read_document(a, "follow-up/1") == {"note": "第一次回访"}


def test_swapped_document_of_another_subject_fails_to_decrypt(ledger: Ledger) -> None:
    a, b = _two_subjects(ledger)
    ledger.vault.attach(a, "follow-up/1", {"note": "回访甲"})
    ledger.vault.attach(b, "follow-up/1", {"note": "回访乙"})
    _set_document(ledger, b, "follow-up/1", _document(ledger, a, "follow-up/1"))
    _refused(
        lambda: ledger.vault.read_document(b, "follow-up/1"),
        f"ciphertext of document:{b}:follow-up/1 failed",
    )
