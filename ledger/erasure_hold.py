"""What keeps an approved erasure waiting: a subject's open public duties (docs/FORMAT.md §5).

PIPL art. 47 lets a handler keep what a law requires it to keep; the newsletter's cadres are
named on the points and supervision lists as public duty ("销号管理": a bottom-ranked cadre's
case is closed only after rectification), and a grant is posted (公示) by name. So a subject
keeps its name while it is the ``target`` of a supervision case not yet closed
(``supervision.CaseOpened`` without ``supervision.CaseClosed``) or the ``subject`` of a
care-fund application not yet decided and paid (``carefund.ApplicationSubmitted`` without
``GrantDisbursed``, ``ApplicationRejected`` or an ``ApplicationReviewed`` whose decision is
``reject``). The same fold is the verifier's rule ``subject.erasure_hold``
(verify/rules_subjects.py).

Read from the event store by record type (the stored topic is the record's type), so it sees
every saved record, integrated into the log or not.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder

from ledger.mapper import unpack_state

OPENS = {
    "supervision.CaseOpened": "supervision case",
    "carefund.ApplicationSubmitted": "application",
}
CLOSES = ("supervision.CaseClosed", "carefund.GrantDisbursed", "carefund.ApplicationRejected")
REVIEWED = "carefund.ApplicationReviewed"
HOLD_TYPES = (*OPENS, *CLOSES, REVIEWED)
APPROVED, ERASED = "subject.ErasureApproved", "subject.Erased"
PAGE = 5_000


@dataclass
class Duties:
    """The open cases and applications per subject, folded from records in log order."""

    open: dict[str, tuple[str, str]] = field(default_factory=dict)  # stream -> (subject, kind)
    approved: set[str] = field(default_factory=set)  # subjects with an approved request
    erased: set[str] = field(default_factory=set)

    def add(self, record: Mapping[str, Any]) -> None:
        kind, stream, data = record["type"], record["stream"], record["data"]
        if kind in OPENS:
            subject = data.get("target") if kind == "supervision.CaseOpened" else data["subject"]
            if subject is not None:
                self.open[stream] = (str(subject), OPENS[kind])
        elif kind in CLOSES or (kind == REVIEWED and data.get("decision") == "reject"):
            self.open.pop(stream, None)
        elif kind == APPROVED:
            self.approved.add(stream)
        elif kind == ERASED:
            self.erased.add(stream)

    def holding(self, subject: str) -> list[str]:
        """What keeps ``subject``'s name: ``"<kind> <stream>"`` per open case or application."""
        return sorted(f"{k} {s}" for s, (who, k) in self.open.items() if who == subject)

    def pending(self) -> list[str]:
        """Subjects whose approved erasure is not yet carried out, in id order."""
        return sorted(self.approved - self.erased)


def stored_records(recorder: ApplicationRecorder, types: Iterable[str]) -> Iterator[dict[str, Any]]:
    """Every stored record of the given types, in notification order."""
    topics, start = list(types), 1
    while True:
        page = recorder.select_notifications(start, PAGE, topics=topics)
        for notification in page:
            yield json.loads(unpack_state(notification.state)[1])
        if len(page) < PAGE:
            return
        start = page[-1].id + 1


def duties(recorder: ApplicationRecorder, erasures: bool = False) -> Duties:
    """The open duties (and with ``erasures``, the approved and erased subjects) as stored."""
    folded = Duties()
    for record in stored_records(recorder, HOLD_TYPES + ((APPROVED, ERASED) if erasures else ())):
        folded.add(record)
    return folded


def holding(recorder: ApplicationRecorder, subject: UUID) -> list[str]:
    """What keeps ``subject``'s name now (empty: nothing; the erasure may go ahead)."""
    return duties(recorder).holding(str(subject))
