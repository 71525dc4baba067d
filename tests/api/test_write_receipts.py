"""A write's answer is its own receipt: the stream, version, hash and leaf of the records the
request saved, never the stream's newest record read back afterwards (issue 12, item 4)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi.testclient import TestClient

from ledger.ledger import Ledger

Headers = dict[str, dict[str, str]]
WRITERS = 8
EACH = 6


def _ledger(client: TestClient) -> Ledger:
    found: Ledger = client.app.state.services.ledger  # type: ignore[attr-defined]
    return found


def _record_at(client: TestClient, leaf: int) -> dict[str, Any]:
    data = _ledger(client).log.leaf_data(leaf)
    assert data is not None, f"leaf {leaf} is not in the log"
    record: dict[str, Any] = json.loads(data)
    return record


def test_eight_writers_on_one_stream_each_get_their_own_record(
    client: TestClient, tokens: Headers
) -> None:
    finance = tokens["finance"]
    opened = client.post("/api/v1/carefund/years", json={"year": 2023}, headers=finance)
    assert opened.status_code == 201, opened.text
    fund = opened.json()["evidence"]["stream"]

    def contribute(n: int) -> tuple[str, dict[str, Any]]:
        reference = f"R-{n:03d}"
        money = {"source": "trade_union", "amount_fen": 1000 + n, "reference": reference}
        response = client.post(
            "/api/v1/carefund/years/2023/contributions", json=money, headers=finance
        )
        assert response.status_code == 201, response.text
        return reference, response.json()["evidence"]

    with ThreadPoolExecutor(WRITERS) as pool:
        answers = list(pool.map(contribute, range(WRITERS * EACH)))

    wrong = []
    for reference, evidence in answers:
        assert evidence["stream"] == fund
        record = _record_at(client, evidence["leaf_index"])
        if (
            record["data"].get("reference") != reference
            or record["version"] != evidence["version"]
            or record["stream"] != evidence["stream"]
        ):
            wrong.append((reference, evidence["version"], record["data"].get("reference")))
    assert wrong == [], f"{len(wrong)} of {len(answers)} answers describe another record"
    versions = sorted(e["version"] for _, e in answers)
    assert versions == list(range(2, 2 + WRITERS * EACH))
