"""/healthz and /metrics."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from api.services import Services, services

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="database reachable, followers running, projection lag")
def healthz(s: Annotated[Services, Depends(services)]) -> Response:
    size = s.ledger.log.state().size
    lags = {st.name: st.lag for st in (r.status() for r in s.projections.select())}
    errors = s.errors()
    body: dict[str, Any] = {
        "status": "failing" if errors else "ok", "log_size": size, "projection_lag": lags,
        "errors": errors,
    }  # fmt: skip
    return JSONResponse(body, status_code=503 if errors else 200)


@router.get("/metrics", response_class=PlainTextResponse, summary="Prometheus text format")
def metrics(s: Annotated[Services, Depends(services)]) -> Response:
    size = s.ledger.log.state().size
    lags = {r.projection.name: max(0, size - r.position()) for r in s.projections.select()}
    text = s.metrics.render({"gongshi_log_size": size}, lags)
    return PlainTextResponse(text, media_type="text/plain; version=0.0.4; charset=utf-8")
