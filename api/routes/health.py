"""/healthz and /metrics."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from api.metrics_ledger import LedgerFigures
from api.services import Services, services
from ledger.background import describe
from projections.leaves import log_size

router = APIRouter(tags=["operations"])
PROBE_WAIT = 1.0  # seconds /healthz waits for a pooled connection


@router.get("/healthz", summary="database reachable now, followers running, projection lag")
def healthz(s: Annotated[Services, Depends(services)]) -> Response:
    """200 when the database answers now and no background worker's last step failed; 503
    otherwise. ``errors`` name the component and a short reason (``ledger.unavailable``'s, or
    the exception's type): never the exception's text. A follower's error clears with its
    next successful step. ``skipped`` lists what the jobs' last runs skipped and will try
    again (an overdue project the escalation refused, an erasure that failed): the server
    stays healthy (the other items went on), but the list is there to be watched. With a
    read replica, ``read_replica`` gives its log size and how far it is behind, or its error;
    it does not fail the check (writes and the console go on without it)."""
    errors: list[str] = []
    size: int | None = None
    lags: dict[str, int] = {}
    try:
        size, lags = _probe(s)
    except Exception as e:  # reported, not raised: /healthz always answers
        errors.append(f"database: {describe(e)}")
    errors.extend(s.errors())
    body: dict[str, Any] = {
        "status": "failing" if errors else "ok", "log_size": size, "projection_lag": lags,
        "errors": errors, "skipped": s.skipped(),
    }  # fmt: skip
    if s.read.is_replica:  # reported, not failing: writes and the console go on without it
        body["read_replica"] = _replica(s, size)
    headers = {"Retry-After": "2"} if errors else None
    return JSONResponse(body, status_code=503 if errors else 200, headers=headers)


def _probe(s: Services) -> tuple[int, dict[str, int]]:
    """The log's size and each projection's lag, in one read transaction on a connection
    checked now, waiting PROBE_WAIT s at most for it (a health check answers quickly)."""
    runners = s.projections.select()
    for runner in runners:
        runner.ensure_tables()  # once per process
    with s.ledger.db.transaction(immediate=False, wait=PROBE_WAIT) as cur:
        size = log_size(cur)
        positions = dict(cur.execute("SELECT name, position FROM gongshi_proj_positions"))
    lags = {r.projection.name: max(0, size - int(positions.get(r.table, 0))) for r in runners}
    return size, lags


def _replica(s: Services, size: int | None) -> dict[str, Any]:
    """The read replica's log size and how many leaves it is behind the primary's, or its
    error (docs/OPERATIONS.md, "Read replicas")."""
    try:
        replayed = s.read.probe(PROBE_WAIT)
    except Exception as e:  # reported, not raised
        return {"error": describe(e)}
    behind = None if size is None else max(0, size - replayed)
    return {"log_size": replayed, "behind": behind}


@router.get("/metrics", response_class=PlainTextResponse, summary="Prometheus text format")
def metrics(s: Annotated[Services, Depends(services)]) -> Response:
    """Requests by route template (every worker's, summed), the log's size, the newest
    checkpoints' sizes and ages, each projection's lag and each witness's state, with HELP
    and TYPE lines (api/metrics.py, api/metrics_ledger.py)."""
    return Response(s.metrics.exposition(LedgerFigures(s)), media_type=CONTENT_TYPE_PLAIN_0_0_4)
