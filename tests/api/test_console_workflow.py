"""The care fund's path through the console, four roles each in its own session: finance
opens the year, intake registers the applicant and submits; the committee, the union and
finance each find the application in 待办 and act on its page. Each write shows its receipt
(the API's record hashes and leaves; 待纳入检查点 until a checkpoint covers the leaf, then
已纳入检查点); a refused write shows the problem and its rule on the form with the values
kept, nothing stored; the application's history lists every record's hash, leaf and proof."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from ledger.ledger import Ledger
from ledger.log.checkpoints import sign_checkpoint
from ledger.log.witnesses import declared_policy
from ledger.settings import Settings
from tests.api.conftest import settle
from tests.api.test_console import send, signed_in, stored
from tests.integration.helpers import log_signer

Headers = dict[str, dict[str, str]]
STREAM = re.compile(r'<code id="stream">([0-9a-f-]{36})</code>')
HASH = re.compile(r'<td class="hash">([0-9a-f]{64})</td>')
LEAF = re.compile(r'<td class="leaf">(\d+)</td>')


def _written(answer: Any) -> tuple[str, list[str], list[int]]:
    """The receipt's stream, record hashes and leaves."""
    assert answer.status_code in (200, 201), answer.text
    stream = STREAM.search(answer.text)
    assert stream is not None, answer.text
    return stream[1], HASH.findall(answer.text), [int(n) for n in LEAF.findall(answer.text)]


def _submitted(client: TestClient, tokens: Headers) -> str:
    finance, csrf = signed_in(client, tokens["finance"])
    _written(send(finance, csrf, "carefund.years", year=2023))
    money = {"year": 2023, "source": "trade_union", "amount_fen": "20000", "reference": "R-1"}
    _written(send(finance, csrf, "carefund.years.year.contributions", **money))
    intake, csrf = signed_in(client, tokens["intake"])
    person = {"kind": "worker", "personal.name": "欧阳娜娜", "personal.phone": "13912345678"}
    registered = send(intake, csrf, "subjects", **person)
    subject, _, _ = _written(registered)
    assert f'href="/console/forms/carefund.applications?subject={subject}"' in registered.text
    application = {
        "year": 2023, "subject": subject, "industry": "express_delivery", "hardship": "illness",
        "requested_tier": 1, "priority": "false",
    }  # fmt: skip
    stream, hashes, leaves = _written(send(intake, csrf, "carefund.applications", **application))
    assert len(hashes) >= 1 and len(leaves) == len(hashes)
    return stream


def _from_queue(client: TestClient, header: dict[str, str], application: str, step: str) -> Any:
    """Sign in, find the application in 待办 at ``step``, open its page; the browser, its
    CSRF token and the page."""
    browser, csrf = signed_in(client, header)
    home = browser.get("/console/").text
    assert f'data-step="{step}"' in home and f"/console/applications/{application}" in home
    page = browser.get(f"/console/applications/{application}")
    assert page.status_code == 200
    return browser, csrf, page.text


def test_the_care_fund_path_through_the_console(
    client: TestClient, tokens: Headers, ledger: Ledger, settings: Settings
) -> None:
    application = _submitted(client, tokens)
    ipc, csrf, page = _from_queue(client, tokens["industry_party_committee"], application, "review")
    assert f"carefund.applications.application.review?application={application}" in page
    _written(send(ipc, csrf, "carefund.applications.application.review",
                  application=application, approve="true"))  # fmt: skip
    union, csrf, _ = _from_queue(client, tokens["trade_union"], application, "approval")
    approved = send(union, csrf, "carefund.applications.application.approval",
                    application=application, tier=1)  # fmt: skip
    _written(approved)
    assert 'data-key="amount_fen">50000</code>（500.00 元）' in approved.text
    finance, csrf, page = _from_queue(client, tokens["finance"], application, "disbursement")
    paid = send(finance, csrf, "carefund.applications.application.disbursement",
                application=application, reference="TX-0001")  # fmt: skip
    stream, hashes, leaves = _written(paid)
    assert stream == application and "待纳入检查点" in paid.text
    assert f'href="/log/v1/records/{application}/4/proof"' in paid.text
    assert f"/console/applications/{application}" not in finance.get("/console/").text

    settle(client)
    signer = log_signer(settings, settings.origin)
    policy = declared_policy(settings.home, signer.verifier)  # no witness keys: quorum none
    assert sign_checkpoint(ledger.log, signer, settings.origin, ledger.clock, policy) is not None
    history = finance.get(f"/console/applications/{application}").text
    assert HASH.findall(history)[-1] == hashes[-1]
    assert [int(n) for n in LEAF.findall(history)][-1] == leaves[-1]
    assert len(HASH.findall(history)) == 4 and "待纳入检查点" not in history
    assert history.count("已纳入检查点") == 4
    for version in (1, 2, 3, 4):
        assert f"/log/v1/records/{application}/{version}/proof" in history
        proof = client.get(f"/log/v1/records/{application}/{version}/proof")
        assert proof.status_code == 200


def test_a_refused_write_shows_its_rule_and_keeps_the_values(
    client: TestClient, tokens: Headers
) -> None:
    application = _submitted(client, tokens)
    finance, csrf = signed_in(client, tokens["finance"])
    before = stored(client)
    answer = send(finance, csrf, "carefund.applications.application.disbursement",
                  application=application, reference="TX-早了")  # fmt: skip
    assert answer.status_code == 409
    assert '<code id="rule">carefund.order</code>' in answer.text
    assert 'value="TX-早了"' in answer.text and f'value="{application}"' in answer.text
    assert stored(client) == before
    intake, csrf = signed_in(client, tokens["intake"])
    invalid = send(intake, csrf, "carefund.applications", year="二〇二三", industry="food_delivery")
    assert invalid.status_code == 422 and 'value="二〇二三"' in invalid.text
    assert "subject" in invalid.text and 'id="problem"' in invalid.text
    assert stored(client) == before


def test_a_form_sent_twice_writes_once(client: TestClient, tokens: Headers) -> None:
    intake, csrf = signed_in(client, tokens["intake"])
    page = intake.get("/console/forms/subjects").text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page)
    assert key is not None
    data = {"csrf": csrf, "idempotency_key": key[1], "kind": "worker", "personal.name": "李四"}
    first = intake.post("/console/forms/subjects", data=data)
    before = stored(client)
    again = intake.post("/console/forms/subjects", data=data)
    assert _written(first)[:2] == _written(again)[:2] and stored(client) == before
    assert "重复提交" in again.text


def test_an_unknown_page_is_a_chinese_404(client: TestClient, tokens: Headers) -> None:
    browser, _ = signed_in(client, tokens["finance"])
    for path in ("applications/not-a-stream", "applications/" + "0" * 8 + "-0000-4000-8000-"
                 + "0" * 12, "nothing/" + "0" * 8, "forms/no.such.form"):  # fmt: skip
        answer = browser.get(f"/console/{path}")
        assert answer.status_code == 404 and "未找到" in answer.text, path
