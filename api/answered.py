"""What the request log (api/request_log.py) and the metrics (api/metrics.py) both need of an
HTTP request: its answer's status, how long it took and the route's template. ``Answered`` is
the pure ASGI middleware that notes them (no per-request task group); each of the two is a
subclass that says what to do once the answer is sent (or failed: status 500)."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def route_template(scope: Scope) -> str | None:
    """The template of the route that took the request (``/api/v1/public/points``, never the
    path with its ids), ``/docs-assets/{path}`` for a mounted app (the static files), None
    when no route took it (404, 405, a 413 before routing)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    top, mounted = str(scope.get("app_root_path", "")), str(scope.get("root_path", ""))
    if "endpoint" in scope and mounted.startswith(top) and len(mounted) > len(top):
        return mounted[len(top) :] + "/{path}"  # a Mount's child scope: its path, then any
    return None


class Answered:
    """Runs the app; then ``answered(scope, status, seconds)``. ``starting(scope)`` runs first
    (the request log names the request's id there, before the inner middlewares answer)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def starting(self, scope: Scope) -> None:
        """Before the app runs; nothing by default."""

    def answered(self, scope: Scope, status: int, seconds: float) -> None:
        raise NotImplementedError

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.starting(scope)
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            self.answered(scope, status, time.perf_counter() - started)
