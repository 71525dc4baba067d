"""/metrics through prometheus_client: the scrape parses with prometheus_client's own text
parser, every family has HELP and TYPE lines, requests are counted by route template, and
the log's figures (size, checkpoint age, projection lag, witness state) are read at scrape
time. (Summing over ``gongshi serve --workers 2``: tests/e2e/test_metrics_workers.py.)"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api.metrics import MULTIPROC_ENV, worker_counts
from ledger.ledger import Ledger
from ledger.log.checkpoints import sign_checkpoint
from ledger.log.witness_status import record_status
from tests.api.conftest import settle
from tests.integration.helpers import funded
from verify.note import Signer as NoteSigner
from verify.policy import departments_policy

ORIGIN = "gongshi.example/test"
FAMILIES = {
    "gongshi_http_requests": "counter", "gongshi_http_request_seconds": "histogram",
    "gongshi_log_size": "gauge", "gongshi_checkpoint_size": "gauge",
    "gongshi_checkpoint_age_seconds": "gauge", "gongshi_projection_lag": "gauge",
    "gongshi_witness_state": "gauge", "gongshi_witness_cosigned_size": "gauge",
}  # fmt: skip


def _scrape(client: TestClient) -> tuple[str, dict[str, object]]:
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = answer.text
    return text, {f.name: f for f in text_string_to_metric_families(text)}


def test_scrape_parses_with_help_for_every_family(ledger: Ledger, client: TestClient) -> None:
    funded(ledger)
    signer = NoteSigner.generate(ORIGIN)
    assert sign_checkpoint(ledger.log, signer, ORIGIN, ledger.clock,
                           departments_policy(signer.verifier, {})) is not None  # fmt: skip
    with ledger.db.transaction() as cur:
        record_status(cur, "audit", "refused", "stale", ledger.clock())
    settle(client)
    for _ in range(3):
        client.get("/api/v1/public/points")
    client.get("/no/such/page")
    text, families = _scrape(client)
    for name, kind in FAMILIES.items():
        family = families[name]
        assert family.type == kind and family.documentation, name  # type: ignore[attr-defined]
        shown = name + "_total" if kind == "counter" else name  # the 0.0.4 text format's
        assert f"# HELP {shown} " in text and f"# TYPE {shown} {kind}" in text, name
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for f in families.values() for s in f.samples  # type: ignore[attr-defined]
    }  # fmt: skip
    points = (("method", "GET"), ("route", "/api/v1/public/points"), ("status", "200"))
    assert samples["gongshi_http_requests_total", points] == 3
    unmatched = (("method", "GET"), ("route", "unmatched"), ("status", "404"))
    assert samples["gongshi_http_requests_total", unmatched] == 1
    route = (("route", "/api/v1/public/points"),)
    assert samples["gongshi_http_request_seconds_count", route] == 3
    size = ledger.log.state().size
    assert samples["gongshi_log_size", ()] == size
    assert samples["gongshi_checkpoint_size", (("kind", "signed"),)] == size
    assert samples["gongshi_checkpoint_age_seconds", (("kind", "signed"),)] >= 0
    assert samples["gongshi_projection_lag", (("projection", "points"),)] == 0
    assert samples["gongshi_witness_state", (("state", "refused"), ("witness", "audit"))] == 1
    assert samples["gongshi_witness_state", (("state", "cosigning"), ("witness", "audit"))] == 0
    assert samples["gongshi_witness_cosigned_size", (("witness", "audit"),)] == -1


def test_projection_lag_is_read_at_scrape_time(ledger: Ledger, client: TestClient) -> None:
    settle(client)
    funded(ledger)  # records the followers (off in tests) have not integrated or applied
    ledger.log.integrate()
    _, families = _scrape(client)
    lags = {s.labels["projection"]: s.value
            for s in families["gongshi_projection_lag"].samples}  # type: ignore[attr-defined]  # fmt: skip
    assert lags["fund-ledger"] > 0


def test_serve_gives_several_workers_a_fresh_directory_removed_at_exit(tmp_path: Path) -> None:
    environ = {MULTIPROC_ENV: str(tmp_path / "stale")}
    with worker_counts(1, environ) as none:
        assert none is None and MULTIPROC_ENV not in environ  # one worker: in the process
    with worker_counts(2, environ) as made:
        assert made is not None and environ[MULTIPROC_ENV] == made and os.path.isdir(made)
        assert os.listdir(made) == []  # fresh: no counts of an earlier run
    assert not os.path.exists(made) and MULTIPROC_ENV not in environ


def test_operations_guide_names_every_family(client: TestClient) -> None:
    """docs/OPERATIONS.md's table of metrics keeps up with the scrape."""
    guide = (Path(__file__).resolve().parents[2] / "docs" / "OPERATIONS.md").read_text()
    _, families = _scrape(client)
    shown = {name + "_total" if kind == "counter" else name for name, kind in FAMILIES.items()}
    assert set(families) <= set(FAMILIES)  # no family the guide and this test don't know
    for name in shown:
        assert f"`{name}" in guide, name
