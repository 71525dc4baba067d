"""/docs (Swagger UI) and /redoc (ReDoc) load every script, style and icon from the app
itself: on an intranet without internet access they still work (issue 15 item 4)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


def _assets(html: str) -> list[str]:
    return ASSET.findall(html)


def test_docs_and_redoc_reference_only_same_origin_assets_that_answer(
    client: TestClient,
) -> None:
    for page, wanted in (("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")):
        response = client.get(page)
        assert response.status_code == 200 and "text/html" in response.headers["content-type"]
        html = response.text
        assert not re.search(r"https?://", html), (page, re.findall(r"https?://\S+", html))
        assets = _assets(html)
        assert any(a.endswith(wanted) for a in assets), (page, assets)
        for asset in assets:
            assert asset.startswith("/") and not asset.startswith("//"), (page, asset)
            fetched = client.get(asset)
            assert fetched.status_code == 200 and len(fetched.content) > 1000, (page, asset)
    spec = client.get("/openapi.json")
    assert spec.status_code == 200 and spec.json()["info"]["title"].startswith("Gongshi")


def test_swagger_ui_does_not_call_the_public_validator(client: TestClient) -> None:
    assert '"validatorUrl": null' in client.get("/docs").text
