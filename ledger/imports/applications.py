"""One care-fund applicant from an imported file, as the domain records it: the applicant
registered as a subject (its personal data already in the vault under ``subject``, the record
holding the commitment), the application submitted, and the fund year's queue entry — the
pair ``ApplicationSubmitted`` / ``ApplicationQueued`` next to each other in the log, as
ledger/carefund/service.py writes them (the verifier's ``carefund.pair``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from ledger.actor import Actor
from ledger.carefund.application import Application
from ledger.carefund.config import Hardship, Industry
from ledger.carefund.fund import FundYear
from ledger.subject import Subject


def applicant(
    *, fund: FundYear, subject: UUID, commitment: str, application: UUID, industry: Industry,
    hardship: Hardship, requested_tier: int, priority: bool, actor: Actor, moment: datetime,
) -> tuple[Subject, Application]:  # fmt: skip
    """The subject and the application (pending, not saved); the queue entry is pending in
    ``fund``. The domain's RuleViolation for a role, tier or value it refuses."""
    fund.tier_amount(requested_tier)
    person = Subject._start(Subject.Registered, id=subject, actor=actor, moment=moment,
                            commitment=commitment, kind="worker")  # fmt: skip
    submitted = Application.submit(
        id=application, fund_year=fund.id, subject=subject, industry=industry,
        hardship=hardship, requested_tier=requested_tier, priority=priority, actor=actor,
        moment=moment,
    )  # fmt: skip
    fund.enqueue(submitted.id, priority, requested_tier, actor, moment)
    return person, submitted


def in_log_order(done: list[tuple[Subject, Application]], funds: Iterable[FundYear]) -> list[Any]:
    """What to save, in order: each subject, its application and the application's queue
    entry (taken out of its fund year's pending records) right after it."""
    queued: dict[str, Any] = {}
    for fund in funds:
        for event in fund.collect_events():
            queued[str(getattr(event, "application", ""))] = event
    found: list[Any] = []
    for person, submitted in done:
        found += [person, submitted, queued[str(submitted.id)]]
    return found
