"""Structured logs (api/request_log.py): one JSON line per request with its id, principal,
route template, method, status and duration; startup and shutdown lines without the
database's password; GONGSHI_LOG_LEVEL."""

from __future__ import annotations

import io
import json
import logging
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.request_log import JsonLines, configure_logging, log_lifecycle, requests_log
from ledger.clock import SteppingClock
from ledger.settings import ConfigError, Settings, parse_database_url


def _requests(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [r.fields for r in caplog.records if r.name == "gongshi.request"]  # type: ignore[attr-defined]


def test_one_line_per_request_with_id_route_status_and_principal(
    client: TestClient, tokens: dict[str, dict[str, str]], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gongshi.request")
    public = client.get("/api/v1/public/points", params={"county": "taihu"})
    admin = client.get("/api/v1/principals", headers=tokens["admin"])
    bad = client.get("/api/v1/principals", headers={"Authorization": "Bearer nope"})
    missing = client.get("/api/v1/no/such/thing")
    big = client.post("/api/v1/subjects", content=b"x" * 5000, headers=tokens["admin"])
    audited = client.get("/api/v1/public/disbursements", params={"today": "2030-01-01"},
                         headers=tokens["audit"])  # fmt: skip
    lines = _requests(caplog)
    assert audited.status_code == 200 and lines.pop()["principal"] == "audit-01"  # its date
    assert [(x["method"], x["route"], x["status"], x["principal"]) for x in lines] == [
        ("GET", "/api/v1/public/points", 200, None),
        ("GET", "/api/v1/principals", 200, "admin-01"),
        ("GET", "/api/v1/principals", 401, None),  # a token that is not valid names no one
        ("GET", None, 404, None),
        ("POST", None, 413, None),  # refused before routing: no template, no principal
    ]  # fmt: skip
    answers = (public, admin, bad, missing, big)
    assert [x["request_id"] for x in lines] == [r.headers["X-Request-Id"] for r in answers[:4]] + [
        lines[4]["request_id"]
    ]
    assert all(x["event"] == "request" and x["duration_ms"] >= 0 for x in lines)
    assert "taihu" not in json.dumps(lines)  # the route's template, never the query


def test_lines_are_json_on_the_stream_at_the_configured_level(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    before = (root.level, list(root.handlers))
    try:
        configure_logging("INFO", stream)
        configure_logging("INFO", stream)  # idempotent: one handler, one line per record
        client.get("/healthz")
        configure_logging("warning", stream)
        client.get("/healthz")
    finally:
        root.handlers[:] = before[1]
        root.setLevel(before[0])
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]  # each one JSON
    (found,) = [x for x in lines if x["logger"] == "gongshi.request"]  # not the 2nd, a WARNING
    assert (found["event"], found["route"], found["status"], found["level"]) == (
        "request", "/healthz", 200, "INFO",
    )  # fmt: skip
    assert found["time"].endswith("+00:00") and found["request_id"]
    with pytest.raises(ConfigError, match="GONGSHI_LOG_LEVEL='chatty'"):
        configure_logging("chatty", stream)


def test_startup_and_shutdown_lines_name_the_database_without_its_password(
    settings: Settings, clock: SteppingClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gongshi.server")
    with TestClient(create_app(settings, clock=clock, follow=False)):
        pass
    events = [r.fields for r in caplog.records if r.name == "gongshi.server"]  # type: ignore[attr-defined]
    assert [e["event"] for e in events] == ["startup", "shutdown"]
    assert events[0]["database"] == settings.database.kind and events[0]["version"]
    remote = replace(settings, database=parse_database_url("postgresql://gs:s3cret@db.example/gs"))
    caplog.clear()
    log_lifecycle("startup", remote)
    (record,) = [r for r in caplog.records if r.name == "gongshi.server"]
    text = JsonLines().format(record)
    assert "s3cret" not in text and "db.example" in text
    assert json.loads(text)["database"] == "postgresql"


def test_a_failing_request_is_logged_with_its_status(
    client: TestClient, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.INFO, logger="gongshi.request")
    services = client.app.state.services  # type: ignore[attr-defined]

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(services.reader, "rows", broken)
    answer = client.get("/api/v1/public/audit-results")
    assert answer.status_code == 500
    (line,) = _requests(caplog)
    assert (line["status"], line["request_id"]) == (500, answer.headers["X-Request-Id"])
    assert requests_log.name == "gongshi.request"
