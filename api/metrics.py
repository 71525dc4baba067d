"""Prometheus metrics (``prometheus_client``): requests by method, route template and
status, and their latency, counted per process; the log's figures are computed at scrape time
(api/metrics_ledger.py).

With several workers (``gongshi serve --workers N``, N > 1) each is its own process, so its
counters would only be its own. ``gongshi serve`` then creates a fresh directory, names it in
``PROMETHEUS_MULTIPROC_DIR`` before the workers start (prometheus_client reads it when it is
first imported) and removes it at exit: every worker writes its counts to files there, and
a scrape answered by any worker sums them all (``MultiProcessCollector``). With one worker
the variable is unset and the counts stay in the process.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, MutableMapping
from contextlib import contextmanager

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.types import Scope

from api.answered import Answered, route_template

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
UNMATCHED = "unmatched"  # the route label of a request no route took (404, 405)


@contextmanager
def worker_counts(workers: int, environ: MutableMapping[str, str]) -> Iterator[str | None]:
    """For ``gongshi serve``: with several ``workers``, a fresh directory for this run named
    in ``environ``'s PROMETHEUS_MULTIPROC_DIR (the workers, started later, inherit it) and
    removed at exit; with one, the variable unset (the counts stay in the process)."""
    if workers <= 1:
        environ.pop(MULTIPROC_ENV, None)
        yield None
        return
    path = tempfile.mkdtemp(prefix="gongshi-metrics-")
    environ[MULTIPROC_ENV] = path
    try:
        yield path
    finally:
        environ.pop(MULTIPROC_ENV, None)
        shutil.rmtree(path, ignore_errors=True)


class Metrics:
    """This process's request counter and latency histogram (its own registry, no global
    one: several apps may live in one test process). ``multiprocess_dir``: where the workers'
    counts are summed (default: ``PROMETHEUS_MULTIPROC_DIR``, if set)."""

    def __init__(self, multiprocess_dir: str | None = None) -> None:
        self.multiprocess_dir = multiprocess_dir or os.environ.get(MULTIPROC_ENV) or None
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "gongshi_http_requests", "HTTP requests by method, route template and status",
            ["method", "route", "status"], registry=self.registry,
        )  # fmt: skip
        self.latency = Histogram(
            "gongshi_http_request_seconds", "HTTP request latency in seconds by route template",
            ["route"], buckets=BUCKETS, registry=self.registry,
        )  # fmt: skip

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(route).observe(seconds)

    def exposition(self, *live: Collector) -> bytes:
        """The text format: the request families (every worker's, summed, in multiprocess
        mode), then the ``live`` collectors' families (computed now)."""
        counted: Collector = (
            self.registry
            if self.multiprocess_dir is None
            else MultiProcessCollector(None, path=self.multiprocess_dir)  # type: ignore[no-untyped-call]
        )
        return generate_latest(_Together([counted, *live]))


class _Together:
    """The families of several collectors, in order (what ``generate_latest`` reads)."""

    def __init__(self, collectors: Iterable[Collector]) -> None:
        self.collectors = list(collectors)

    def collect(self) -> Iterator[Metric]:
        for collector in self.collectors:
            yield from collector.collect()


class Measured(Answered):
    """Pure ASGI middleware (api/answered.py): counts and times every HTTP request by method,
    route template and status into the app's ``Metrics`` (once it has them)."""

    def answered(self, scope: Scope, status: int, seconds: float) -> None:
        services = getattr(scope.get("app"), "state", None)
        metrics = getattr(getattr(services, "services", None), "metrics", None)
        if metrics is not None:
            route = route_template(scope) or UNMATCHED
            metrics.observe(scope["method"], route, status, seconds)
