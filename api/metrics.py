"""Prometheus text-format metrics: requests by route and status, latencies, log size and
projection lag. Counters live in the process (each worker reports its own)."""

from __future__ import annotations

import threading
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


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

    def render(self, gauges: dict[str, float], lags: dict[str, int]) -> str:
        lines = ["# TYPE gongshi_http_requests_total counter"]
        with self._lock:
            for (method, route, status), n in sorted(self.requests.items()):
                lines.append(
                    f'gongshi_http_requests_total{{method="{method}",route="{route}",'
                    f'status="{status}"}} {n}'
                )
            lines.append("# TYPE gongshi_http_request_seconds histogram")
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
        for name, value in sorted(gauges.items()):
            lines += [f"# TYPE {name} gauge", f"{name} {value:g}"]
        lines.append("# TYPE gongshi_projection_lag gauge")
        for projection, lag in sorted(lags.items()):
            lines.append(f'gongshi_projection_lag{{projection="{projection}"}} {lag}')
        return "\n".join(lines) + "\n"


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
