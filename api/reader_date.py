"""The date a public read is decided on: the server's, unless an auditor asks for another.

The posting window (公示期) is decided by the date a list is read on. If any reader could
name that date, stepping it back 29 days at a time would list every past grant, and the
window would mean nothing. So the public lists and the page are decided on the server's date
(the app's clock, ``s.ledger.clock().date()``); a ``today`` equal to it is harmless and
accepted from anyone; another date only from a valid bearer token whose role is ``audit``
(no token, or a bad one: 401; another role: 403, rule ``public.reader_date``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Header, Query, Request

from api.auth import caller
from api.request_log import remember_principal
from api.services import Services, services
from api.tokens import TokenError
from ledger.actor import Role
from ledger.errors import RuleViolation

RULE = "public.reader_date"
TodayQuery = Annotated[
    date | None,
    Query(description="the date to decide on (default: the server's date); another date than"
                      " the server's only with an audit role's bearer token"),
]  # fmt: skip
AuthorizationHeader = Annotated[str | None, Header(max_length=200)]


def decided_on(
    s: Services, today: date | None, authorization: str | None, request: Request | None = None
) -> date:
    """The date to decide a public read on: the server's date when ``today`` is None or that
    date; ``today`` itself only if ``authorization`` is an audit role's bearer token.
    TokenError (401) without a valid token, RuleViolation ``public.reader_date`` (403) for
    another role. A token checked here names its principal in ``request``'s log line."""
    server = s.ledger.clock().date()
    if today is None or today == server:
        return server
    if authorization is None:
        raise TokenError(
            f"the public lists are decided on the server's date ({server}); another date"
            f" ({today}) needs an audit role's bearer token (Authorization: Bearer TOKEN)",
            "auth.missing_token",
        )
    actor = caller(s, authorization)
    if request is not None:
        remember_principal(request, actor.principal)
    if actor.role is not Role.AUDIT:
        raise RuleViolation(
            RULE,
            f"{actor.principal} acts as {actor.role.value}; only the audit role may read the"
            f" public lists on another date ({today}) than the server's ({server})",
        )
    return today


def reader_date(
    request: Request,
    s: Annotated[Services, Depends(services)],
    today: TodayQuery = None,
    authorization: AuthorizationHeader = None,
) -> date:
    """A dependency: ``decided_on`` for the request's ``today`` and Authorization header."""
    return decided_on(s, today, authorization, request)


ReaderDate = Annotated[date, Depends(reader_date)]
