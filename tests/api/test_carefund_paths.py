"""The care-fund application's path parameter is ``application`` (issue 13 item 15: the
aggregate ``Case`` became ``Application``); the URLs stay ``/carefund/applications/...``.
Supervision cases keep ``{case}``: they really are cases (督办)."""

from __future__ import annotations

from fastapi.testclient import TestClient

APPLICATIONS = "/api/v1/carefund/applications/"


def test_application_routes_name_their_parameter_application(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    routes = sorted(path for path in paths if path.startswith(APPLICATIONS))
    assert [path.removeprefix(APPLICATIONS) for path in routes] == [
        "{application}", "{application}/approval", "{application}/disbursement",
        "{application}/follow-ups", "{application}/recoveries", "{application}/rejection",
        "{application}/review", "{application}/revocation",
    ]  # fmt: skip
    for path in routes:
        for operation in paths[path].values():
            names = {p["name"] for p in operation["parameters"] if p["in"] == "path"}
            assert names == {"application"}, path
    assert "/api/v1/supervision/cases/{case}/talks" in paths
