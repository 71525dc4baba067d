"""The request log and the metrics name a mounted app's requests by the mount's template
(review of issue 15, findings 20 and 22: ``/docs-assets/*`` was logged with ``route: null``;
the two middlewares were the same code twice, now api/answered.py). A request no route took
stays unnamed (null in the log, ``unmatched`` in the metrics), a route's template is kept."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from tests.api.test_request_log import _requests

ASSET = "/docs-assets/swagger-ui.css"


def test_a_mounted_asset_is_logged_and_counted_by_the_mounts_template(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gongshi.request")
    assert client.get(ASSET).status_code == 200
    assert client.get("/docs-assets/no-such-file.js").status_code == 404
    assert client.get("/no/such/page").status_code == 404
    assert client.get("/api/v1/public/points").status_code == 200
    lines = [(x["route"], x["status"]) for x in _requests(caplog)]
    assert lines == [
        ("/docs-assets/{path}", 200), ("/docs-assets/{path}", 404), (None, 404),
        ("/api/v1/public/points", 200),
    ]  # fmt: skip
    scraped = client.get("/metrics").text
    counts = {
        (s.labels["route"], s.labels["status"]): s.value
        for f in text_string_to_metric_families(scraped)
        for s in f.samples
        if s.name == "gongshi_http_requests_total"
    }
    assert counts[("/docs-assets/{path}", "200")] == 1
    assert counts[("/docs-assets/{path}", "404")] == 1
    assert counts[("unmatched", "404")] == 1
    assert counts[("/api/v1/public/points", "200")] == 1
