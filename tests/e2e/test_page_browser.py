"""The public page in a real browser (Debian's chromium through Playwright), against
``gongshi serve`` signing checkpoints on its schedule and the three departments' witnesses
running as ``gongshi-verify witness serve`` processes: filter the list, verify a row's
inclusion proof in the browser, see a tampered proof fail; then pay a grant over the API and
watch its row go from pending to verified with no command run by hand."""

from __future__ import annotations

import base64
import json
import math
import os
import re
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from api.checkpoint_box import WITNESS_SECONDS
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.log.keys import create_log_key
from ledger.log.witnesses import DEPARTMENTS, create_witness_key
from ledger.settings import Settings
from tests.conftest import IN_CI
from tests.e2e.grants import pay_a_grant
from tests.e2e.server import ROOT, serving
from tests.e2e.witnesses import departments_serving
from tests.integration.helpers import disbursed, funded
from verify.note import COSIGNATURE_V1

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("GONGSHI_ARTIFACTS", ROOT / "artifacts"))
INTERVAL = 2.0  # GONGSHI_CHECKPOINT_INTERVAL, the default
PATIENCE = 15.0  # seconds a row may take from paid to verifiable here
PENDING = re.compile(r"^待纳入检查点（约 (\d+) 秒）$")


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


def _keys(settings: Settings) -> None:
    """The log key and the departments' witness keys (audit's Ed25519, others ML-DSA-44)."""
    create_log_key(settings.log_skey_path, settings.log_vkey_path, settings.origin)
    for name in DEPARTMENTS:
        create_witness_key(settings.keys_dir, name, *([COSIGNATURE_V1] if name == "audit" else []))


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        body: bytes = response.read()
        return body


@pytest.fixture
def clock() -> SteppingClock:
    """The ledger's clock starts at the real time: the grants paid here are dated the served
    page's date (the server's clock), so they are inside its posting window and the page
    lists them without a ``today`` (another date is for an auditor's token only)."""
    return SteppingClock(datetime.now(UTC), timedelta(milliseconds=1))


def _witnessed_everything(base: str) -> None:
    """Wait until the served (witnessed) checkpoint covers the whole log."""
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        size = json.loads(_get(base + "/healthz"))["log_size"]
        if int(_get(base + "/log/v1/checkpoint").split(b"\n")[1]) == size:
            return
        time.sleep(0.1)
    raise AssertionError(f"no witnessed checkpoint of the whole log within {PATIENCE} s")


def test_filter_verify_tampered_proof_and_a_paid_grant_verifies_by_itself(
    ledger: Ledger, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    sync_playwright = _browser_or_skip()
    monkeypatch.setenv("GONGSHI_CHECKPOINT_INTERVAL", str(INTERVAL))
    _keys(settings)
    fund = funded(ledger)
    for tier in (1, 2, 1):
        disbursed(fund, tier)
    ledger.log.integrate()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with (
        departments_serving(settings),
        serving(settings) as base,
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        requested: list[str] = []
        page.on("request", lambda r: requested.append(r.url))
        _witnessed_everything(base)  # the schedule signed, the witnesses cosigned
        page.goto(f"{base}/")
        assert page.locator("#disbursement-list tbody tr").count() == 3
        assert page.locator("#tree-size").inner_text() == str(ledger.log.state().size)
        cosigned = page.locator("#witness-states li.witness-cosigned")
        assert cosigned.count() == 3 and "审计局：已联署" in cosigned.all_inner_texts()
        assert re.fullmatch(
            r"(刚刚|\d+ 秒前)签署", page.locator("#checkpoint-age strong").inner_text()
        )
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
        page.unroute("**/log/v1/proof/inclusion*")

        leaf = pay_a_grant(base, ledger, lambda: _witnessed_everything(base))["leaf_index"]
        paid_at = time.monotonic()
        row = page.locator(f'#disbursement-list tr[data-leaf="{leaf}"]')
        while not row.count():  # today's list, once the projection has the new row
            assert time.monotonic() - paid_at < PATIENCE, "the paid grant never showed"
            page.goto(f"{base}/")
        pending = PENDING.fullmatch(row.locator(".pending").inner_text())
        assert pending, row.inner_html()  # pending, not a failure
        assert 1 <= int(pending[1]) <= math.ceil(INTERVAL) + WITNESS_SECONDS
        assert row.locator("button.verify").count() == 0
        assert (
            row.locator(".pending").evaluate("e => getComputedStyle(e).color") == "rgb(85, 85, 85)"
        )
        page.screenshot(path=str(ARTIFACTS / "public-page-pending.png"), full_page=True)
        while not row.locator("button.verify").count():
            assert time.monotonic() - paid_at < PATIENCE, "the row never became verifiable"
            time.sleep(0.25)
            page.goto(f"{base}/")
        verifiable_after = time.monotonic() - paid_at
        assert int(page.locator("#tree-size").inner_text()) > leaf
        row.locator("button.verify").click()
        verified = row.locator(".result")
        verified.filter(has_text="验证").wait_for(timeout=20_000)
        assert verified.inner_text() == "✔ 验证通过"
        print(f"\npaid grant verifiable on the page {verifiable_after:.1f} s after its 2xx")
        shot = ARTIFACTS / "public-page-verify.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"screenshot (CI artifact): {shot}")
        browser.close()
    outside = [u for u in requested if not u.startswith(base)]
    assert outside == [], outside  # no external network requests


def test_the_department_cadres_section_renders(ledger: Ledger, settings: Settings) -> None:
    """Issue 14's section of the page in a real browser, from a small department's history
    (tests/integration/test_assessment_lists.py History): its heading, a closed lecture's
    figures, a section's quarterly loop, a mentoring pair and a training class's attendance;
    no 评鉴等次 (a section's ratings are personal results, not published)."""
    from tests.integration.assessment_helpers import SECTION
    from tests.integration.test_assessment_lists import History

    sync_playwright = _browser_or_skip()
    _keys(settings)
    History(ledger)
    ledger.log.integrate()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with serving(settings) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(f"{base}/")
        section = page.locator("#department-cadres")
        shown_by = time.monotonic() + PATIENCE  # the projections follow the log in the server
        while section.locator("#lecture-list tr[data-lecture]").count() < 2:
            assert time.monotonic() < shown_by, "the lectures never showed"
            time.sleep(0.2)
            page.goto(f"{base}/")
        assert section.locator("h2").inner_text() == "组工干部平时考核、讲组工、以老带新与培训"
        lectures = section.locator("#lecture-list tbody tr")
        assert lectures.count() == 2
        closed = lectures.filter(has_text="已结束")
        assert closed.count() == 1
        cells = closed.locator("td").all_inner_texts()
        assert cells[:4] == ["2023-04-03", "骨干讲业务", "组工干部0", "干部档案专项审核实务"]
        assert cells[4] == "3" and "84.7" in cells and "87.3" in cells  # forms, overall, test
        loop = section.locator("#loop-list tbody tr").filter(has_text=SECTION).first
        assert "第1季度" in loop.inner_text() and "逾期完成 1" in loop.inner_text()
        assert section.locator("#pair-list tbody tr").count() == 2
        training = section.locator("#training-list tbody tr").filter(has_text="初任培训班")
        assert "3 / — / 1" in training.inner_text()
        assert "评鉴等次" not in section.inner_text()
        page.screenshot(path=str(ARTIFACTS / "public-page-department-cadres.png"), full_page=True)
        browser.close()
