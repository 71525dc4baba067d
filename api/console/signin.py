"""Signing in with a bearer token (the principal's own, from ``gongshi tokens create``) and
signing out. The session cookie is HttpOnly and SameSite=Strict, Secure on https, scoped to
/console; the session lives in the database (api/console/session.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.auth import caller
from api.console.access import HEADERS, current, render, sessions, to_signin
from api.console.csrf import FIELD, SIGNIN_COOKIE, csrf_ok, signin_nonce, signin_ok
from api.console.session import COOKIE, LIFETIME
from api.services import Services, services
from api.tokens import TokenError

router = APIRouter(prefix="/console", include_in_schema=False)
Service = Annotated[Services, Depends(services)]
TOKEN_FIELD = "token"


def refused() -> HTMLResponse:
    """A POST without the form's CSRF token: 403, nothing done."""
    return HTMLResponse(
        "<!doctype html><meta charset=utf-8><title>403</title><p>表单已失效或来源不明"
        "（缺少有效的 CSRF 令牌），未作任何处理。请<a href=/console/>返回</a>重新填写。",
        status_code=403, headers=HEADERS,
    )  # fmt: skip


def _signin_page(request: Request, message: str = "", status: int = 200) -> HTMLResponse:
    nonce = signin_nonce()
    response = render(request, "signin.html", None, status, message=message, csrf=nonce)
    response.set_cookie(
        SIGNIN_COOKIE, nonce, max_age=3600, path="/console/signin", httponly=True,
        samesite="strict", secure=request.url.scheme == "https",
    )  # fmt: skip
    return response


@router.get("/signin", response_class=HTMLResponse)
def signin_form(request: Request, s: Service) -> Response:
    if current(request, s) is not None:
        return RedirectResponse("/console/", status_code=303, headers=HEADERS)
    return _signin_page(request)


@router.post("/signin", response_class=HTMLResponse)
async def signin(request: Request, s: Service) -> Response:
    """Checks the form's double-submit value, then the token as the API does (``caller``):
    unknown, revoked or out-of-role tokens are refused (401) without saying which."""
    form = await request.form()
    if not signin_ok(request.cookies.get(SIGNIN_COOKIE), form.get(FIELD)):
        return refused()
    token = str(form.get(TOKEN_FIELD, "")).strip()
    try:
        actor = await run_in_threadpool(caller, s, "Bearer " + token)
    except TokenError:
        return _signin_page(request, "令牌无效、已吊销或其角色已变更，请向管理员申领新令牌。", 401)
    now = s.ledger.clock()
    session_id = await run_in_threadpool(sessions(request).open, actor, token, now)
    response = RedirectResponse("/console/", status_code=303, headers=HEADERS)
    response.set_cookie(
        COOKIE, session_id, max_age=int(LIFETIME.total_seconds()), path="/console",
        httponly=True, samesite="strict", secure=request.url.scheme == "https",
    )  # fmt: skip
    response.delete_cookie(SIGNIN_COOKIE, path="/console/signin")
    return response


@router.post("/signout")
async def signout(request: Request, s: Service) -> Response:
    """Deletes the session (with its CSRF token; without one, 403 and the session stays)."""
    session = await run_in_threadpool(current, request, s)
    if session is None:
        return to_signin()
    form = await request.form()
    if not csrf_ok(session.session_id, form.get(FIELD)):
        return refused()
    await run_in_threadpool(sessions(request).close, session.session_id)
    return to_signin()
