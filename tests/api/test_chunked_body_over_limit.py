"""Issue 12 item 6: a chunked body (no Content-Length) that grows past the limit is 413
problem+json, not FastAPI's 400 "error parsing the body", and nothing is stored."""

from __future__ import annotations

import json
from collections.abc import Iterator

from fastapi.testclient import TestClient

PROBLEM = "application/problem+json"
LIMIT = 4096  # tests/api/conftest.py: create_app(..., max_body_bytes=4096)
JSON = {"content-type": "application/json"}


def _chunked(payload: bytes, size: int = 1000) -> Iterator[bytes]:
    """A generator body: httpx sends it with Transfer-Encoding: chunked and no Content-Length."""
    for start in range(0, len(payload), size):
        yield payload[start : start + size]


def _year_body(length: int) -> bytes:
    """``{"year": 2023}`` padded with JSON whitespace to ``length`` bytes: valid if read whole."""
    core = json.dumps({"year": 2023}).encode()
    return core[:-1] + b" " * (length - len(core)) + core[-1:]


def test_chunked_body_over_limit_is_413_and_stores_nothing(
    client: TestClient, tokens: dict[str, dict[str, str]]
) -> None:
    headers = {**tokens["finance"], **JSON}
    big = _year_body(LIMIT * 3)
    response = client.post("/api/v1/carefund/years", content=_chunked(big), headers=headers)
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in response.request.headers
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "input.body_too_large"
    assert response.json()["status"] == 413
    # Nothing stored: the same year opens now (a second opening would be 409).
    small = _year_body(LIMIT - 10)
    opened = client.post("/api/v1/carefund/years", content=_chunked(small), headers=headers)
    assert opened.status_code == 201, opened.text


def test_chunked_body_one_byte_over_limit_is_413(client: TestClient) -> None:
    response = client.post("/api/v1/carefund/years", content=_chunked(_year_body(LIMIT + 1)),
                           headers=JSON)  # fmt: skip
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == PROBLEM


def test_chunked_body_at_limit_reaches_the_route(client: TestClient) -> None:
    response = client.post("/api/v1/carefund/years", content=_chunked(_year_body(LIMIT)),
                           headers=JSON)  # fmt: skip
    assert response.status_code == 401, response.text  # the route's answer: no token
