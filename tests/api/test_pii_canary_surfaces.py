"""Canary personal data in through every channel issue 15 added — a grant's applicant
(API), a public objection's contact and text, an applicant imported from a spreadsheet — and
out through none of its surfaces: any GET route with its path filled (notices, the posting's
public read, one subject's public part), every public list exported as CSV and XLSX, the page
with ``?verify=``, the objection form, the answers to the objection and the import, the
console's pages, and the server's log lines."""

from __future__ import annotations

import io
import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from ledger.clock import SteppingClock
from tests.api.conftest import settle
from tests.api.test_authorisation import _all_routes
from tests.api.test_console import signed_in
from tests.api.test_pii_canary import CANARY, NOTE, paid_canary_grant
from tests.integration.posting_helpers import END, FUND, HOW, START, UNIT_NAME, at
from tests.support.sheets import CAREFUND_HEADER, application_row, csv_file

Headers = dict[str, dict[str, str]]
OBJECTOR = {"name": "金丝雀异议人", "phone": "13900008888", "address": "安庆市金丝雀异议路1号"}
OBJECTION = "金丝雀异议内容：邻居家境殷实"
IMPORTED = {"name": "金丝雀导入人", "phone": "13900007777", "hardship_details": "金丝雀导入病情"}
SECRETS = (*CANARY.values(), NOTE, "丝雀测试", *OBJECTOR.values(), OBJECTION, *IMPORTED.values())
POSTING = ("carefund", FUND, "2023")


def _objected(client: TestClient, clock: SteppingClock, union: dict[str, str]) -> Any:
    body = {"kind": "carefund", "scope": FUND, "year": 2023, "issuing_unit": UNIT_NAME,
            "period_start": START.isoformat(), "period_end": END.isoformat(),
            "answer_days": 7, "how_to_object": HOW}  # fmt: skip
    assert client.post("/api/v1/postings", json=body, headers=union).status_code == 201
    at(clock, START)
    answer = client.post(
        f"/api/v1/public/postings/carefund/{FUND}/2023/objections",
        json={"contact": OBJECTOR, "text": OBJECTION, "category": "eligibility"},
    )
    assert answer.status_code == 201, answer.text
    return answer


def _imported(client: TestClient, intake: dict[str, str]) -> Any:
    row = application_row(IMPORTED["name"], phone=IMPORTED["phone"],
                          hardship_details=IMPORTED["hardship_details"])  # fmt: skip
    answer = client.post(
        "/api/v1/imports/carefund-applications",
        content=csv_file([CAREFUND_HEADER, row]),
        headers={**intake, "Content-Type": "text/csv"},
    )
    assert answer.status_code == 201, answer.text
    return answer


def _filled(path: str, ids: dict[str, str]) -> str | None:
    """``path`` with its parameters filled from ``ids``, None if one is unknown."""
    for name, value in ids.items():
        path = path.replace("{" + name + "}", value)
    return None if "{" in path else path


def _cells(xlsx: bytes) -> str:
    book = load_workbook(io.BytesIO(xlsx), read_only=True)
    return "\n".join(
        str(value) for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True) for value in row if value is not None
    )  # fmt: skip


def test_no_surface_of_the_console_exports_notices_or_objections_returns_personal_data(
    client: TestClient, tokens: Headers, clock: SteppingClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    application = paid_canary_grant(client, tokens)
    subject = client.get(f"/api/v1/carefund/applications/{application}",
                         headers=tokens["trade_union"]).json()["subject"]  # fmt: skip
    bodies = [_objected(client, clock, tokens["trade_union"]).text,
              _imported(client, tokens["intake"]).text]  # fmt: skip
    settle(client)
    ids = {"kind": POSTING[0], "scope": POSTING[1], "year": POSTING[2],
           "application": application, "subject": subject, "county": "taihu",
           "objection": "1"}  # fmt: skip
    audit = tokens["audit"]
    for route in _all_routes(client.app.routes):  # type: ignore[attr-defined]
        template = getattr(route, "path", "")
        path = _filled(template, ids)
        if path is None or "GET" not in getattr(route, "methods", ()):
            continue
        bodies += [client.get(path).text, client.get(path, headers=audit).text]
        if path.startswith("/api/v1/public/") and "{" not in template:  # a public list
            csv = client.get(path, params={"format": "csv"})
            xlsx = client.get(path, params={"format": "xlsx"})
            assert csv.status_code == xlsx.status_code == 200, (path, csv.text, xlsx.text)
            assert csv.content.startswith(b"\xef\xbb\xbf"), path
            bodies += [csv.content.decode("utf-8-sig"), _cells(xlsx.content)]
    kind, scope, year = POSTING
    for page in (f"/notices/{kind}/{scope}/{year}", f"/?verify={kind}:{scope}:{year}", "/",
                 f"/objections/new?kind={kind}&scope={scope}&year={year}"):  # fmt: skip
        answer = client.get(page)
        assert answer.status_code == 200, (page, answer.text)
        bodies.append(answer.text)
    browser, _ = signed_in(client, tokens["trade_union"])
    for page in ("/console/", "/console/forms", f"/console/applications/{application}"):
        answer = browser.get(page)
        assert answer.status_code == 200, (page, answer.text)
        bodies.append(answer.text)
    text = "\n".join([*bodies, *(r.getMessage() for r in caplog.records)])
    assert "金*" in text and "异议" in text  # the masked name and the objection's row are there
    for value in SECRETS:
        assert value not in text, value
