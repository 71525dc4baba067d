"""The public page without JavaScript in a real browser (chromium through Playwright,
JavaScript off) against ``gongshi serve``: a list's page links page it (共 N 条, 第 2 / 2 页),
the 末位 sections list each category's bottom 10%, and ``?verify=`` shows the posting's rows
under the checkpoint, with the note that checking them in the browser needs JavaScript."""

from __future__ import annotations

import re

from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.points.config import Component
from ledger.settings import Settings
from tests.e2e.server import serving
from tests.e2e.test_page_browser import (
    ARTIFACTS,
    CHROMIUM,
    _browser_or_skip,
    _keys,
    _witnessed_everything,
)
from tests.e2e.witnesses import departments_serving
from tests.integration.helpers import YEAR
from tests.integration.points_helpers import TOWNSHIP, VILLAGE, points_ready, year_closed


def test_lists_page_and_verify_shows_its_rows_without_javascript(
    ledger: Ledger, settings: Settings, clock: SteppingClock
) -> None:
    sync_playwright = _browser_or_skip()
    _keys(settings)
    points = points_ready(ledger, clock)
    for i in range(60):
        cadre = ledger.register_subject({"name": f"干部{i}"}, "cadre", TOWNSHIP)
        category = ("principal", "deputy", "reserve")[i % 3]
        book = points.open_book(cadre, "th01", "晋熙镇01村", category, VILLAGE)
        points.enter(book, quarter=2, component=Component.BONUS, points_tenths=i % 50 + 1,
                     reason="表彰", actor=TOWNSHIP)  # fmt: skip
    year_closed(points, clock)
    ledger.log.integrate()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with (
        departments_serving(settings),
        serving(settings) as base,
        sync_playwright() as p,
    ):
        _witnessed_everything(base)
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_context(java_script_enabled=False).new_page()
        page.goto(f"{base}/")
        nav = page.locator("#points-pages")
        assert nav.locator(".total").inner_text() == "共 60 条，第 1 / 2 页"
        assert page.locator("#points-list tbody tr").count() == 50
        nav.get_by_role("link", name="下一页").click()
        page.wait_for_url(re.compile(r"points_page=2#points$"))
        assert page.locator("#points-pages .total").inner_text() == "共 60 条，第 2 / 2 页"
        assert page.locator("#points-list tbody tr").count() == 10
        for code in ("principal", "deputy", "reserve"):  # 20 each: ceil(10%) = 2 at the bottom
            assert page.locator(f"#bottom-{code}-list tbody tr.bottom").count() == 2, code
        assert "晋熙镇" in page.locator("#points-list").inner_text()
        page.goto(f"{base}/?verify=points:taihu:{YEAR}")
        section = page.locator("#verify")
        assert section.locator("#verify-list tbody tr").count() == 50
        assert section.locator("noscript").count() == 1
        size = page.locator("#tree-size").inner_text()
        assert f"共 {size} 条记录" in section.locator("#verify-result").inner_text()
        assert page.locator("#verify-pages .total").inner_text() == "共 60 条，第 1 / 2 页"
        page.screenshot(path=str(ARTIFACTS / "public-page-verify-no-js.png"), full_page=True)
        browser.close()
