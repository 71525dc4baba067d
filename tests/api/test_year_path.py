"""Issue 12 item 6: integers in paths are ASCII digits. ``/years/2024.0/contributions`` was
taken as 2024 and wrote; every integer path parameter of the write routes now refuses
anything but [0-9] with 422 problem+json, and nothing is stored."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

Headers = dict[str, dict[str, str]]
MONEY = {"source": "trade_union", "amount_fen": 1000, "reference": "R-1"}
NOT_DIGITS = ["2024.0", "+2024", "２０２４", "%202024", "2024%20", "2_024", "٢٠٢٤", "2024e0"]


def _count(client: TestClient) -> int:
    ledger = client.app.state.services.ledger  # type: ignore[attr-defined]
    return len(ledger.app.recorder.select_notifications(start=1, limit=1_000_000))


@pytest.mark.parametrize("year", NOT_DIGITS)
def test_a_year_that_is_not_ascii_digits_is_422_and_writes_nothing(
    client: TestClient, tokens: Headers, year: str
) -> None:
    opened = client.post("/api/v1/carefund/years", json={"year": 2024}, headers=tokens["finance"])
    assert opened.status_code == 201
    before = _count(client)
    writes = [
        (f"/api/v1/carefund/years/{year}/contributions", MONEY, "finance"),
        (f"/api/v1/carefund/years/{year}/audit-results",
         {"title": "审计", "conclusion": "合规", "findings": []}, "audit"),
        # schemes are opened by the county's organisation department (issue 13 item 5)
        (f"/api/v1/points/taihu/{year}/scheme", None, "organisation_department"),
    ]  # fmt: skip
    for path, body, role in writes:
        response = client.post(path, json=body, headers=tokens[role])
        assert response.status_code == 422, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert any(e["loc"][-1] == "year" for e in response.json()["errors"]), response.text
    assert _count(client) == before
    # The same writes with the year in ASCII digits are accepted.
    ok = client.post("/api/v1/carefund/years/2024/contributions", json=MONEY,
                     headers=tokens["finance"])  # fmt: skip
    assert ok.status_code == 201, ok.text
    scheme = client.post("/api/v1/points/taihu/2024/scheme",
                         headers=tokens["organisation_department"])  # fmt: skip
    assert scheme.status_code == 201, scheme.text
