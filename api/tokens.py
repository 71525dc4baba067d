"""Bearer tokens: each bound to one principal and one role; only their hashes are stored.

    gongshi_api_tokens (token_hash, principal, role, created_at, revoked_at)

A token is ``gst_`` followed by 43 base64url characters (32 random bytes). It is shown once,
when created; the table keeps SHA-256 of it, so a copy of the database opens no account.
Lookups go by that hash and the stored hash is compared again in constant time.

A token is issued only for an enrolled principal (``issue``: the principal registry of
ledger/principal.py) and carries the role the registry gives it then; a role change revokes
the principal's tokens (``api/routes/principals.py``, ``gongshi principals change-role``),
and a token whose role is no longer its principal's is refused (``api.auth.caller``).

No token is issued for a system account (``ledger.principal.SYSTEM_ACCOUNTS``: the server's
own jobs act as them, for every county, and record only their job's types): an operator acts
as its own enrolled principal. A token of one found in the table (written before this rule)
is refused like a revoked one (``api.auth.caller``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ledger.actor import Actor, Role
from ledger.clock import format_at
from ledger.db import SqlDatabase, schema_lock
from ledger.errors import LedgerError, NotFound, RuleViolation
from ledger.principal import SYSTEM_ACCOUNTS, Principals
from verify.rules_principals import SYSTEM

PREFIX = "gst_"
TOKEN_PATTERN = re.compile(r"^gst_[A-Za-z0-9_-]{43}$")
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS gongshi_api_tokens (token_hash TEXT PRIMARY KEY,"
    " principal TEXT NOT NULL, role TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT)"
)
RandomBytes = Callable[[int], bytes]


class TokenError(LedgerError):
    """A token is missing, malformed, unknown or revoked (HTTP 401). ``code`` is the
    message code (api/messages.py, ``auth.*``), ``fields`` its sentence's fields."""

    def __init__(
        self, evidence: str, code: str = "auth.invalid_token", **fields: object
    ) -> None:  # fmt: skip
        super().__init__(evidence)
        self.code = code
        self.fields = fields


SYSTEM_NAMES = frozenset(a.principal for a in SYSTEM_ACCOUNTS)


def refuse_system(account: str) -> None:
    """RuleViolation (``principal.system``) if ``account`` is a system account: no token."""
    if account in SYSTEM_NAMES:
        raise RuleViolation(
            SYSTEM,
            f"{account} is a system account (the server's own job acts as it): no token is"
            " issued for it; act as your own enrolled principal",
        )


@dataclass(frozen=True)
class TokenInfo:
    token_hash: str
    principal: str
    role: str
    created_at: str
    revoked_at: str | None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


class Tokens:
    """The token table of one database."""

    def __init__(self, db: SqlDatabase) -> None:
        self.db = db
        with schema_lock(db.database), db.transaction() as cur:
            cur.execute(SCHEMA)

    def create(self, actor: Actor, now: datetime, random_bytes: RandomBytes = os.urandom) -> str:
        """A new token for ``actor`` (not a system account); returned once, never stored."""
        refuse_system(actor.principal)
        token = PREFIX + base64.urlsafe_b64encode(random_bytes(32)).decode().rstrip("=")
        self.db.execute(
            "INSERT INTO gongshi_api_tokens (token_hash, principal, role, created_at)"
            " VALUES (?, ?, ?, ?)",
            (token_hash(token), actor.principal, actor.role.value, format_at(now)),
        )
        return token

    def revoke(self, principal: str, now: datetime) -> int:
        """Revoke every live token of ``principal``; returns how many."""
        with self.db.transaction() as cur:
            cur.execute(
                "UPDATE gongshi_api_tokens SET revoked_at = ?"
                " WHERE principal = ? AND revoked_at IS NULL",
                (format_at(now), principal),
            )
            return cur.rowcount

    def issue(
        self,
        registry: Principals,
        account: str,
        now: datetime,
        random_bytes: RandomBytes = os.urandom,
    ) -> str:
        """A new token for enrolled ``account``, in its current role; NotFound if the
        registry has no such principal (enrol it first: a token never enrols anyone)."""
        principal = registry.find(account)
        if principal is None:
            raise NotFound("principal", account)  # the message says: enrol it first
        return self.create(Actor(account, Role(principal.role)), now, random_bytes)

    def listed(self) -> list[TokenInfo]:
        rows = self.db.execute(
            "SELECT token_hash, principal, role, created_at, revoked_at FROM gongshi_api_tokens"
            " ORDER BY created_at, principal"
        )
        return [
            TokenInfo(str(h), str(p), str(r), str(c), None if v is None else str(v))
            for h, p, r, c, v in rows
        ]

    def actor_of(self, token: str) -> Actor:
        """The actor a live token stands for; TokenError (without the token) otherwise."""
        if not TOKEN_PATTERN.fullmatch(token):
            raise TokenError("malformed bearer token", "auth.malformed_token")
        wanted = token_hash(token)
        rows = self.db.execute(
            "SELECT token_hash, principal, role, revoked_at FROM gongshi_api_tokens"
            " WHERE token_hash = ?",
            (wanted,),
        )
        if not rows or not hmac.compare_digest(str(rows[0][0]), wanted):
            raise TokenError("unknown bearer token", "auth.unknown_token")
        if rows[0][3] is not None:
            raise TokenError(f"bearer token revoked at {rows[0][3]}", "auth.revoked_token",
                             at=rows[0][3])  # fmt: skip
        return Actor(str(rows[0][1]), Role(str(rows[0][2])))
