"""The API's documentation pages, Swagger UI at ``/docs`` and ReDoc at ``/redoc``, with
their scripts and styles served by the app itself under ``/docs-assets/`` — no CDN, so the
pages work on an intranet without internet access.

The assets (swagger-ui-bundle.js, swagger-ui.css, redoc.standalone.js, a favicon) come
from the ``fastapi-offline`` package, a dependency installed by ``pip install -e .``; only
its static folder is used. Swagger UI's online validator badge is switched off
(``validatorUrl: null``): it would call a public service. Both pages are sent with a
Content-Security-Policy allowing this origin only (and inline scripts and styles, data: and
blob: for the bundles' own icons and workers): ReDoc's side menu shows a logo from its
vendor's CDN, which the browser then never asks for.
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

API_DESCRIPTION = """\
公示台账的接口：每一次写入都是日志中的一条记录（记录哈希、叶子序号、证明链接），
公开名单可以对照已见证的检查点逐条核验。

**令牌**：写入和单个资源的读取需要访问令牌（`gongshi tokens create --principal 账户`），
点击 Authorize 填入，或在请求头中发送 `Authorization: Bearer 令牌`。每个接口的说明写明
可以调用的角色（如 `trade_union`）和它在流程中的前一步。公开名单（`/api/v1/public/...`）、
日志和证明不需要令牌。

**写入的答复**：新增返回 201，推进已有申请、案件或积分卡的一步返回 200；两者都在 `Location`
（和 `location`）中给出资源的地址，新资源的编号在 `result` 中，`evidence` 是回执。
同一个 `Idempotency-Key` 重发得到同样的答复。

**错误**：problem+json，`code` 是稳定的英文代码（`rule.carefund.budget_cap`、
`not_found.fund_year`、`auth.missing_token`、`input.invalid`），`detail` 是中文说明
（服务器设 `GONGSHI_LANG=en` 时为英文），`evidence` 是业务规则给出的依据，422 的 `errors`
逐项列出字段。
"""
TAGS = [
    {"name": "public", "description": "公开名单：不需要令牌，分页，可导出 CSV、XLSX"},
    {"name": "log", "description": "日志：检查点、包含证明、一致性证明、记录的离线证明"},
    {"name": "subjects", "description": "登记对象：个人信息进加密保险库，记录只有假名；删除"},
    {
        "name": "care fund",
        "description": "先锋关爱基金：个人申请、行业党委审核、总工会审批、发放、回访",
    },
    {
        "name": "points",
        "description": "村（社区）干部积分制管理：方案、任务计划、积分卡、记分、结算",
    },
    {"name": "supervision", "description": "督办：案件、督查、重点项目"},
    {"name": "cadre work", "description": "选人用人专项检查、观察使用"},
    {
        "name": "routine assessment",
        "description": "平时考核：四个季度的闭环、讲组工、以老带新、培训",
    },
    {"name": "postings (公示) and objections", "description": "公示与异议：发布、异议、答复、结束"},
    {"name": "imports", "description": "表格导入：模板、上传、批次"},
    {"name": "queue", "description": "待办：等待本账户办理的事项"},
    {"name": "principals", "description": "账户登记（admin）"},
    {"name": "audit", "description": "审计包"},
    {"name": "operations", "description": "运行状态和指标"},
]
ASSETS = Path(fastapi_offline.__file__).parent / "static"
ASSETS_URL = "/docs-assets"
DOCS_URL, REDOC_URL, REDIRECT_URL = "/docs", "/redoc", "/docs/oauth2-redirect"
SWAGGER_PARAMETERS = {"validatorUrl": None, "tryItOutEnabled": False}
SAME_ORIGIN_ONLY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline';"
    " img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:;"
    " connect-src 'self'; frame-ancestors 'none'"
)


def _same_origin(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = SAME_ORIGIN_ONLY
    return page


def install_docs(app: FastAPI) -> None:
    """Mount the assets and add ``/docs`` and ``/redoc`` (create the app with
    ``docs_url=None, redoc_url=None`` so that FastAPI's CDN pages are not added)."""
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="docs-assets")
    title = f"{app.title} 接口文档"

    @app.get(DOCS_URL, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        page = get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{title} — Swagger UI",
            oauth2_redirect_url=f"{root}{REDIRECT_URL}",
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            swagger_ui_parameters=SWAGGER_PARAMETERS,
        )
        return _same_origin(page)

    @app.get(REDIRECT_URL, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get(REDOC_URL, include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        page = get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{title} — ReDoc",
            redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )
        return _same_origin(page)
