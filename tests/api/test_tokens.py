"""Bearer tokens: bound to a principal and a role, shown once, stored as a hash, revocable."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from api.tokens import TokenError, Tokens, token_hash
from ledger.actor import Actor, Role
from ledger.ledger import Ledger

NOW = datetime(2023, 5, 1, 8, 0, tzinfo=UTC)


def test_token_stands_for_its_actor_until_revoked(ledger: Ledger) -> None:
    tokens = Tokens(ledger.db)
    actor = Actor("finance-01", Role.FINANCE)
    token = tokens.create(actor, NOW, random_bytes=lambda n: b"\x07" * n)
    assert token.startswith("gst_") and len(token) == 47
    assert tokens.actor_of(token) == actor
    stored = ledger.db.execute("SELECT token_hash FROM gongshi_api_tokens")
    assert stored == [(token_hash(token),)]  # the hash, never the token
    assert token not in repr(ledger.db.execute("SELECT * FROM gongshi_api_tokens"))
    assert tokens.revoke("finance-01", NOW) == 1
    with pytest.raises(TokenError, match="revoked at 2023-05-01T08:00:00"):
        tokens.actor_of(token)
    assert tokens.revoke("finance-01", NOW) == 0
    assert [t.revoked_at is not None for t in tokens.listed()] == [True]


@pytest.mark.parametrize(
    "bad", ["", "gst_", "Bearer gst_x", "gst_" + "a" * 42, "gst_" + "a" * 44, "gst_" + "!" * 43]
)
def test_malformed_tokens_are_refused(ledger: Ledger, bad: str) -> None:
    with pytest.raises(TokenError, match="malformed"):
        Tokens(ledger.db).actor_of(bad)


def test_unknown_token_is_refused(ledger: Ledger) -> None:
    with pytest.raises(TokenError, match="unknown"):
        Tokens(ledger.db).actor_of("gst_" + "A" * 43)
