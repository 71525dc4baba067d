"""Public reads are decided on the server's date; another ``today`` is for the audit role only.

Three grants are paid on 2023-03-01; the server's clock then moves to 2023-05-01, past their
posting window, so the public sees none of them. Naming 2023-03-02 would list them again:
only an auditor's token may. Each rejection below fails if the check is removed (the
anonymous or non-audit reader would get 200 and the grants)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from tests.api.conftest import ROLES, settle
from tests.integration.helpers import disbursed, funded

Headers = dict[str, dict[str, str]]
PROBLEM = "application/problem+json"
SERVER = date(2023, 5, 1)
PAST = "2023-03-02"  # inside the grants' posting window
DATED = ("disbursements", "fund-ledger", "supervision", "key-projects", "assessment-loops")


@pytest.fixture
def grants(ledger: Ledger, client: TestClient, clock: SteppingClock, tokens: Headers) -> set[str]:
    """Three grants paid on 2023-03-01, the server's clock then at SERVER (tokens made
    first, so that they exist on either date)."""
    fund = funded(ledger)
    paid = {str(disbursed(fund, tier)) for tier in (1, 2, 1)}
    settle(client)
    clock.set(datetime(SERVER.year, SERVER.month, SERVER.day, 9, tzinfo=UTC))
    return paid


def _listed(body: dict[str, object]) -> set[str]:
    rows = body.get("rows")
    assert isinstance(rows, list)
    return {str(r["application"]) for r in rows}


def test_anonymous_other_date_is_401_and_lists_nothing(
    client: TestClient, grants: set[str]
) -> None:
    for name in DATED:
        response = client.get(f"/api/v1/public/{name}", params={"today": PAST})
        assert response.status_code == 401, (name, response.text)
        assert response.headers["content-type"] == PROBLEM
        assert response.headers["www-authenticate"] == "Bearer"
        body = response.json()
        assert "rows" not in body and "open" not in body
        assert str(SERVER) in body["evidence"] and "audit" in body["evidence"]
    bad = client.get("/api/v1/public/disbursements", params={"today": PAST},
                     headers={"Authorization": "Bearer gst_" + "x" * 43})  # fmt: skip
    assert bad.status_code == 401 and "rows" not in bad.json()


@pytest.mark.parametrize("role", [r for r in ROLES if r != "audit"])
def test_another_role_is_403_naming_the_rule(
    client: TestClient, grants: set[str], tokens: Headers, role: str
) -> None:
    for name in DATED:
        response = client.get(f"/api/v1/public/{name}", params={"today": PAST},
                              headers=tokens[role])  # fmt: skip
        assert response.status_code == 403, (name, response.text)
        assert response.headers["content-type"] == PROBLEM
        body = response.json()
        assert body["rule"] == "public.reader_date" and "rows" not in body
        assert ROLES[role] in body["evidence"]


def test_audit_token_reads_the_past_list(
    client: TestClient, grants: set[str], tokens: Headers
) -> None:
    response = client.get("/api/v1/public/disbursements", params={"today": PAST},
                          headers=tokens["audit"])  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json()["decided_on"] == PAST and _listed(response.json()) == grants
    for name in DATED[1:]:
        other = client.get(f"/api/v1/public/{name}", params={"today": PAST},
                           headers=tokens["audit"])  # fmt: skip
        assert other.status_code == 200 and other.json()["decided_on"] == PAST


def test_the_server_date_is_for_anyone(client: TestClient, grants: set[str]) -> None:
    for params in ({}, {"today": SERVER.isoformat()}):
        for name in DATED:
            response = client.get(f"/api/v1/public/{name}", params=params)
            assert response.status_code == 200, (name, params, response.text)
            assert response.json()["decided_on"] == SERVER.isoformat()
        listed = client.get("/api/v1/public/disbursements", params=params).json()
        assert listed["total"] == 0 and listed["rows"] == []  # past the posting window


def test_the_page_refuses_another_date_in_chinese(
    client: TestClient, grants: set[str], tokens: Headers
) -> None:
    anonymous = client.get("/", params={"today": PAST})
    assert anonymous.status_code == 401, anonymous.text
    assert anonymous.headers["content-type"].startswith("text/html")
    assert anonymous.headers["www-authenticate"] == "Bearer"
    assert "公示期按服务器日期" in anonymous.text and str(SERVER) in anonymous.text
    assert not any(case in anonymous.text for case in grants)
    village = client.get("/", params={"today": PAST}, headers=tokens["village_committee"])
    assert village.status_code == 403 and "不是审计角色" in village.text
    assert not any(case in village.text for case in grants)
    audited = client.get("/", params={"today": PAST}, headers=tokens["audit"])
    assert audited.status_code == 200 and all(case in audited.text for case in grants)
    assert 'name="today"' in audited.text  # the auditor's filters keep the date
    plain = client.get("/")
    assert plain.status_code == 200 and not any(case in plain.text for case in grants)
    assert 'name="today"' not in plain.text  # the public's forms name no date


def _step_back(client: TestClient, path: str, headers: dict[str, str]) -> tuple[set[int], str]:
    """Every status and all the text seen stepping ``today`` back 29 days at a time from
    the server's date, for two years."""
    statuses, texts = set(), []
    for step in range(1, 26):
        day = (SERVER - timedelta(days=29 * step)).isoformat()
        response = client.get(path, params={"today": day}, headers=headers)
        statuses.add(response.status_code)
        texts.append(response.text)
    return statuses, "\n".join(texts)


def test_stepping_back_29_days_at_a_time_gets_nothing(
    client: TestClient, grants: set[str], tokens: Headers
) -> None:
    for path in ("/api/v1/public/disbursements", "/"):
        statuses, text = _step_back(client, path, {})
        assert statuses == {401}, path
        assert not any(case in text for case in grants), path
    # the same steps with an auditor's token do find them: the attack worked without the check
    _, text = _step_back(client, "/api/v1/public/disbursements", tokens["audit"])
    assert all(case in text for case in grants)
