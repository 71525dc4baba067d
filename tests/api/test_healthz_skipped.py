"""/healthz lists what the server's jobs skipped and will try again (an overdue project the
daily escalation was refused, an erasure that failed): the server stays 200, the items are
named by their pseudonymous ids and the error's kind (rule), never the error's text."""

from __future__ import annotations

from uuid import UUID

from fastapi.testclient import TestClient

from ledger.supervision.escalation import DailyEscalation
from projections.erasure import ErasureBatch, ErasureJob

PROJECT = UUID("00000000-0000-4000-8000-000000000001")
SUBJECT = "00000000-0000-4000-8000-000000000002"


def test_skipped_project_and_erasure_are_listed_without_their_text(client: TestClient) -> None:
    services = client.app.state.services  # type: ignore[attr-defined]
    ledger = services.ledger
    daily = DailyEscalation(ledger.app, ledger.clock, ledger.new_id, interval=3600)
    daily.failed = {PROJECT: "RuleViolation: [principal.role] policy-keyproject holds role audit"}
    erasure = ErasureJob(ledger, services.settings)
    erasure.last = ErasureBatch(failed={SUBJECT: "OSError: 王某 disk full"})
    services.followers.extend([daily, erasure])
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.json()["status"] == "ok"
    assert answer.json()["skipped"] == [
        {
            "job": "gongshi-escalation",
            "item": str(PROJECT),
            "error": "RuleViolation [principal.role]",
        },
        {"job": "gongshi-erasure", "item": SUBJECT, "error": "OSError"},
    ]
    assert "王某" not in answer.text and "holds role" not in answer.text


def test_nothing_skipped_is_an_empty_list(client: TestClient) -> None:
    assert client.get("/healthz").json()["skipped"] == []
