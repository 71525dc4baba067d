"""The public page in a real browser (Debian's chromium through Playwright): filter the list,
verify a row's inclusion proof in the browser, and see a tampered proof fail."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import pytest

from ledger.ledger import Ledger
from ledger.log.checkpoints import sign_checkpoint
from ledger.log.keys import create_log_key, load_signer
from ledger.settings import Settings
from tests.conftest import IN_CI
from tests.e2e.server import ROOT, serving
from tests.integration.helpers import disbursed, funded

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("GONGSHI_ARTIFACTS", ROOT / "artifacts"))


def _browser_or_skip() -> Any:
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append(CHROMIUM + " (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing.append("the playwright package")
    if missing:
        (pytest.fail if IN_CI else pytest.skip)("browser test needs " + ", ".join(missing))
    return sync_playwright


def test_filter_verify_and_tampered_proof(ledger: Ledger, settings: Settings) -> None:
    sync_playwright = _browser_or_skip()
    create_log_key(settings.log_skey_path, settings.log_vkey_path, settings.origin)
    fund = funded(ledger)
    for tier in (1, 2, 1):
        disbursed(fund, tier)
    ledger.log.integrate()
    signer = load_signer(settings.log_skey_path, settings.origin)
    assert sign_checkpoint(ledger.log, signer, settings.origin, ledger.clock) is not None
    today = ledger.clock().date().isoformat()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with serving(settings) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        requested: list[str] = []
        page.on("request", lambda r: requested.append(r.url))
        page.goto(f"{base}/?today={today}")
        assert page.locator("#disbursement-list tbody tr").count() == 3
        assert page.locator("#tree-size").inner_text() == str(ledger.log.state().size)
        page.select_option("select[name=tier]", "1")
        page.click("#filter")
        rows = page.locator("#disbursement-list tbody tr")
        rows.first.wait_for()
        assert rows.count() == 2
        rows.nth(0).locator("button.verify").click()
        result = rows.nth(0).locator(".result")
        result.filter(has_text="验证").wait_for(timeout=20_000)
        assert result.inner_text() == "✔ 验证通过"

        def tampered(route: Any) -> None:
            body = json.loads(route.fetch().text())
            first = bytearray(base64.b64decode(body["proof"][0]))
            first[0] ^= 1  # modified-proof@1-bit
            body["proof"][0] = base64.b64encode(bytes(first)).decode()
            route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

        page.route("**/log/v1/proof/inclusion*", tampered)
        rows.nth(1).locator("button.verify").click()
        failed = rows.nth(1).locator(".result")
        failed.filter(has_text="验证").wait_for(timeout=20_000)
        assert failed.inner_text().startswith("✘ 验证失败")
        shot = ARTIFACTS / "public-page-verify.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"\nscreenshot (CI artifact): {shot}")
        browser.close()
    outside = [u for u in requested if not u.startswith(base)]
    assert outside == [], outside  # no external network requests
