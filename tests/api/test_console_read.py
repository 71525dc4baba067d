"""A console item page shows only what the API's GET route would answer the session's
principal (api/console/views.py reads through that route in-process): a role the API refuses
gets the console's 未找到 page (404), with nothing of the item on it; for every role and each
kind of page (application, case, points book, project) the console and the API agree."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from tests.api.conftest import ROLES
from tests.api.test_console import signed_in
from tests.integration.helpers import funded, submitted
from tests.integration.points_helpers import cadre_book, points_ready

Headers = dict[str, dict[str, str]]
API = {
    "applications": "/api/v1/carefund/applications/{}",
    "cases": "/api/v1/supervision/cases/{}",
    "projects": "/api/v1/supervision/projects/{}",
    "points-books": "/api/v1/points/taihu/2023/books/{}",
}


def _items(
    client: TestClient, tokens: Headers, ledger: Ledger, clock: SteppingClock
) -> dict[str, str]:
    """One item of each kind: the API's write answers' streams."""
    application = str(submitted(funded(ledger)))
    book = str(cadre_book(points_ready(ledger, clock)))
    case = {"target_kind": "unit", "target": "水利局", "reason": "complaint",
            "detail": "群众反映工程进度滞后", "county": "taihu"}  # fmt: skip
    opened = client.post("/api/v1/supervision/cases", json=case, headers=tokens["supervision"])
    project = {"name": "人才引进工作优化", "owner_unit": "县委组织部人才工作科",
               "county": "taihu", "lead": "org-01", "year": 2023,
               "items": [{"item": "m1", "title": "选址", "due": "2023-03-31"}]}  # fmt: skip
    made = client.post("/api/v1/supervision/projects", json=project,
                       headers=tokens["organisation_department"])  # fmt: skip
    assert opened.status_code == made.status_code == 201, (opened.text, made.text)
    return {
        "applications": application, "points-books": book,
        "cases": opened.json()["evidence"]["stream"], "projects": made.json()["evidence"]["stream"],
    }  # fmt: skip


def test_an_application_page_refused_by_the_api_is_not_found_in_the_console(
    client: TestClient, tokens: Headers, ledger: Ledger
) -> None:
    application = str(submitted(funded(ledger)))
    url = f"/api/v1/carefund/applications/{application}"
    assert client.get(url, headers=tokens["township_party_committee"]).status_code == 403
    browser, _ = signed_in(client, tokens["township_party_committee"])
    page = browser.get(f"/console/applications/{application}")
    assert page.status_code == 404
    assert "未找到" in page.text and "express_delivery" not in page.text
    assert 'id="history"' not in page.text and "快递" not in page.text
    committee, _ = signed_in(client, tokens["industry_party_committee"])
    shown = committee.get(f"/console/applications/{application}")
    assert shown.status_code == 200 and 'id="history"' in shown.text


@pytest.mark.parametrize("kind", sorted(API))
def test_each_kinds_page_follows_the_apis_answer_for_every_role(
    client: TestClient, tokens: Headers, ledger: Ledger, clock: SteppingClock, kind: str
) -> None:
    stream = _items(client, tokens, ledger, clock)[kind]
    agreed: list[tuple[str, int, int]] = []
    for role in ROLES:
        api = client.get(API[kind].format(stream), headers=tokens[role]).status_code
        browser, _ = signed_in(client, tokens[role])
        console = browser.get(f"/console/{kind}/{stream}").status_code
        agreed.append((role, api, console))
        assert (api == 200) == (console == 200) and console in (200, 404), agreed
    refused: Any = [role for role, api, _ in agreed if api != 200]
    if kind == "applications":  # the care fund's readers only (api/routes/carefund.py READERS)
        assert "township_party_committee" in refused and "intake" not in refused
