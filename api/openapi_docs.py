"""The API's documentation pages, Swagger UI at ``/docs`` and ReDoc at ``/redoc``, with
their scripts and styles served by the app itself under ``/docs-assets/`` — no CDN, so the
pages work on an intranet without internet access.

The assets (swagger-ui-bundle.js, swagger-ui.css, redoc.standalone.js, a favicon) come
from the ``fastapi-offline`` package, a dependency installed by ``pip install -e .``; only
its static folder is used. Swagger UI's online validator badge is switched off
(``validatorUrl: null``): it would call a public service.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(fastapi_offline.__file__).parent / "static"
ASSETS_URL = "/docs-assets"
DOCS_URL, REDOC_URL, REDIRECT_URL = "/docs", "/redoc", "/docs/oauth2-redirect"
SWAGGER_PARAMETERS = {"validatorUrl": None, "docExpansion": "none", "tryItOutEnabled": False}


def install_docs(app: FastAPI) -> None:
    """Mount the assets and add ``/docs`` and ``/redoc`` (create the app with
    ``docs_url=None, redoc_url=None`` so that FastAPI's CDN pages are not added)."""
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="docs-assets")
    title = f"{app.title} 接口文档"

    @app.get(DOCS_URL, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{title} — Swagger UI",
            oauth2_redirect_url=f"{root}{REDIRECT_URL}",
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            swagger_ui_parameters=SWAGGER_PARAMETERS,
        )

    @app.get(REDIRECT_URL, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get(REDOC_URL, include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{title} — ReDoc",
            redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )
