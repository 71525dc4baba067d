"""The clerks' console in a real browser (Debian's chromium through Playwright) against
``gongshi serve`` signing checkpoints on its schedule: the care fund's path with four roles,
each signing in with its own token and finding the item in its 待办 — intake registers the
applicant and submits the application, the industry party committee reviews it, the trade
union approves a tier, finance disburses and watches the records become 已纳入检查点 — and a
township clerk's quarterly score entry in a cadre's points book. No JavaScript is needed:
the pages are plain forms (the browser runs with JavaScript disabled). Screenshots go to
$GONGSHI_ARTIFACTS."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from api.tokens import Tokens
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.log.keys import create_log_key
from ledger.points.config import SchemeConfig
from ledger.points.service import Points
from ledger.principal import Principals
from ledger.settings import Settings
from tests.e2e.server import serving
from tests.e2e.test_page_browser import ARTIFACTS, CHROMIUM, _browser_or_skip
from tests.integration.helpers import funded
from tests.integration.points_helpers import ORGANISATION, cadre_book
from verify.quarters import quarter_of

INTERVAL = 1.0  # GONGSHI_CHECKPOINT_INTERVAL
PATIENCE = 20.0  # seconds for a disbursement's records to be in a witnessed checkpoint
ACCOUNTS = {
    "intake": "intake-01", "committee": "ipc-01", "union": "union-01", "finance": "finance-01",
    "township": "tpc-01",
}  # fmt: skip


@pytest.fixture
def clock() -> SteppingClock:
    """Real time: the served console's 待办 is dated by the server's clock (this quarter)."""
    return SteppingClock(datetime.now(UTC), timedelta(milliseconds=1))


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"console-{name}.png"), full_page=True)


def _signed_in(browser: Any, base: str, token: str) -> Any:
    """A new browser context (its own cookies), JavaScript off, signed in with ``token``."""
    page = browser.new_context(java_script_enabled=False).new_page()
    page.goto(f"{base}/console/")
    assert page.url.endswith("/console/signin")
    page.fill("#token", token)
    page.click("main button[type=submit]")
    assert page.url == f"{base}/console/" and page.locator("h1").inner_text() == "待办"
    return page


def _receipt(page: Any) -> str:
    """The stream of a write's receipt; its records' hashes and leaves are shown."""
    assert page.locator("h1").inner_text().startswith("已办理"), page.content()
    hashes = page.locator("#records td.hash").all_inner_texts()
    assert hashes and all(len(h) == 64 for h in hashes)
    assert all(leaf.isdigit() for leaf in page.locator("#records td.leaf").all_inner_texts())
    stream: str = page.locator("#stream").inner_text()
    return stream


def _act_from_queue(page: Any, base: str, application: str, step: str, action: str) -> None:
    """Find the application in 待办 at ``step``, open it, open the form ``action``."""
    row = page.locator(f"#queue tr[data-step={step}]", has=page.locator(f"text={application}"))
    assert row.count() == 1, page.content()
    row.locator("a").click()
    assert page.url == f"{base}/console/applications/{application}"
    page.click(f"#actions a:has-text('{action}')")


def _until_covered(page: Any) -> None:
    deadline = time.monotonic() + PATIENCE
    while "待纳入检查点" in page.locator("#history").inner_text():
        assert time.monotonic() < deadline, "the records were not in a witnessed checkpoint"
        time.sleep(0.5)
        page.reload()


def test_care_fund_with_four_roles_and_a_score_entry(
    ledger: Ledger, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    sync_playwright = _browser_or_skip()
    monkeypatch.setenv("GONGSHI_CHECKPOINT_INTERVAL", str(INTERVAL))
    create_log_key(settings.log_skey_path, settings.log_vkey_path, settings.origin)
    funded(ledger)  # finance opened the 2023 fund year and received money
    today = ledger.clock().date()
    points = Points(ledger, SchemeConfig(county="taihu", year=today.year))
    points.open_scheme(ORGANISATION)
    book = str(cadre_book(points))
    tokens, registry = Tokens(ledger.db), Principals(ledger)
    token = {k: tokens.issue(registry, a, ledger.clock()) for k, a in ACCOUNTS.items()}
    ledger.log.integrate()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with serving(settings) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = _signed_in(browser, base, token["intake"])
        page.goto(f"{base}/console/forms/subjects")
        page.select_option("[name=kind]", "worker")
        page.fill("[name='personal.name']", "王小五")
        page.click("#submit")
        subject = _receipt(page)
        page.click("a.next:has-text('提交帮扶申请')")  # the new subject filled in
        assert page.input_value("[name=subject]") == subject
        page.fill("[name=year]", "2023")
        page.select_option("[name=industry]", "express_delivery")  # shown as 快递
        page.select_option("[name=hardship]", "illness")  # shown as 因病致困
        page.fill("[name=requested_tier]", "1")
        page.select_option("[name=priority]", "true")
        page.click("#submit")
        application = _receipt(page)
        _shot(page, "1-intake-submitted")

        page = _signed_in(browser, base, token["committee"])
        _act_from_queue(page, base, application, "review", "行业党委审核")
        page.select_option("[name=approve]", "true")
        page.click("#submit")
        assert _receipt(page) == application
        _shot(page, "2-committee-reviewed")

        page = _signed_in(browser, base, token["union"])
        _shot(page, "3-union-queue")
        _act_from_queue(page, base, application, "approval", "工会审批")
        page.fill("[name=tier]", "1")
        page.click("#submit")
        assert _receipt(page) == application
        assert page.locator(".result[data-key=amount_fen]").inner_text() == "50000"

        page = _signed_in(browser, base, token["finance"])
        _act_from_queue(page, base, application, "disbursement", "财政发放")
        page.fill("[name=reference]", "BANK-TX-0001")
        page.click("#submit")
        assert _receipt(page) == application
        _shot(page, "4-finance-receipt")
        page.click("#record-page")
        _until_covered(page)
        assert page.locator("#history tbody tr").count() == 4
        assert (
            page.locator("#history td.checkpoint").all_inner_texts()[0].startswith("已纳入检查点")
        )
        proof = page.locator("#history a:has-text('包含证明')").last.get_attribute("href")
        assert proof == f"/log/v1/records/{application}/4/proof"
        _shot(page, "5-application-history")
        assert f"/console/applications/{application}" not in page.goto(f"{base}/console/").text()

        page = _signed_in(browser, base, token["township"])
        row = page.locator("#queue tr[data-step=score_entry]", has=page.locator(f"text={book}"))
        assert row.count() == 1
        row.locator("a").click()
        page.click("#actions a:has-text('季度记分')")
        page.fill("[name=quarter]", str(quarter_of(today)))
        page.select_option("[name=component]", "evaluation")
        page.fill("[name=points_tenths]", "3.5")  # points, as the clerk writes them
        page.fill("[name=reason]", "季度考评：完成党建任务")
        page.click("#submit")
        assert _receipt(page) == book
        _shot(page, "6-score-entry-receipt")
        page.click("#record-page")
        assert "3.5" in page.locator("#facts").inner_text()
        browser.close()
