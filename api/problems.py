"""RFC 9457 problem details for every error the API returns (application/problem+json).

Domain errors become statuses here and nowhere else: a rule broken is 409 with the rule's
name (403 when the rule is the actor's role or a separation of duties), an unknown stream
404, a bad or missing token 401, malformed input 422, an oversized body 413.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException

from api.tokens import TokenError
from ledger.errors import LedgerError, NotFound, RuleViolation
from ledger.log.proofs import ProofRequestError
from ledger.log.witnesses import WitnessError

PROBLEM = "application/problem+json"
FORBIDDEN_RULES = frozenset({"role", "carefund.separation_of_duties"})
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
    403: _described(403, "the caller's role may not do this, or a separation of duties"),
    404: _described(404, "no such resource"),
    409: _described(409, "a rule was broken (member rule), or a list is not at the position"),
    413: _described(413, "request body too large"),
    422: _described(422, "the request does not match the schema"),
    503: _described(503, "not healthy (``/healthz`` only)"),
}


def problem(status: int, title: str, detail: str, kind: str, **extra: Any) -> JSONResponse:
    """A problem+json response; ``kind`` names the problem type (``TYPE_BASE + kind``)."""
    body = {"type": TYPE_BASE + kind, "title": title, "status": status, "detail": detail, **extra}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


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
    async def unexpected(_: Request, e: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return problem(500, "Internal error", "the server failed; see its log", "internal")
