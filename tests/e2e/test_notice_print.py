"""The printable notice in a real browser (Debian's chromium through Playwright) against
``gongshi serve`` and the three departments' witnesses: the notice renders, prints to an A4
PDF, its QR code (decoded from the screenshot with zxing-cpp) is the page's verification URL
of the list, and that URL verifies every row in the browser against the witnessed checkpoint.
Screenshots and PDFs go to the artifacts directory."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.settings import Settings
from tests.e2e.server import serving
from tests.e2e.test_page_browser import (
    ARTIFACTS,
    CHROMIUM,
    _browser_or_skip,
    _keys,
    _witnessed_everything,
    clock,  # noqa: F401 (fixture: the grants are dated the served page's date)
)
from tests.e2e.witnesses import departments_serving
from tests.integration.helpers import YEAR, disbursed, funded
from tests.integration.points_helpers import TOWNSHIP, VILLAGE, points_ready, year_closed

FUND = "tongcheng-pioneer-care"
A4_POINTS = (595, 842)  # 210 × 297 mm in PostScript points, rounded
MEDIA_BOX = re.compile(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]")


def _decoded_qr(screenshot: Path) -> str:
    import zxingcpp
    from PIL import Image

    found = zxingcpp.read_barcodes(Image.open(screenshot))
    qr = [b.text for b in found if b.format == zxingcpp.BarcodeFormat.QRCode]
    assert len(qr) == 1, [(b.format, b.text) for b in found]
    text: str = qr[0]
    return text


def _a4_pages(pdf: bytes) -> int:
    """The PDF's page count; every page A4 (portrait)."""
    boxes = MEDIA_BOX.findall(pdf)
    assert pdf.startswith(b"%PDF-") and boxes
    for width, height in boxes:
        assert (round(float(width)), round(float(height))) == A4_POINTS
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


def _print_scan_verify(base: str, kind: str, scope: str, name: str) -> tuple[Any, int, str]:
    """Open the notice, save its screenshot and A4 PDF, decode its QR code, open that URL and
    wait for the page's verification; returns the result element's text, the PDF's page
    count and the decoded URL."""
    sync_playwright = _browser_or_skip()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 900, "height": 1200})
        requested: list[str] = []
        page.on("request", lambda r: requested.append(r.url))
        response = page.goto(f"{base}/notices/{kind}/{scope}/{YEAR}")
        assert response is not None and response.status == 200
        shot = ARTIFACTS / f"notice-{name}.png"
        page.screenshot(path=str(shot), full_page=True)
        pdf = ARTIFACTS / f"notice-{name}.pdf"
        page.pdf(path=str(pdf), format="A4", prefer_css_page_size=True, print_background=True)
        pages = _a4_pages(pdf.read_bytes())
        url = _decoded_qr(shot)
        assert url == page.locator("#verify-url").inner_text()
        page.goto(url)
        result = page.locator("#verify-result")
        result.filter(has_text="核验").filter(has_not_text="正在").wait_for(timeout=60_000)
        page.screenshot(path=str(ARTIFACTS / f"notice-{name}-verified.png"), full_page=True)
        text = result.inner_text()
        browser.close()
    outside = [u for u in requested if not u.startswith(base)]
    assert outside == [], outside  # the notice loads nothing from elsewhere
    return text, pages, url


def _verified_with_a_tampered_row(url: str, tamper: Callable[[str], str]) -> str:
    """Open the verification URL with the page's HTML changed by ``tamper`` (a list that
    disagrees with the log) and return the verification's result."""
    sync_playwright = _browser_or_skip()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()

        def tampered(route: Any) -> None:
            route.fulfill(response=route.fetch(), body=tamper(route.fetch().text()))

        page.route(url, tampered)
        page.goto(url)
        result = page.locator("#verify-result")
        result.filter(has_text="核验").filter(has_not_text="正在").wait_for(timeout=60_000)
        failed = page.locator("#verify-list .result.fail").all_inner_texts()
        text: str = result.inner_text()
        browser.close()
    return text + "\n" + "\n".join(failed)


def test_a_fund_years_notice_prints_and_its_qr_code_verifies_the_grants(
    ledger: Ledger, settings: Settings
) -> None:
    _browser_or_skip()
    _keys(settings)
    fund = funded(ledger)
    for tier in (1, 2, 3):
        disbursed(fund, tier)
    ledger.log.integrate()
    with departments_serving(settings), serving(settings) as base:
        _witnessed_everything(base)
        text, pages, url = _print_scan_verify(base, "carefund", FUND, "carefund")
    assert url == f"{base}/?verify=carefund:{FUND}:{YEAR}"
    assert pages == 1
    assert text.startswith("✔ 核验通过：本页 3 条记录均收录于检查点"), text


def test_a_points_years_long_notice_prints_on_pages_and_verifies_against_the_close(
    ledger: Ledger,
    settings: Settings,
    clock: SteppingClock,  # noqa: F811
) -> None:
    """60 cadres: the notice runs over two A4 pages; the page verifies its first 50 rows
    against the close's records (points.RankingPart)."""
    from ledger.points.config import Component

    _browser_or_skip()
    _keys(settings)
    points = points_ready(ledger, clock)
    for i in range(60):
        cadre = ledger.register_subject({"name": f"干部{i}"}, "cadre", TOWNSHIP)
        book = points.open_book(cadre, "th01", "晋熙镇01村", ("principal", "deputy")[i % 2],
                                VILLAGE)  # fmt: skip
        points.enter(book, quarter=2, component=Component.BONUS, points_tenths=i % 50 + 1,
                     reason="表彰", actor=TOWNSHIP)  # fmt: skip
    year_closed(points, clock)
    ledger.log.integrate()
    with departments_serving(settings), serving(settings) as base:
        _witnessed_everything(base)
        text, pages, url = _print_scan_verify(base, "points", "taihu", "points")
    assert url == f"{base}/?verify=points:taihu:{YEAR}"
    assert pages >= 2
    assert text.startswith("✔ 核验通过：本页 50 条记录均收录于检查点"), text

    def rank_changed(html: str) -> str:  # the first row's rank, not the one the close froze
        return re.sub(r'data-rank="(\d+)"', lambda m: f'data-rank="{int(m[1]) + 1}"', html, count=1)

    with departments_serving(settings), serving(settings) as base:
        _witnessed_everything(base)
        failed = _verified_with_a_tampered_row(url.replace(url.split("/?")[0], base), rank_changed)
    assert failed.startswith("✘ 核验失败：1 条记录未通过，49 条通过"), failed
    assert "记录与公示内容不符" in failed


@pytest.fixture(autouse=True)
def _zxing_or_skip() -> None:
    from tests.conftest import IN_CI

    try:
        import PIL  # noqa: F401
        import zxingcpp  # noqa: F401
    except ImportError:
        (pytest.fail if IN_CI else pytest.skip)("needs zxing-cpp and pillow (the test extra)")
