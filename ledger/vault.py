"""The personal-data vault: per-subject keys, AES-GCM ciphertexts, keyed commitments.

Records never carry personal data. A subject is a random pseudonymous id; the vault keeps,
outside the event log:

    gongshi_vault_subjects(subject_id, wrapped_key, ciphertext)
    gongshi_vault_documents(subject_id, label, ciphertext)

Each subject has a random 32-byte key K. K is stored wrapped (AES-256-GCM) under the vault
master key, which lives outside the database. From K, HKDF-SHA256 derives an encryption key
(AES-256-GCM over the canonical JSON of the personal data) and a commitment key; the record
carries ``HMAC-SHA256(commitment key, canonical JSON)`` so a holder of the data and the key can
prove what was committed. Erasure deletes K and every ciphertext of the subject: the
commitments in the records stay, but nothing can open them any more.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ledger.db import SqlDatabase
from ledger.errors import LedgerError, NotFound
from ledger.files import private_dir
from verify.canonical import canonical_bytes

RandomBytes = Callable[[int], bytes]
NONCE_SIZE = 12
KEY_SIZE = 32
PERSONAL_FIELDS = frozenset(
    {"name", "id_number", "phone", "bank_account", "address", "hardship_details", "note"}
)

VAULT_TABLES = ("gongshi_vault_documents", "gongshi_vault_subjects")
SCHEMA = (
    """CREATE TABLE IF NOT EXISTS gongshi_vault_subjects (
        subject_id TEXT PRIMARY KEY,
        wrapped_key BYTEA NOT NULL,
        ciphertext BYTEA NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS gongshi_vault_documents (
        subject_id TEXT NOT NULL,
        label TEXT NOT NULL,
        ciphertext BYTEA NOT NULL,
        PRIMARY KEY (subject_id, label))""",
)


class VaultError(LedgerError):
    """The vault can't do what was asked (missing key, subject erased, tampered ciphertext)."""


def load_master_key(key_hex: str | None, key_path: Path) -> bytes:
    """The master key from GONGSHI_VAULT_KEY (hex) or the key file; VaultError if neither."""
    text = key_hex
    if text is None:
        if not key_path.exists():
            raise VaultError(
                f"no vault master key at {key_path}: if this ledger already holds data, restore"
                " the keys directory from your backup (a new key can't decrypt its vault); for"
                " a new, empty ledger run 'gongshi keys init'"
            )
        text = key_path.read_text().strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise VaultError("vault master key is not hex") from None
    if len(key) != KEY_SIZE:
        raise VaultError(f"vault master key has {len(key)} bytes, expected {KEY_SIZE}")
    return key


def create_master_key(key_path: Path, random_bytes: RandomBytes = os.urandom) -> bool:
    """Write a new master key file (mode 0600, its directory 0700: ledger/files.py) unless
    one exists; True if it was created."""
    if key_path.exists():
        return False
    private_dir(key_path.parent)
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(random_bytes(KEY_SIZE).hex() + "\n")
    return True


def _derive(subject_key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_SIZE, salt=None, info=purpose).derive(
        subject_key
    )


def commitment(subject_key: bytes, payload: dict[str, Any]) -> str:
    """HMAC-SHA256 under the subject's commitment key over the payload's canonical JSON."""
    mac_key = _derive(subject_key, b"gongshi vault commitment")
    return hmac.new(mac_key, canonical_bytes(payload), hashlib.sha256).hexdigest()


def document_commitment(subject_key: bytes, label: str, payload: dict[str, Any]) -> str:
    """The commitment of a document attached under ``label`` (a follow-up's note_commitment):
    ``commitment`` over ``{"document": payload, "label": label}``. A label is unique per
    subject (it keys the document), so equal notes give different commitments. Documents
    attached before issue 12 committed to ``payload`` alone (equal for equal notes)."""
    return commitment(subject_key, {"document": payload, "label": label})


class Vault:
    """Seals and opens personal data; requires ``master_key`` of 32 bytes."""

    def __init__(
        self, db: SqlDatabase, master_key: bytes, random_bytes: RandomBytes = os.urandom
    ) -> None:
        if len(master_key) != KEY_SIZE:
            raise VaultError("master key must be 32 bytes")
        self._db = db
        self._master = AESGCM(master_key)
        self._random = random_bytes
        with db.transaction() as cur:
            for statement in SCHEMA:
                sql = statement if db.is_postgres else statement.replace("BYTEA", "BLOB")
                cur.execute(sql)

    def _seal(self, key: bytes, plaintext: bytes, aad: bytes) -> bytes:
        nonce = self._random(NONCE_SIZE)
        return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)

    def _open(self, key: bytes, sealed: bytes, aad: bytes) -> bytes:
        try:
            return AESGCM(key).decrypt(sealed[:NONCE_SIZE], sealed[NONCE_SIZE:], aad)
        except InvalidTag:
            where = aad.decode("utf-8", "replace")
            raise VaultError(f"vault ciphertext of {where} failed authentication") from None

    def _subject_key(self, subject_id: str) -> bytes:
        rows = self._db.execute(
            "SELECT wrapped_key FROM gongshi_vault_subjects WHERE subject_id = ?", (subject_id,)
        )
        if not rows:
            raise NotFound("vault subject", subject_id)
        return self._unwrap(subject_id, bytes(rows[0][0]))

    def _unwrap(self, subject_id: str, wrapped: bytes) -> bytes:
        try:
            return self._master.decrypt(
                wrapped[:NONCE_SIZE],
                wrapped[NONCE_SIZE:],
                b"gongshi-vault-key:" + subject_id.encode(),
            )
        except InvalidTag:
            raise VaultError(
                f"subject key of {subject_id} failed authentication: wrong vault master key?"
            ) from None

    def store_subject(self, subject_id: str, personal: dict[str, Any]) -> str:
        """Create the subject's key, store its data encrypted, return the commitment."""
        key = self._random(KEY_SIZE)
        nonce = self._random(NONCE_SIZE)
        wrapped = nonce + self._master.encrypt(
            nonce, key, b"gongshi-vault-key:" + subject_id.encode()
        )
        sealed = self._seal(
            _derive(key, b"gongshi vault encryption"),
            canonical_bytes(personal),
            b"subject:" + subject_id.encode(),
        )
        self._db.execute(
            "INSERT INTO gongshi_vault_subjects (subject_id, wrapped_key, ciphertext)"
            " VALUES (?, ?, ?)",
            (subject_id, wrapped, sealed),
        )
        return commitment(key, personal)

    def attach(self, subject_id: str, label: str, payload: dict[str, Any]) -> str:
        """Store a further document (e.g. a follow-up note) under the subject's key."""
        key = self._subject_key(subject_id)
        sealed = self._seal(
            _derive(key, b"gongshi vault encryption"),
            canonical_bytes(payload),
            f"document:{subject_id}:{label}".encode(),
        )
        self._db.execute(
            "INSERT INTO gongshi_vault_documents (subject_id, label, ciphertext) VALUES (?, ?, ?)",
            (subject_id, label, sealed),
        )
        return document_commitment(key, label, payload)

    def read_subject(self, subject_id: str) -> dict[str, Any]:
        """The subject's personal data; NotFound after erasure, VaultError if tampered."""
        key = self._subject_key(subject_id)
        rows = self._db.execute(
            "SELECT ciphertext FROM gongshi_vault_subjects WHERE subject_id = ?", (subject_id,)
        )
        plaintext = self._open(
            _derive(key, b"gongshi vault encryption"),
            bytes(rows[0][0]),
            b"subject:" + subject_id.encode(),
        )
        value: dict[str, Any] = json.loads(plaintext)
        return value

    def read_subjects(self, subject_ids: Collection[str]) -> dict[str, dict[str, Any]]:
        """``read_subject`` of each of ``subject_ids`` that is in the vault (an erased one is
        absent), one query per 500; VaultError if one is tampered."""
        ids = sorted(set(subject_ids))
        found: dict[str, dict[str, Any]] = {}
        for at in range(0, len(ids), 500):
            chunk = tuple(ids[at : at + 500])
            for subject_id, wrapped, sealed in self._db.execute(
                "SELECT subject_id, wrapped_key, ciphertext FROM gongshi_vault_subjects"
                f" WHERE subject_id IN ({', '.join('?' * len(chunk))})",
                chunk,
            ):
                key = self._unwrap(str(subject_id), bytes(wrapped))
                aad = b"subject:" + str(subject_id).encode()
                plaintext = self._open(
                    _derive(key, b"gongshi vault encryption"), bytes(sealed), aad
                )
                found[str(subject_id)] = json.loads(plaintext)
        return found

    def read_document(self, subject_id: str, label: str) -> dict[str, Any]:
        """A document attached to the subject; NotFound if absent or erased, VaultError if
        tampered (a ciphertext is bound to its subject and label by its AAD)."""
        key = self._subject_key(subject_id)
        rows = self._db.execute(
            "SELECT ciphertext FROM gongshi_vault_documents WHERE subject_id = ? AND label = ?",
            (subject_id, label),
        )
        if not rows:
            raise NotFound("vault document", f"{subject_id}/{label}")
        plaintext = self._open(
            _derive(key, b"gongshi vault encryption"),
            bytes(rows[0][0]),
            f"document:{subject_id}:{label}".encode(),
        )
        value: dict[str, Any] = json.loads(plaintext)
        return value

    def has_subject(self, subject_id: str) -> bool:
        """Whether the vault still holds the subject's key."""
        return bool(
            self._db.execute(
                "SELECT 1 FROM gongshi_vault_subjects WHERE subject_id = ?", (subject_id,)
            )
        )

    def discard(self, subject_id: str, label: str) -> None:
        """Delete one document (used when the record that commits to it was not saved)."""
        self._db.execute(
            "DELETE FROM gongshi_vault_documents WHERE subject_id = ? AND label = ?",
            (subject_id, label),
        )

    def erase(self, subject_id: str, compact: bool = True) -> None:
        """Delete the subject's key and every ciphertext of it, in one transaction; with
        ``compact``, rewrite the vault tables on PostgreSQL at once (``compact=False`` when
        the caller rewrites them later, as projections/erasure.py does once the lists too
        are rewritten)."""
        with self._db.transaction() as cur:
            cur.execute("DELETE FROM gongshi_vault_documents WHERE subject_id = ?", (subject_id,))
            cur.execute("DELETE FROM gongshi_vault_subjects WHERE subject_id = ?", (subject_id,))
        if compact:
            self._db.compact(*VAULT_TABLES)
