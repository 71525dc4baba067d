"""``gongshi serve --workers 2`` as a real process: /metrics sums both workers' request
counts (prometheus_client's multiprocess mode in a directory made for the run and removed at
exit), and stderr carries JSON lines: startup per worker, one per request, shutdown."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from ledger.settings import Settings, parse_database_url
from tests.e2e.server import ROOT, free_port, server_env

ROUTE = "/api/v1/public/audit-results"
MAX_REQUESTS = 400


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as answer:  # a new connection each time
        text: str = answer.read().decode()
        return text


def _counted(base: str) -> float:
    families = text_string_to_metric_families(_get(base + "/metrics"))
    counter = next(f for f in families if f.name == "gongshi_http_requests")
    return sum(
        s.value for s in counter.samples
        if s.name == "gongshi_http_requests_total" and s.labels["route"] == ROUTE
    )  # fmt: skip


def _lines(stderr: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


def test_two_workers_metrics_sum_both_and_logs_are_json_lines(tmp_path: Path) -> None:
    home = tmp_path / "home"
    settings = Settings(home, parse_database_url(f"sqlite:///{home / 'ledger.db'}"), "ab" * 32)
    scratch = tmp_path / "tmp"  # where serve makes the run's metrics directory (TMPDIR)
    scratch.mkdir()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**server_env(settings), "TMPDIR": str(scratch), "GONGSHI_LOG_LEVEL": "info"}
    log = (tmp_path / "stderr.log").open("w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--workers", "2"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                _get(base + "/healthz")
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, (
                    f"gongshi serve did not start:\n{(tmp_path / 'stderr.log').read_text()}"
                )
                time.sleep(0.3)
        (made,) = scratch.iterdir()
        assert made.name.startswith("gongshi-metrics-")
        sent = 0
        while sent < MAX_REQUESTS:  # until both workers have answered some
            _get(base + ROUTE)
            sent += 1
            served = {x["pid"] for x in _lines((tmp_path / "stderr.log").read_text())
                      if x.get("route") == ROUTE}  # fmt: skip
            if sent >= 20 and len(served) == 2:
                break
        assert len(served) == 2, f"one worker answered all {sent} requests"
        assert _counted(base) == sent  # any worker's scrape: both workers' counts
        assert _counted(base) == sent
    finally:
        process.terminate()
        process.wait(60)
    lines = _lines((tmp_path / "stderr.log").read_text())
    events = [x.get("event") for x in lines]
    assert events.count("serve") == 1  # the supervisor, before its workers
    assert events.count("startup") == 2 and events.count("shutdown") == 2
    requests = [x for x in lines if x.get("event") == "request" and x["route"] == ROUTE]
    assert len(requests) == sent and all(x["status"] == 200 for x in requests)
    assert len({x["request_id"] for x in requests}) == sent
    assert list(scratch.iterdir()) == []  # the run's directory is gone
