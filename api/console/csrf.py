"""CSRF tokens on every console form, checked on every POST.

A signed-in form carries HMAC-SHA256 of a label under the session id: it can't be read by
another site (the cookie is HttpOnly and SameSite=Strict) nor computed without the session
id, and it needs no storage. The sign-in form, before there is a session, uses a double
submit: a random value in a short-lived cookie (``SIGNIN_COOKIE``) and the same value in the
form. A POST whose token does not match stores nothing and answers 403.
"""

from __future__ import annotations

import hmac
import secrets

FIELD = "csrf"
SIGNIN_COOKIE = "gongshi_console_signin"


def csrf_token(session_id: str) -> str:
    """The CSRF token of a session's forms."""
    return hmac.new(session_id.encode("ascii"), b"gongshi console csrf v1", "sha256").hexdigest()


def csrf_ok(session_id: str, sent: object) -> bool:
    """Whether ``sent`` (a form's field) is the session's CSRF token (constant time)."""
    return isinstance(sent, str) and hmac.compare_digest(sent, csrf_token(session_id))


def signin_nonce() -> str:
    """A new double-submit value for the sign-in form."""
    return secrets.token_urlsafe(32)


def signin_ok(cookie: str | None, sent: object) -> bool:
    """Whether the sign-in form's field equals its cookie (both present)."""
    return (
        bool(cookie)
        and isinstance(sent, str)
        and hmac.compare_digest(sent.encode(), (cookie or "").encode())
    )
