"""Schemathesis against the app's own OpenAPI document: generated requests (valid and
invalid) to every operation, each with a token of a role the operation allows; no 5xx, every
status, content type and body as documented; at least 1,000 requests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import schemathesis
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.auth import caller
from tests.api.test_authorisation import _all_routes, _write_routes

CHECKS = [
    not_a_server_error, status_code_conformance, content_type_conformance,
    response_schema_conformance,
]  # fmt: skip
EXAMPLES = 30


def _exercise(operation: Any, headers: dict[str, str], count: Callable[[], None]) -> Any:
    """A hypothesis test of one operation: generated cases, each sent and validated."""

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(case=operation.as_strategy())
    def exercise(case: Any) -> None:
        response = case.call(headers=headers)
        count()
        case.validate_response(response, checks=CHECKS)

    return exercise


def _guarded_reads(client: TestClient) -> dict[str, tuple[str, ...]]:
    """(path, roles) of the GET endpoints that declare their roles (a cadre's 一人一档, a
    review queue) or take any enrolled principal's token (one application, subject, book,
    case, project): exercised with a token of one, so their answers past authorisation are
    checked too, not only the 401."""
    found = {}
    for route in _all_routes(client.app.routes):  # type: ignore[attr-defined]
        if isinstance(route, APIRoute) and route.methods == {"GET"}:
            calls = [d.call for d in route.dependant.dependencies if hasattr(d.call, "roles")]
            if calls:
                found[route.path] = tuple(r.value for r in calls[0].roles)
            elif any(d.call is caller for d in route.dependant.dependencies):
                found[route.path] = ("audit",)  # any enrolled principal's token: one resource
    return found


def test_every_operation_answers_as_documented(
    client: TestClient, tokens: dict[str, dict[str, str]]
) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    roles = _guarded_reads(client) | dict(_write_routes(client, templates=True))
    sent: dict[str, int] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        allowed = roles.get(operation.path)
        label = f"{operation.method.upper()} {operation.path}"
        sent[label] = 0

        def count(label: str = label) -> None:
            sent[label] += 1

        _exercise(operation, tokens[allowed[0]] if allowed else {}, count)()
    assert len(sent) >= 45, sorted(sent)
    print(f"\nschemathesis: {sum(sent.values())} requests to {len(sent)} operations")
    assert sum(sent.values()) >= 1000, sent
