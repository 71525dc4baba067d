"""RFC 9457 problem details for every error the API returns (application/problem+json).

Domain errors become statuses here and nowhere else: a rule broken is 409 with the rule's
name (403 when the rule is the actor's role, a separation of duties, or a reader's date
other than the server's without the audit role: ``public.reader_date``, or a posting not
the actor's unit's: ``posting.unit``), an unknown stream
404, a bad or missing token 401, malformed input 422, an oversized body 413.

Every body has a stable English ``code`` (``rule.carefund.budget_cap``,
``not_found.fund_year``, ``auth.unknown_token``, ``input.invalid``, ``unavailable``: see
api/messages.py), ``type`` = TYPE_BASE + code, and ``detail`` for people in the language of
``GONGSHI_LANG`` (Chinese by default); the domain's own evidence (figures, stages, the
earlier record) stays in ``evidence``, and input errors name each field in ``errors``.

Faults outside the code (``ledger.unavailable``: the database unreachable, a connection
lost, the pool exhausted, a lock timeout, SQLite "database is locked") are 503 with
``Retry-After``, wherever they are raised (a route, a dependency, a thread-pool route). Any
other exception is 500, logged with the request's id, which the problem body carries
(``request_id``) and every response names in ``X-Request-Id`` (``RequestIds``).
"""

from __future__ import annotations

import logging
import re
import secrets
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.messages import known, language, message
from api.messages_input import field_errors, summary
from api.tokens import TokenError
from ledger.errors import LedgerError, NotFound, RuleViolation
from ledger.log.proofs import ProofRequestError
from ledger.log.witnesses import WitnessError
from ledger.unavailable import CONFLICT, LOCK_TIMEOUT, LOCKED, POOL_EXHAUSTED, unavailable

PROBLEM = "application/problem+json"
FORBIDDEN_RULES = frozenset(
    {"role", "carefund.separation_of_duties", "public.reader_date", "posting.unit"}
)
TYPE_BASE = "https://gongshi.example/problems/"
log = logging.getLogger(__name__)


class Problem(BaseModel):
    """RFC 9457 problem details (extra members: ``rule`` for a broken rule, ``evidence``
    the domain's own account of it, ``errors`` for invalid input, one per field)."""

    model_config = ConfigDict(extra="allow")
    type: str
    title: str
    status: int
    detail: str
    code: str = Field(description="stable English code: rule.<name>, not_found.<thing>, auth.*…")


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


TITLES: dict[str, tuple[str, str]] = {
    "rule": ("违反业务规则", "Rule violation"),
    "not_found": ("未找到", "Not found"),
    "auth": ("未授权", "Unauthorized"),
    "input": ("请求有误", "Invalid request"),
    "idempotency": ("幂等键问题", "Idempotency key"),
    "rate_limited": ("提交过于频繁", "Too many requests"),
    "log": ("日志请求有误", "Log request"),
    "unavailable": ("服务暂不可用", "Service unavailable"),
    "internal": ("服务器内部错误", "Internal error"),
}


def title_of(code: str, status: int) -> str:
    """The short title of a code's family (``rule`` → 违反业务规则) in ``GONGSHI_LANG``."""
    which = 1 if language() == "en" else 0
    family = code.split(".", 1)[0]
    found = TITLES.get(family)
    return found[which] if found else message("http.error", status=status)


def problem(status: int, title: str, detail: str, kind: str, **extra: Any) -> JSONResponse:
    """A problem+json response; ``kind`` is its code (``type`` is ``TYPE_BASE + kind``).
    Prefer ``coded``, whose title and detail come from the catalog."""
    body = {
        "type": TYPE_BASE + kind, "title": title, "status": status, "detail": detail,
        "code": kind, **extra,
    }  # fmt: skip
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def coded(
    status: int, code: str, evidence: str | None = None, fields: dict[str, Any] | None = None,
    **extra: Any,
) -> JSONResponse:  # fmt: skip
    """A problem+json response for ``code`` (api/messages.py): title and ``detail`` from the
    catalog with ``fields`` filled in, ``evidence`` (the domain's or the server's own
    account, English) as its member when given."""
    more = {"evidence": evidence} if evidence is not None else {}
    detail = message(code, **(fields or {}))
    return problem(status, title_of(code, status), detail, code, **more, **extra)


