"""The console's sessions: signed in with a bearer token, then a cookie naming a server-side
session.

    gongshi_console_sessions (session_hash, principal, role, token_box, created_at, expires_at)

The cookie holds a random session id (32 bytes, base64url); the table keeps only its SHA-256,
so a copy of the database opens no session. The bearer token the clerk signed in with is kept
encrypted (AES-256-GCM) under a key derived from the session id: only a request carrying the
cookie can use it, and each request checks it again as the API does (``api.auth.caller``):
a revoked token or a role change ends the session. The console's writes are the API's own
routes called in-process with that token (``api.console.dispatch``).

Sessions expire ``LIFETIME`` after sign-in; signing out deletes the row.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ledger.actor import Actor, Role
from ledger.clock import format_at, parse_at
from ledger.db import SqlDatabase, schema_lock

COOKIE = "gongshi_console"
LIFETIME = timedelta(hours=8)  # a working day
SESSION_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS gongshi_console_sessions (session_hash TEXT PRIMARY KEY,"
    " principal TEXT NOT NULL, role TEXT NOT NULL, token_box TEXT NOT NULL,"
    " created_at TEXT NOT NULL, expires_at TEXT NOT NULL)"
)
RandomBytes = Callable[[int], bytes]


@dataclass(frozen=True)
class ConsoleSession:
    """A live session: its id (from the cookie, never stored), who signed in, the token."""

    session_id: str
    actor: Actor
    token: str
    expires_at: datetime


def session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("ascii")).hexdigest()


def _key(session_id: str) -> bytes:
    """The token's encryption key: HMAC-SHA256 of a label under the session id."""
    return hmac.new(session_id.encode("ascii"), b"gongshi console token v1", "sha256").digest()


def seal(session_id: str, token: str, random_bytes: RandomBytes = os.urandom) -> str:
    """The token encrypted under the session id's key (hex: nonce, ciphertext, tag)."""
    nonce = random_bytes(12)
    box = AESGCM(_key(session_id)).encrypt(
        nonce, token.encode("ascii"), session_hash(session_id).encode()
    )
    return (nonce + box).hex()


def unseal(session_id: str, token_box: str) -> str | None:
    """The token of a box sealed under ``session_id``; None if it does not open."""
    try:
        raw = bytes.fromhex(token_box)
        token = AESGCM(_key(session_id)).decrypt(
            raw[:12], raw[12:], session_hash(session_id).encode()
        )
    except (ValueError, InvalidTag):
        return None
    return token.decode("ascii")


class Sessions:
    """The session table of one database."""

    def __init__(self, db: SqlDatabase) -> None:
        self.db = db
        with schema_lock(db.database), db.transaction() as cur:
            cur.execute(SCHEMA)

    def open(
        self, actor: Actor, token: str, now: datetime, random_bytes: RandomBytes = os.urandom
    ) -> str:
        """A new session for ``actor`` signed in with ``token``; returns its id (the cookie's
        value), which is not stored. Expired sessions are deleted on the way."""
        session_id = base64.urlsafe_b64encode(random_bytes(32)).decode().rstrip("=")
        with self.db.transaction() as cur:
            cur.execute(
                "DELETE FROM gongshi_console_sessions WHERE expires_at < ?", (format_at(now),)
            )
            cur.execute(
                "INSERT INTO gongshi_console_sessions (session_hash, principal, role, token_box,"
                " created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    session_hash(session_id), actor.principal, actor.role.value,
                    seal(session_id, token, random_bytes), format_at(now),
                    format_at(now + LIFETIME),
                ),
            )  # fmt: skip
        return session_id

    def find(self, session_id: str | None, now: datetime) -> ConsoleSession | None:
        """The live session of a cookie's ``session_id``; None if there is none, it expired
        (its row is deleted) or its token does not open."""
        if session_id is None or not SESSION_PATTERN.fullmatch(session_id):
            return None
        wanted = session_hash(session_id)
        rows = self.db.execute(
            "SELECT session_hash, principal, role, token_box, expires_at"
            " FROM gongshi_console_sessions WHERE session_hash = ?",
            (wanted,),
        )
        if not rows or not hmac.compare_digest(str(rows[0][0]), wanted):
            return None
        _, principal, role, token_box, expires_at = rows[0]
        expires = parse_at(str(expires_at))
        token = unseal(session_id, str(token_box))
        if now >= expires or token is None:
            self.close(session_id)
            return None
        return ConsoleSession(session_id, Actor(str(principal), Role(str(role))), token, expires)

    def close(self, session_id: str) -> None:
        """Delete the session (sign-out, or a session that no longer holds)."""
        self.db.execute(
            "DELETE FROM gongshi_console_sessions WHERE session_hash = ?",
            (session_hash(session_id),),
        )

    def count(self) -> int:
        rows = self.db.execute("SELECT COUNT(*) FROM gongshi_console_sessions")
        return int(rows[0][0])
