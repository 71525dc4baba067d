"""The API explains itself (issue 15 item 4): every operation in the OpenAPI document has a
summary and a description; a write's description names every role its ``acting_as``
dependency lets through (the English codes, as the token's role); an HTTP Bearer scheme is
declared (the Authorize button of /docs) and required exactly on the operations that read
a token, never on the public reads."""

from __future__ import annotations

from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.auth import caller
from tests.api.test_authorisation import _all_routes


def _routes(client: TestClient) -> dict[tuple[str, str], APIRoute]:
    found = {}
    for route in _all_routes(client.app.routes):  # type: ignore[attr-defined]
        if isinstance(route, APIRoute) and route.include_in_schema:
            for method in route.methods:
                found[(method.lower(), route.path_format)] = route
    return found


def _roles(route: APIRoute) -> tuple[str, ...]:
    roles: Any = next(
        (d.call.roles for d in route.dependant.dependencies if hasattr(d.call, "roles")), ()
    )
    return tuple(role.value for role in roles)


def _reads_token(dependant: Dependant) -> bool:
    return any(d.call is caller or _reads_token(d) for d in dependant.dependencies)


def _operations(client: TestClient) -> list[tuple[str, str, dict[str, Any]]]:
    paths = client.get("/openapi.json").json()["paths"]
    return [(m, p, op) for p, ops in paths.items() for m, op in ops.items()]


def test_every_operation_has_a_summary_and_a_description(client: TestClient) -> None:
    operations = _operations(client)
    assert len(operations) >= 90
    bare = [
        f"{method.upper()} {path}"
        for method, path, op in operations
        if not str(op.get("summary", "")).strip() or not str(op.get("description", "")).strip()
    ]
    assert bare == [], bare


def test_every_write_description_names_the_roles_that_may_call_it(client: TestClient) -> None:
    routes = _routes(client)
    checked = 0
    for method, path, op in _operations(client):
        roles = _roles(routes[(method, path)])
        if method != "post" or not roles:
            continue
        missing = [role for role in roles if role not in op.get("description", "")]
        assert missing == [], (path, missing)
        checked += 1
    assert checked >= 60


def test_bearer_scheme_on_the_operations_that_read_a_token_only(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert document["components"]["securitySchemes"]["bearer"] == {
        **document["components"]["securitySchemes"]["bearer"], "type": "http", "scheme": "bearer"
    }  # fmt: skip
    routes = _routes(client)
    secured = 0
    for method, path, op in _operations(client):
        needs = _reads_token(routes[(method, path)].dependant)
        assert (op.get("security") == [{"bearer": []}]) == needs, (method, path)
        secured += needs
        if path.startswith(("/api/v1/public/", "/log/", "/tile", "/checkpoint", "/healthz")):
            assert "security" not in op, path  # public reads need no token
    assert secured >= 70
    params = document["paths"]["/api/v1/carefund/applications"]["post"]["parameters"]
    assert "authorization" not in [p["name"].lower() for p in params]  # the scheme says it