class Refused(Exception):
    """Raised by a route for a coded refusal (``coded``'s arguments), answered as problem+json:
    ``raise Refused(404, "log.no_checkpoint", what="witnessed")``."""

    def __init__(
        self, status: int, code: str, evidence: str | None = None,
        headers: dict[str, str] | None = None, **fields: Any,
    ) -> None:  # fmt: skip
        super().__init__(evidence or code)
        self.status, self.code, self.evidence, self.fields = status, code, evidence, fields
        self.headers = headers or {}


def not_found_code(e: NotFound) -> tuple[str, dict[str, Any]]:
    """``not_found.<thing>`` for a NotFound (``FundYear`` → ``not_found.fund_year``) and the
    fields its sentence names (the natural key the user gave)."""
    thing = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", e.kind).replace(" ", "_").lower()
    fields: dict[str, Any] = {"key": e.key, "thing": e.kind, **e.natural}
    code = "not_found." + thing
    if not known(code) or "{" in message(code, "zh", **fields):  # a field the sentence lacks
        code = "not_found.resource"
    return code, fields


def retry_after(reason: str) -> int:
    """Seconds a client should wait: 1 for contention (a lock, the pool), 2 for a lost or
    unreachable database."""
    return 1 if reason in CONTENTION else 2


def unavailable_problem(reason: str, request_id: str | None = None) -> JSONResponse:
    """503: ``reason`` (from ``ledger.unavailable``, password-free) with Retry-After."""
    extra = {"request_id": request_id} if request_id else {}
    response = coded(503, "unavailable", f"{reason}; retry later", {"reason": reason}, **extra)
    response.headers["Retry-After"] = str(retry_after(reason))
    return response


def internal_problem(request_id: str) -> JSONResponse:
    return coded(500, "internal", None, {"request_id": request_id}, request_id=request_id)


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
        return coded(status, "rule." + e.rule, e.message, rule=e.rule)

    @app.exception_handler(NotFound)
    async def not_found(_: Request, e: NotFound) -> JSONResponse:
        code, fields = not_found_code(e)
        return coded(404, code, str(e), fields)

    @app.exception_handler(Refused)
    async def refused(_: Request, e: Refused) -> JSONResponse:
        response = coded(e.status, e.code, e.evidence, e.fields)
        response.headers.update(e.headers)
        return response

    @app.exception_handler(ProofRequestError)
    async def no_such_proof(_: Request, e: ProofRequestError) -> JSONResponse:
        return coded(422, "log.proof_range", str(e), {"detail": str(e)})

    @app.exception_handler(WitnessError)
    async def bad_cosignature(_: Request, e: WitnessError) -> JSONResponse:
        return coded(422, "log.cosignature", str(e), {"detail": str(e)})

    @app.exception_handler(TokenError)
    async def bad_token(_: Request, e: TokenError) -> JSONResponse:
        return coded(401, e.code, str(e), e.fields)

    @app.exception_handler(LedgerError)
    async def ledger_refused(_: Request, e: LedgerError) -> JSONResponse:
        return coded(409, "refused", str(e), {"detail": str(e)})

    @app.exception_handler(RequestValidationError)
    async def malformed(_: Request, e: RequestValidationError) -> JSONResponse:
        errors = field_errors(list(e.errors()))
        detail = message("input.invalid")
        if errors:
            detail += (": " if language() == "en" else "：") + summary(errors)
        return problem(422, title_of("input.invalid", 422), detail, "input.invalid",
                       errors=errors)  # fmt: skip

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, e: HTTPException) -> JSONResponse:
        code = f"http.{e.status_code}"
        code = code if known(code) else "http.error"
        response = coded(e.status_code, code, str(e.detail), {"status": e.status_code})
        response.headers.update(e.headers or {})
        return response

    @app.exception_handler(Exception)
    async def unexpected(request: Request, e: Exception) -> JSONResponse:
        # Only what RequestIds did not answer (an error in a middleware outside it).
        response = answer_failure(e, request.scope)
        response.headers[REQUEST_ID_HEADER] = request_id_of(request.scope)
        return response
