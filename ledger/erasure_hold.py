"""What keeps an approved erasure waiting: a subject's open public duties (docs/FORMAT.md §5).

PIPL art. 47 lets a handler keep what a law requires it to keep; the newsletter's cadres are
named on the points and supervision lists as public duty ("销号管理": a bottom-ranked cadre's
case is closed only after rectification), and a grant is posted (公示) by name. So a subject
keeps its name while it is the ``target`` of a supervision case not yet closed
(``supervision.CaseOpened`` without ``supervision.CaseClosed``), the ``subject`` of a
care-fund application not yet decided and paid (``carefund.ApplicationSubmitted`` without
``GrantDisbursed``, ``ApplicationRejected`` or an ``ApplicationReviewed`` whose decision is
``reject``), of a grant still in its posting window (公示期: from ``GrantDisbursed.disbursed_on``
for its fund year's ``posting_days``, the days the public list shows it,
projections/disbursements.py; the hold ends on the business date ``disbursed_on +
posting_days``), or of a revoked grant whose recovery is outstanding (``GrantRevoked.recover_fen``
more than the ``RecoveryReceived`` amounts since: the money is claimed back from a named person).
The same fold is the verifier's rule ``subject.erasure_hold`` (verify/rules_subjects.py).
A points year still open is not a hold: the year-end close leaves a cadre erased before it
out of its ranking and opens no case on it (ledger/points/year_close.py).

Read from the event store by record type (the stored topic is the record's type), so it sees
every saved record, integrated into the log or not. A hold that begins after the read and
before the erasure commits (a case opened, the year-end close's bottom case among them; an
application submitted; a grant revoked) is caught by the erasure's commit guard
(``Duties.unchanged``: the log's counts of those types are still the ones read, else the
erasure is retried and finds the hold, ledger/guards.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder

from ledger import guards
from ledger.mapper import unpack_state

OPENS = {
    "supervision.CaseOpened": "supervision case",
    "carefund.ApplicationSubmitted": "application",
}
CLOSES = ("supervision.CaseClosed", "carefund.ApplicationRejected")
REVIEWED = "carefund.ApplicationReviewed"
FUND_OPENED, DISBURSED = "carefund.FundYearOpened", "carefund.GrantDisbursed"
REVOKED, RECOVERED = "carefund.GrantRevoked", "carefund.RecoveryReceived"
HOLD_TYPES = (*OPENS, *CLOSES, REVIEWED, FUND_OPENED, DISBURSED, REVOKED, RECOVERED)
APPROVED, ERASED = "subject.ErasureApproved", "subject.Erased"
PAGE = 5_000
BEGIN_HOLDS = ("supervision.CaseOpened", "carefund.ApplicationSubmitted", REVOKED)


@dataclass
class Duties:
    """The open cases and applications, posted grants and outstanding recoveries per
    subject, folded from records in log order."""

    open: dict[str, tuple[str, str]] = field(default_factory=dict)  # stream -> (subject, kind)
    approved: set[str] = field(default_factory=set)  # subjects with an approved request
    erased: set[str] = field(default_factory=set)
    posting_days: dict[str, int] = field(default_factory=dict)  # fund year -> its 公示期
    fund_of: dict[str, str] = field(default_factory=dict)  # application -> its fund year
    posted: dict[str, tuple[str, date]] = field(default_factory=dict)  # -> (subject, until)
    owed: dict[str, tuple[str, int]] = field(default_factory=dict)  # -> (subject, fen)
    seen: dict[str, int] = field(default_factory=dict)  # record type -> how many folded

    def add(self, record: Mapping[str, Any]) -> None:
        kind, stream, data = record["type"], record["stream"], record["data"]
        self.seen[kind] = self.seen.get(kind, 0) + 1
        if kind == FUND_OPENED:
            self.posting_days[stream] = int(data["posting_days"])
        elif kind in OPENS:
            subject = data.get("target") if kind == "supervision.CaseOpened" else data["subject"]
            if subject is not None:
                self.open[stream] = (str(subject), OPENS[kind])
            if "fund_year" in data:
                self.fund_of[stream] = str(data["fund_year"])
        elif kind == DISBURSED:  # decided and paid: posted by name for the fund year's 公示期
            opened = self.open.pop(stream, None)
            window = self.posting_days.get(self.fund_of.get(stream, ""), 0)
            until = date.fromisoformat(data["disbursed_on"]) + timedelta(days=window)
            if opened is not None:
                self.posted[stream] = (opened[0], until)
        elif kind in CLOSES or (kind == REVIEWED and data.get("decision") == "reject"):
            self.open.pop(stream, None)
        elif kind == REVOKED and stream in self.posted and data["recover_fen"] > 0:
            self.owed[stream] = (self.posted[stream][0], int(data["recover_fen"]))
        elif kind == RECOVERED and stream in self.owed:
            subject, fen = self.owed.pop(stream)
            if fen > data["amount_fen"]:
                self.owed[stream] = (subject, fen - int(data["amount_fen"]))
        elif kind == APPROVED:
            self.approved.add(stream)
        elif kind == ERASED:
            self.erased.add(stream)

    def holding(self, subject: str, today: date) -> list[str]:
        """What keeps ``subject``'s name on the business date ``today``: per open case or
        application ``"<kind> <stream>"``, per grant still posted ``"posting window of grant
        <stream> until <date>"`` (the first day it is no longer held), per revoked grant with
        money to recover ``"recovery of revoked grant <stream>: <fen> fen outstanding"``."""
        found = [f"{k} {s}" for s, (who, k) in self.open.items() if who == subject]
        found += [
            f"posting window of grant {s} until {until.isoformat()}"
            for s, (who, until) in self.posted.items()
            if who == subject and today < until
        ]
        found += [
            f"recovery of revoked grant {s}: {fen} fen outstanding"
            for s, (who, fen) in self.owed.items()
            if who == subject
        ]
        return sorted(found)

    def unchanged(self) -> tuple[guards.Expect, ...]:
        """Guards for the erasure's save: no record that begins a hold was stored since this
        fold read them (ledger/guards.py ``topic_count``)."""
        return tuple(guards.topic_count(kind, self.seen.get(kind, 0)) for kind in BEGIN_HOLDS)

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


def holding(recorder: ApplicationRecorder, subject: UUID, today: date) -> list[str]:
    """What keeps ``subject``'s name on the business date ``today`` (empty: nothing; the
    erasure may go ahead)."""
    return duties(recorder).holding(str(subject), today)
