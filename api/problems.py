"""RFC 9457 problem details for every error the API returns (application/problem+json).

Domain errors become statuses here and nowhere else: a rule broken is 409 with the rule's
name (403 when the rule is the actor's role, a separation of duties, or a reader's date
other than the server's without the audit role: ``public.reader_date``), an unknown stream
404, a bad or missing token 401, malformed input 422, an oversized body 413.

Faults outside the code (``ledger.unavailable``: the database unreachable, a connection
lost, the pool exhausted, a lock timeout, SQLite "database is locked") are 503 with
``Retry-After``, wherever they are raised (a route, a dependency, a thread-pool route). Any
other exception is 500, logged with the request's id, which the problem body carries
(``request_id``) and every response names in ``X-Request-Id`` (``RequestIds``).
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.tokens import TokenError
from ledger.errors import LedgerError, NotFound, RuleViolation
from ledger.log.proofs import ProofRequestError
from ledger.log.witnesses import WitnessError
from ledger.unavailable import CONFLICT, LOCK_TIMEOUT, LOCKED, POOL_EXHAUSTED, unavailable

PROBLEM = "application/problem+json"
FORBIDDEN_RULES = frozenset({"role", "carefund.separation_of_duties", "public.reader_date"})
TYPE_BASE = "https://gongshi.example/problems/"
log = logging.getLogger(__name__)


class Problem(BaseModel):
    """RFC 9457 problem details (extra members: ``rule`` for a broken rule, ``errors`` for
    invalid input)."""

    model_config = ConfigDict(extra="allow")
    type: str
    title: str
    status: int
    detail: str


def _described(status: int, text: str) -> dict[str, Any]:
    return {"description": text, "content": {PROBLEM: {"schema": Problem.model_json_schema()}}}


# Declared on every route, so that the OpenAPI document says what errors look like.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _described(401, "missing, malformed, unknown or revoked bearer token"),
    403: _described(
        403,
        "the caller's role may not do this, or a separation of duties, or (public lists)"
        " another date than the server's without the audit role",
    ),
    404: _described(404, "no such resource"),
    409: _described(409, "a rule was broken (member rule), or a list is not at the position"),
    413: _described(413, "request body too large"),
    422: _described(422, "the request does not match the schema"),
    500: _described(500, "the server failed; ``request_id`` names its log entry"),
    503: _described(
        503,
        "the database is unreachable, busy or locked: retry after ``Retry-After`` seconds"
        " (``/healthz``: not healthy now)",
    ),
}
REQUEST_ID_HEADER = "X-Request-Id"
CONTENTION = frozenset({LOCKED, LOCK_TIMEOUT, POOL_EXHAUSTED, CONFLICT})  # clears quickly


def problem(status: int, title: str, detail: str, kind: str, **extra: Any) -> JSONResponse:
    """A problem+json response; ``kind`` names the problem type (``TYPE_BASE + kind``)."""
    body = {"type": TYPE_BASE + kind, "title": title, "status": status, "detail": detail, **extra}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def retry_after(reason: str) -> int:
    """Seconds a client should wait: 1 for contention (a lock, the pool), 2 for a lost or
    unreachable database."""
    return 1 if reason in CONTENTION else 2


def unavailable_problem(reason: str, request_id: str | None = None) -> JSONResponse:
    """503: ``reason`` (from ``ledger.unavailable``, password-free) with Retry-After."""
    extra = {"request_id": request_id} if request_id else {}
    response = problem(503, "Service unavailable", f"{reason}; retry later", "unavailable",
                       **extra)  # fmt: skip
    response.headers["Retry-After"] = str(retry_after(reason))
    return response


def internal_problem(request_id: str) -> JSONResponse:
    return problem(500, "Internal error", f"the server failed; its log names request {request_id}",
                   "internal", request_id=request_id)  # fmt: skip


def request_id_of(scope: Scope) -> str:
    """The id ``RequestIds`` gave this request (a fresh one outside it)."""
    state = scope.setdefault("state", {})
    found = state.get("request_id")
    if not isinstance(found, str):
        found = state["request_id"] = secrets.token_hex(8)
    return found


def answer_failure(e: BaseException, scope: Scope) -> JSONResponse:
    """503 for a fault outside the code, else 500; logged with the request id either way (a
    503: one warning line with the reason and the exception's type, its traceback at debug
    level; a 500: an error with the traceback)."""
    request_id = request_id_of(scope)
    where = f"{scope.get('method', '?')} {scope.get('path', '?')}"
    reason = unavailable(e)
    if reason is not None:
        log.warning("request %s (%s): 503, %s (%s)", request_id, where, reason, type(e).__name__)
        log.debug("request %s: the fault behind the 503", request_id, exc_info=e)
        return unavailable_problem(reason, request_id)
    log.error("request %s (%s): unhandled error", request_id, where, exc_info=e)
    return internal_problem(request_id)


class RequestIds:
    """Pure ASGI middleware: gives each HTTP request an id (``X-Request-Id`` on the
    response) and answers an exception no handler took (503 or 500 problem+json, logged
    with the id) instead of letting it reach the server. Add it first (innermost), so the
    other middlewares see the answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.lower().encode(), request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as e:
            if started:  # too late for another status: the server closes the connection
                log.error("request %s failed after its answer began", request_id, exc_info=e)
                raise
            await answer_failure(e, scope)(scope, receive, sending)


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(RuleViolation)
    async def rule_broken(_: Request, e: RuleViolation) -> JSONResponse:
        status = 403 if e.rule in FORBIDDEN_RULES else 409
        return problem(status, "Rule violation", e.message, "rule-violation", rule=e.rule)

    @app.exception_handler(NotFound)
    async def not_found(_: Request, e: NotFound) -> JSONResponse:
        return problem(404, "Not found", str(e), "not-found")

    @app.exception_handler(ProofRequestError)
    async def no_such_proof(_: Request, e: ProofRequestError) -> JSONResponse:
        return problem(422, "No such proof", str(e), "proof-range")

    @app.exception_handler(WitnessError)
    async def bad_cosignature(_: Request, e: WitnessError) -> JSONResponse:
        return problem(422, "Cosignature refused", str(e), "cosignature")

    @app.exception_handler(TokenError)
    async def bad_token(_: Request, e: TokenError) -> JSONResponse:
        return problem(401, "Unauthorized", str(e), "unauthorized")

    @app.exception_handler(LedgerError)
    async def ledger_refused(_: Request, e: LedgerError) -> JSONResponse:
        return problem(409, "Refused", str(e), "refused")

    @app.exception_handler(RequestValidationError)
    async def malformed(_: Request, e: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": [str(p) for p in err.get("loc", ())], "msg": str(err.get("msg", ""))}
            for err in e.errors()
        ]
        return problem(422, "Invalid request", "the request does not match the schema",
                       "invalid-request", errors=errors)  # fmt: skip

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, e: HTTPException) -> JSONResponse:
        response = problem(
            e.status_code, str(e.detail), str(e.detail), "http-" + str(e.status_code)
        )
        response.headers.update(e.headers or {})
        return response

    @app.exception_handler(Exception)
    async def unexpected(request: Request, e: Exception) -> JSONResponse:
        # Only what RequestIds did not answer (an error in a middleware outside it).
        response = answer_failure(e, request.scope)
        response.headers[REQUEST_ID_HEADER] = request_id_of(request.scope)
        return response
