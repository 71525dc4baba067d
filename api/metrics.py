"""Prometheus text-format metrics: requests by route and status, latencies, log size,
projection lag, checkpoints and each witness's state. Counters live in the process (each
worker reports its own); the log and witness figures are read from the database."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledger.log.witness_status import STATES, WitnessStatus

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
HELP = {
    "gongshi_http_requests_total": "HTTP requests by method, route template and status",
    "gongshi_http_request_seconds": "HTTP request latency by route template",
    "gongshi_log_size": "leaves in the transparency log",
    "gongshi_checkpoint_size": "tree size of the newest checkpoint, signed or witnessed",
    "gongshi_checkpoint_age_seconds": "seconds since the newest checkpoint was signed",
    "gongshi_projection_lag": "log records a projection has not applied yet",
    "gongshi_witness_state": "1 for each witness's current state (cosigning, refused, "
    "unreachable, unknown)",
    "gongshi_witness_cosigned_size": "largest checkpoint size the witness's cosignature is "
    "stored for",
}


def _head(name: str, kind: str) -> list[str]:
    return [f"# HELP {name} {HELP[name]}", f"# TYPE {name} {kind}"]


def witness_lines(statuses: Sequence[WitnessStatus]) -> list[str]:
    """One ``gongshi_witness_state`` series per witness and state (1 for the current one),
    and the size each has cosigned."""
    lines = _head("gongshi_witness_state", "gauge")
    for st in statuses:
        for state in STATES:
            lines.append(
                f'gongshi_witness_state{{witness="{st.name}",state="{state}"}} '
                f"{int(st.state == state)}"
            )
    lines += _head("gongshi_witness_cosigned_size", "gauge")
    for st in statuses:
        size = -1 if st.cosigned_size is None else st.cosigned_size
        lines.append(f'gongshi_witness_cosigned_size{{witness="{st.name}"}} {size}')
    return lines


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str, int], int] = {}
        self.latency: dict[str, list[float]] = {}  # route -> bucket counts, then sum, count

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        with self._lock:
            key = (method, route, status)
            self.requests[key] = self.requests.get(key, 0) + 1
            cells = self.latency.setdefault(route, [0.0] * (len(BUCKETS) + 2))
            for i, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    cells[i] += 1
            cells[-2] += seconds
            cells[-1] += 1

    def render(
        self,
        gauges: dict[str, float],
        lags: dict[str, int],
        labelled: Sequence[str] = (),
    ) -> str:
        """``gauges`` by name (each named in HELP; a name with ``{labels}`` keeps them),
        projection ``lags``, and ``labelled`` lines already rendered (witness_lines)."""
        lines = _head("gongshi_http_requests_total", "counter")
        with self._lock:
            for (method, route, status), n in sorted(self.requests.items()):
                lines.append(
                    f'gongshi_http_requests_total{{method="{method}",route="{route}",'
                    f'status="{status}"}} {n}'
                )
            lines += _head("gongshi_http_request_seconds", "histogram")
            for route, cells in sorted(self.latency.items()):
                for bound, count in zip(BUCKETS, cells, strict=False):
                    lines.append(
                        f'gongshi_http_request_seconds_bucket{{route="{route}",le="{bound}"}}'
                        f" {int(count)}"
                    )
                label = f'route="{route}"'
                lines.append(
                    f'gongshi_http_request_seconds_bucket{{{label},le="+Inf"}} {int(cells[-1])}'
                )
                lines.append(f"gongshi_http_request_seconds_sum{{{label}}} {cells[-2]:.6f}")
                lines.append(f"gongshi_http_request_seconds_count{{{label}}} {int(cells[-1])}")
        seen: set[str] = set()
        for name, value in sorted(gauges.items()):
            family = name.split("{", 1)[0]
            if family not in seen:
                lines += _head(family, "gauge")
                seen.add(family)
            lines.append(f"{name} {value:g}")
        lines += _head("gongshi_projection_lag", "gauge")
        for projection, lag in sorted(lags.items()):
            lines.append(f'gongshi_projection_lag{{projection="{projection}"}} {lag}')
        return "\n".join([*lines, *labelled]) + "\n"


class Measured:
    """Pure ASGI middleware (no per-request task group): counts and times every HTTP request
    by method, route template and status into the app's ``Metrics`` (once it has them)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
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
            services = getattr(scope.get("app"), "state", None)
            metrics = getattr(getattr(services, "services", None), "metrics", None)
            if metrics is not None:
                path = getattr(scope.get("route"), "path", "unmatched")
                metrics.observe(scope["method"], path, status, time.perf_counter() - started)
