"""/docs and /redoc in a real browser (chromium through Playwright) against ``gongshi serve``,
as on an intranet: every request to another origin is refused, yet Swagger UI renders the
operations with their Chinese summaries and its Authorize button (the Bearer scheme), and
ReDoc renders too (issue 15 item 4)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from ledger.ledger import Ledger
from ledger.settings import Settings
from tests.e2e.server import serving
from tests.e2e.test_page_browser import ARTIFACTS, CHROMIUM, _browser_or_skip, _keys


def test_docs_and_redoc_render_with_every_other_origin_blocked(
    ledger: Ledger, settings: Settings
) -> None:
    sync_playwright = _browser_or_skip()
    _keys(settings)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    elsewhere: list[str] = []
    with serving(settings) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_context().new_page()
        origin = urlsplit(base).netloc

        def guard(route: Any) -> None:
            url = route.request.url
            if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc != origin:
                elsewhere.append(url)
                route.abort()
            else:
                route.continue_()

        page.route("**/*", guard)
        page.goto(f"{base}/docs")
        page.locator(".swagger-ui button.authorize").wait_for(timeout=20_000)
        page.get_by_text("受理申请 submit an application (intake)").first.wait_for()
        page.screenshot(path=str(ARTIFACTS / "api-docs-swagger.png"))
        page.goto(f"{base}/redoc")
        heading = page.locator("h2", has_text="受理申请 submit an application (intake)")
        heading.first.wait_for(timeout=20_000)  # the operation's section, not the menu's entry
        page.screenshot(path=str(ARTIFACTS / "api-docs-redoc.png"))
        browser.close()
    assert elsewhere == [], elsewhere
