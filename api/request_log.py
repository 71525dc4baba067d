"""Structured logs: one JSON object per line on stderr (``gongshi serve``).

Every line has ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``pid`` (the worker),
``message`` and, for the lines this module writes, an ``event``:

- ``request``: one per HTTP request, when its answer is complete — ``request_id`` (the
  ``X-Request-Id`` the answer carries, api/problems.py), ``method``, ``route`` (the route's
  template, ``/api/v1/public/points``, never the path with its ids or the query),
  ``status``, ``duration_ms`` and ``principal`` (the account of a valid bearer token the
  route resolved, else null; the token is not checked a second time: the route's
  dependency leaves the principal in ``request.state``, ``remember_principal``);
- ``serve``: ``gongshi serve``'s own line before its workers start (host, port, workers);
- ``startup`` and ``shutdown``: one per worker, the version, the database's kind and its
  password-free address (``Database.display``).

Other loggers (the followers, uvicorn's errors) write through the same handler. The level
is ``GONGSHI_LOG_LEVEL`` (DEBUG, INFO, WARNING, ERROR; default INFO): at WARNING the request
lines are left out.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any, TextIO

from starlette.requests import Request
from starlette.types import Scope

from api.answered import Answered, route_template
from api.problems import request_id_of
from ledger.settings import ConfigError, Settings

LEVEL_ENV = "GONGSHI_LOG_LEVEL"
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
requests_log = logging.getLogger("gongshi.request")
server_log = logging.getLogger("gongshi.server")


class JsonLines(logging.Formatter):
    """A record as one JSON object: the fixed members, then the record's ``fields``."""

    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "pid": record.process,  # which worker, with --workers N
            "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            body["exception"] = self.formatException(record.exc_info)
        return json.dumps(body, ensure_ascii=False, default=str)


def log_level(given: str | None) -> int:
    """The level named by ``given`` (GONGSHI_LOG_LEVEL; None or empty: INFO). ConfigError
    naming the variable and the levels for another name."""
    name = (given or "INFO").strip().upper()
    if name not in LEVELS:
        raise ConfigError(f"{LEVEL_ENV}={given!r} is not a level: use one of {', '.join(LEVELS)}")
    return logging.getLevelNamesMapping()[name]


def configure_logging(level: str | None = None, stream: TextIO | None = None) -> None:
    """The root logger writes JSON lines to ``stream`` (stderr) at ``level`` (default: the
    environment's GONGSHI_LOG_LEVEL). Idempotent: a second call replaces the handler."""
    chosen = log_level(level if level is not None else os.environ.get(LEVEL_ENV))
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "gongshi", False)]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonLines())
    handler.gongshi = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(chosen)


def software_version() -> str:
    try:
        return version("gongshi")
    except PackageNotFoundError:  # a source tree not installed
        return "unknown"


def log_lifecycle(event: str, settings: Settings) -> None:
    """The ``startup`` or ``shutdown`` line: version, pid, database kind and address (no
    password), and the read replica's address if public reads go to one."""
    database = settings.database
    fields = {
        "event": event, "version": software_version(), "pid": os.getpid(),
        "database": database.kind, "database_address": database.display(),
    }  # fmt: skip
    if settings.read_database is not None:
        fields["read_database_address"] = settings.read_database.display()
    server_log.info("gongshi %s (%s, pid %d)", event, database.kind, os.getpid(),
                    extra={"fields": fields})  # fmt: skip


def serving_line(host: str, port: int, workers: int, settings: Settings) -> None:
    """``gongshi serve``'s own line before the workers start: where it listens, how many
    workers, the database's kind and password-free address."""
    database = settings.database
    fields = {
        "event": "serve", "version": software_version(), "host": host, "port": port,
        "workers": workers, "database": database.kind, "database_address": database.display(),
    }  # fmt: skip
    server_log.info("gongshi serve on %s:%d, %d worker(s)", host, port, workers,
                    extra={"fields": fields})  # fmt: skip


def remember_principal(request: Request, principal: str) -> None:
    """Called by the dependency that resolved a valid token: the request's log line names
    the principal."""
    request.state.principal = principal


class RequestLog(Answered):
    """Pure ASGI middleware: one ``request`` line per HTTP request once its answer is sent
    (or failed). Add it outermost, so that it sees every answer (413, 500, 503)."""

    def starting(self, scope: Scope) -> None:
        request_id_of(scope)  # RequestIds (inner) answers with this one

    def answered(self, scope: Scope, status: int, seconds: float) -> None:
        if requests_log.isEnabledFor(logging.INFO):
            route = route_template(scope)
            fields = {
                "event": "request", "request_id": request_id_of(scope),
                "method": scope["method"], "route": route, "status": status,
                "duration_ms": round(seconds * 1000, 3),
                "principal": scope.get("state", {}).get("principal"),
            }  # fmt: skip
            requests_log.info("%s %s %d", scope["method"], route or "(no route)", status,
                              extra={"fields": fields})  # fmt: skip
