"""The FastAPI application, built by ``create_app(settings)``: no module-level state.

``gongshi serve`` runs ``app_from_environment`` (a factory) under uvicorn; several workers
and several servers may share one PostgreSQL: the log and each projection take their own
locks, so followers in every worker are safe (one integrates, the others find nothing new).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response

from api import page
from api.limits import BodyLimit
from api.metrics import metrics_middleware
from api.problems import PROBLEM_RESPONSES, install_problem_handlers
from api.routes import (
    audit,
    carefund,
    health,
    log,
    points,
    public,
    subjects,
    supervision,
    tiles,
)  # fmt: skip
from api.services import Clock, Services
from api.settings import ServerSettings
from ledger.clock import system_clock
from ledger.settings import Settings

MAX_BODY_BYTES = 64 * 1024


def create_app(
    settings: Settings,
    clock: Clock = system_clock,
    follow: bool = True,
    interval: float = 0.2,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> FastAPI:
    """The app for ``settings``. ``follow``: integrate the log and keep the projections
    current in this process (every ``interval`` s when idle); tests may drive them instead."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.services = Services.open(settings, clock, follow, interval)
        try:
            yield
        finally:
            app.state.services.close()

    app = FastAPI(
        title="Gongshi 公示",
        summary="A verifiable disclosure ledger: records, public lists and their proofs.",
        version="1",
        lifespan=lifespan,
    )
    install_problem_handlers(app)
    app.middleware("http")(_measured)
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    routers = (page, health, public, log, tiles, subjects, carefund, points, supervision, audit)
    for module in routers:
        app.include_router(module.router, responses=PROBLEM_RESPONSES)
    return app


async def _measured(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    services = getattr(request.app.state, "services", None)
    if services is None:
        return await call_next(request)
    return await metrics_middleware(services.metrics)(request, call_next)


def app_from_environment() -> FastAPI:
    """The factory uvicorn calls in each worker: settings from the environment."""
    server = ServerSettings()
    return create_app(
        server.ledger_settings(), interval=server.follow_interval,
        max_body_bytes=server.max_body_bytes,
    )  # fmt: skip
