"""The FastAPI application, built by ``create_app(settings)``: no module-level state.

``gongshi serve`` runs ``app_from_environment`` (a factory) under uvicorn; several workers
and several servers may share one PostgreSQL: the log and each projection take their own
locks, so followers in every worker are safe (one integrates, the others find nothing new).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

from api import console, page
from api.cached_reads import CachedReads
from api.limits import BodyLimit
from api.metrics import Measured
from api.openapi_docs import API_DESCRIPTION, TAGS, install_docs
from api.problems import PROBLEM_RESPONSES, RequestIds, install_problem_handlers
from api.request_log import RequestLog, configure_logging, log_lifecycle
from api.routes import (
    assessment,
    assessment_activities,
    audit,
    cadre_work,
    carefund,
    health,
    imports,
    log,
    notices,
    objection_form,
    points,
    postings,
    principals,
    public,
    queue,
    subjects,
    supervision,
    tiles,
)  # fmt: skip
from api.services import Clock, Services
from api.settings import BACKGROUND_CONNECTIONS, ServerSettings
from ledger.clock import system_clock
from ledger.settings import Settings

MAX_BODY_BYTES = 64 * 1024
THREADS = 16  # request threads per worker (each borrows a pooled connection per transaction)
logger = logging.getLogger(__name__)


def create_app(
    settings: Settings,
    clock: Clock = system_clock,
    follow: bool = True,
    interval: float = 0.2,
    max_body_bytes: int = MAX_BODY_BYTES,
    threads: int = THREADS,
) -> FastAPI:
    """The app for ``settings``. ``follow``: integrate the log and keep the projections
    current in this process (every ``interval`` s when idle); tests may drive them instead."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Request threads borrow a pooled connection per transaction (ledger/db.py): the
        # pool (Database.pool_size) should hold every thread and background worker at once;
        # if it does not, a request waits Database.pool_timeout at most and gets 503.
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        database = settings.database
        if database.kind == "postgresql" and database.pool_size < threads + BACKGROUND_CONNECTIONS:
            logger.warning(
                "pool of %d connections for %d request threads and %d background workers:"
                " requests may wait %.0f s and get 503 under load (GONGSHI_DB_POOL_SIZE)",
                database.pool_size, threads, BACKGROUND_CONNECTIONS, database.pool_timeout,
            )  # fmt: skip
        app.state.services = Services.open(settings, clock, follow, interval)
        log_lifecycle("startup", settings)
        try:
            yield
        finally:
            app.state.services.close()
            log_lifecycle("shutdown", settings)

    app = FastAPI(
        title="Gongshi 公示",
        summary="A verifiable disclosure ledger: records, public lists and their proofs.",
        description=API_DESCRIPTION,
        openapi_tags=TAGS,
        version="1",
        lifespan=lifespan,
        docs_url=None,  # served by install_docs, without a CDN
        redoc_url=None,
    )
    install_docs(app)
    install_problem_handlers(app)
    app.add_middleware(CachedReads)  # innermost: a kept public list answered before routing
    app.add_middleware(RequestIds)  # the others see its 503/500 answers
    app.add_middleware(Measured)
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    app.add_middleware(RequestLog)  # outermost: one line for every answer, a 413 too
    routers = (
        page, health, public, log, tiles, subjects, carefund, points, supervision, cadre_work,
        assessment, assessment_activities, audit, principals, notices, queue, console, postings,
        objection_form, imports,
    )  # fmt: skip
    for module in routers:
        app.include_router(module.router, responses=PROBLEM_RESPONSES)
        if hasattr(module, "reads"):  # GET on one resource of a write module: no Idempotency-Key
            app.include_router(module.reads, responses=PROBLEM_RESPONSES)
    return app


def app_from_environment() -> FastAPI:
    """The factory uvicorn calls in each worker: settings from the environment, JSON-line
    logs on stderr at GONGSHI_LOG_LEVEL (api/request_log.py)."""
    configure_logging()
    server = ServerSettings()
    return create_app(
        server.ledger_settings(), interval=server.follow_interval,
        max_body_bytes=server.max_body_bytes, threads=server.threads,
    )  # fmt: skip
