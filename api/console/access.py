"""Who is using the console: the session of the request's cookie, checked again on every
request as ``api.auth.caller`` checks a bearer token (a revoked token or a role change ends
the session), and the pages' rendering (Chinese, no script, never cached, never framed)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from api import labels
from api.auth import caller
from api.console.csrf import csrf_token
from api.console.session import COOKIE, ConsoleSession, Sessions
from api.console.wording import CHOICES, RECORDS, ROLES
from api.request_log import remember_principal
from api.services import Services
from api.tokens import TokenError

SIGNIN = "/console/signin"
HEADERS = {
    "Cache-Control": "no-store", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self';"
    " form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
}  # fmt: skip
templates = Jinja2Templates(directory=str(Path(__file__).parent.parent / "templates" / "console"))
templates.env.filters["yuan"] = labels.yuan
templates.env.filters["points"] = labels.points
_opening = threading.Lock()


def sessions(request: Request) -> Sessions:
    """The app's session table (created on first use, like the other tables)."""
    state = request.app.state
    with _opening:
        if getattr(state, "console_sessions", None) is None:
            state.console_sessions = Sessions(state.services.ledger.db)
    found: Sessions = state.console_sessions
    return found


def current(request: Request, s: Services) -> ConsoleSession | None:
    """The request's live session, its principal checked again now; None (and the session
    deleted) when there is none, it expired, or its token no longer holds: revoked, the
    principal's role changed, or not enrolled any more."""
    store = sessions(request)
    found = store.find(request.cookies.get(COOKIE), s.ledger.clock())
    if found is None:
        return None
    try:
        actor = caller(s, "Bearer " + found.token)
    except TokenError:
        store.close(found.session_id)
        return None
    if actor != found.actor:
        store.close(found.session_id)
        return None
    remember_principal(request, actor.principal)  # the request's log line names it
    return found


def to_signin() -> RedirectResponse:
    """303 to the sign-in page, the session cookie cleared."""
    response = RedirectResponse(SIGNIN, status_code=303, headers=HEADERS)
    response.delete_cookie(COOKIE, path="/console")
    return response


def render(
    request: Request, name: str, session: ConsoleSession | None, status: int = 200,
    **context: Any,
) -> HTMLResponse:  # fmt: skip
    """A console page: the template with the signed-in principal, its role's Chinese name
    and the session's CSRF token for every form."""
    base = {"roles": ROLES, "records": RECORDS, "labels": labels, "choice_names": CHOICES}
    if session is not None:
        base |= {
            "me": session.actor.principal, "role": session.actor.role.value,
            "role_name": ROLES.get(session.actor.role.value, session.actor.role.value),
            "csrf": csrf_token(session.session_id),
        }  # fmt: skip
    return templates.TemplateResponse(
        request, name, {**base, **context}, status_code=status, headers=HEADERS
    )
