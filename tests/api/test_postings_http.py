"""An objection's full cycle over HTTP (issue 15 item 3): the trade union opens the care
fund's 2023 posting; a member of the public objects without a token (API and the form page);
the objection is listed waiting, answered by the union, listed with its answer; a close with
an unanswered objection is refused (409 ``posting.unanswered``, nothing stored); after the
answers the posting closes. An objection outside the period is refused; the objector's name,
phone and text appear in no public answer."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient

from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from tests.api.conftest import settle
from tests.integration.helpers import funded, stored_count
from tests.integration.posting_helpers import END, FUND, HOW, START, UNIT_NAME, at

POSTING = f"carefund/{FUND}/2023"
NAME, PHONE, TEXT = "赵异议", "13700001111", "第1号申请人家庭条件并不困难"
SECRETS = (NAME, PHONE, TEXT)


def opened(client: TestClient, union: dict[str, str]) -> None:
    body = {"kind": "carefund", "scope": FUND, "year": 2023, "issuing_unit": UNIT_NAME,
            "period_start": START.isoformat(), "period_end": END.isoformat(),
            "answer_days": 7, "how_to_object": HOW}  # fmt: skip
    answer = client.post("/api/v1/postings", json=body, headers=union)
    assert answer.status_code == 201, answer.text


def objection(client: TestClient, text: str = TEXT) -> Any:
    body = {"contact": {"name": NAME, "phone": PHONE}, "text": text, "category": "eligibility"}
    return client.post(f"/api/v1/public/postings/{POSTING}/objections", json=body)


def public(client: TestClient) -> list[str]:
    """Every public answer about the posting, as text."""
    settle(client)
    return [client.get(path).text for path in
            ("/api/v1/public/objections", f"/api/v1/public/postings/{POSTING}",
             f"/objections/new?kind=carefund&scope={FUND}&year=2023")]  # fmt: skip


def test_an_objection_from_submission_to_answer_and_the_close(
    client: TestClient, tokens: dict[str, dict[str, str]], ledger: Ledger, clock: SteppingClock
) -> None:
    union = tokens["trade_union"]
    funded(ledger)
    opened(client, union)
    at(clock, date(2023, 3, 2))
    submitted = objection(client)
    assert submitted.status_code == 201, submitted.text
    result = submitted.json()
    assert result["result"]["number"] == 1 and result["evidence"]["leaf_index"] is not None
    settle(client)
    rows = client.get("/api/v1/public/objections", params={"kind": "carefund"}).json()
    assert (rows["total"], rows["offset"], rows["limit"]) == (1, 0, 50)
    assert rows["rows"][0]["status"] == "waiting" and rows["rows"][0]["answer_due"] == "2023-03-09"
    objection_id = rows["rows"][0]["objection"]

    at(clock, date(2023, 3, 4))
    second = objection(client, "评审过程未公开")
    assert second.json()["result"]["number"] == 2
    answer = "经核实，该申请人因病致困，符合帮扶条件，维持原审批结果。"
    answered = client.post(f"/api/v1/postings/{POSTING}/objections/{objection_id}/answer",
                           json={"answer": answer}, headers=union)  # fmt: skip
    assert answered.status_code == 201, answered.text
    assert answered.json()["result"] == {"number": 1, "late": False}

    at(clock, END + timedelta(days=1))
    before = stored_count(ledger)
    refused = client.post(f"/api/v1/postings/{POSTING}/close", headers=union)
    assert refused.status_code == 409 and refused.json()["rule"] == "posting.unanswered"
    assert stored_count(ledger) == before
    late = client.post(f"/api/v1/postings/{POSTING}/objections/2/answer",
                       json={"answer": "评审结果已按规定公示。"}, headers=union)  # fmt: skip
    assert late.json()["result"] == {"number": 2, "late": False}  # due 11 March: on time
    closed = client.post(f"/api/v1/postings/{POSTING}/close", headers=union)
    assert closed.status_code == 201, closed.text

    settle(client)
    view = client.get(f"/api/v1/public/postings/{POSTING}").json()
    assert view["status"] == "closed" and (view["unanswered"], view["overdue"]) == (0, 0)
    assert [o["answer"] for o in view["objections"]] == [answer, "评审结果已按规定公示。"]
    assert [o["status"] for o in view["objections"]] == ["answered", "answered"]
    for text in public(client):
        for secret in SECRETS:
            assert secret not in text


def test_an_objection_outside_the_period_is_refused_and_nothing_stored(
    client: TestClient, tokens: dict[str, dict[str, str]], ledger: Ledger, clock: SteppingClock
) -> None:
    funded(ledger)
    opened(client, tokens["trade_union"])
    vault = "SELECT COUNT(*) FROM gongshi_vault_subjects"
    for day in (START - timedelta(days=1), END + timedelta(days=1)):
        at(clock, day)
        before, subjects = stored_count(ledger), ledger.db.execute(vault, ())[0][0]
        refused = objection(client)
        assert refused.status_code == 409 and refused.json()["rule"] == "posting.period"
        assert (stored_count(ledger), ledger.db.execute(vault, ())[0][0]) == (before, subjects)


def test_an_answer_naming_the_objector_is_refused(
    client: TestClient, tokens: dict[str, dict[str, str]], ledger: Ledger
) -> None:
    funded(ledger)
    opened(client, tokens["trade_union"])
    objection(client)
    refused = client.post(f"/api/v1/postings/{POSTING}/objections/1/answer",
                          json={"answer": f"已电话{PHONE}答复"},
                          headers=tokens["trade_union"])  # fmt: skip
    assert refused.status_code == 409 and refused.json()["rule"] == "posting.personal"
    other = client.post(f"/api/v1/postings/{POSTING}/objections/1/answer",
                        json={"answer": "已核实"}, headers=tokens["finance"])  # fmt: skip
    assert other.status_code == 403


def test_the_form_page_takes_an_objection_without_javascript(
    client: TestClient, tokens: dict[str, dict[str, str]], ledger: Ledger, clock: SteppingClock
) -> None:
    funded(ledger)
    opened(client, tokens["trade_union"])
    settle(client)
    url = f"/objections/new?kind=carefund&scope={FUND}&year=2023"
    form = client.get(url)
    assert form.status_code == 200 and "提交异议" in form.text and UNIT_NAME in form.text
    assert "<script" not in form.text
    fields = {"category": "amount", "about": "", "text": TEXT, "name": NAME, "phone": "",
              "address": ""}  # fmt: skip
    missing = client.post(url, data=fields)
    assert missing.status_code == 409 and "请填写有效的联系电话" in missing.text
    assert TEXT in missing.text  # what was typed stays in the form
    done = client.post(url, data=fields | {"phone": PHONE})
    assert done.status_code == 201 and "编号第 1 号" in done.text
    assert re.search(r"记录哈希：<code>[0-9a-f]{64}</code>", done.text)  # the receipt
    assert re.search(r"日志叶序号：[0-9]+", done.text) and PHONE not in done.text
    settle(client)
    receipt = client.get("/api/v1/public/objections").json()["rows"][0]
    assert receipt["category"] == "amount"
    assert client.get("/objections/new?kind=points&scope=taihu&year=2023").status_code == 404


def test_a_retried_submission_with_its_idempotency_key_is_one_objection(
    client: TestClient, tokens: dict[str, dict[str, str]], ledger: Ledger
) -> None:
    """The anonymous route's keys are the public channel's (api/idempotency.py public_write)."""
    funded(ledger)
    opened(client, tokens["trade_union"])
    body = {"contact": {"phone": PHONE}, "text": TEXT, "category": "other"}
    path, key = f"/api/v1/public/postings/{POSTING}/objections", {"Idempotency-Key": "k-1"}
    first = client.post(path, json=body, headers=key)
    after = stored_count(ledger)
    again = client.post(path, json=body, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true" and again.content == first.content
    assert stored_count(ledger) == after
    other = client.post(path, json=body | {"text": "另一条异议"}, headers=key)
    assert other.status_code == 422 and stored_count(ledger) == after
    fresh = client.post(path, json=body, headers={"Idempotency-Key": "k-2"})
    assert fresh.json()["result"]["number"] == 2


def test_the_public_reads_answer_on_a_fresh_server(client: TestClient) -> None:
    """Before the followers ran (no projection table yet): an empty page and 404s, not 500."""
    empty = client.get("/api/v1/public/objections")
    assert empty.status_code == 200 and (empty.json()["total"], empty.json()["rows"]) == (0, [])
    assert client.get(f"/api/v1/public/postings/{POSTING}").status_code == 404
    assert client.get(f"/objections/new?kind=carefund&scope={FUND}&year=2023").status_code == 404
