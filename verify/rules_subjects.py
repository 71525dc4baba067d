"""Erasure rules across records (docs/FORMAT.md §4 "Rules across records", §5): PIPL art. 47
(个人信息保护法第四十七条) as the ledger applies it.

- ``subject.erasure_approval``: a subject's ``ErasureApproved`` follows an open
  ``ErasureRequested`` of the same stream (by ``data_protection``, as §4's roles say), names
  its principal (``requested_by``) and is by a different principal than the request; no
  second approval of one request; a ``subject.Erased`` follows an approved request and names
  its approver (``approved_by``; the record itself may be by another account acting when the
  erasure is carried out, the erasure job's for a held one).
- ``subject.erasure_hold``: no ``subject.Erased`` while the subject is the ``target`` of a
  supervision case without ``CaseClosed``, the ``subject`` of a care-fund application not
  yet ended by ``GrantDisbursed``, ``ApplicationRejected`` or a rejecting
  ``ApplicationReviewed``, of a grant still posted (公示: the business date of the erasure's
  ``at`` is before ``disbursed_on`` + the fund year's ``posting_days``), or of a revoked grant
  whose ``recover_fen`` is not yet recovered (it keeps its public-duty name until then).

State: per subject stream its open request (requester, approver); per case or application
stream the subject it names while open; per grant the subject, the end of its posting window
and the fen still to recover.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta, tzinfo

from verify.days import DEFAULT_TIMEZONE, business_date, zone_named
from verify.failure import Failure, Handler
from verify.record import Record

APPROVAL, HOLD = "subject.erasure_approval", "subject.erasure_hold"
OPENS = {"supervision.CaseOpened": "target", "carefund.ApplicationSubmitted": "subject"}
CLOSES = ("supervision.CaseClosed", "carefund.ApplicationRejected")


@dataclass
class _Request:
    requester: str
    approver: str | None = None


@dataclass
class _Grant:
    subject: str
    until: date  # the first business date after its posting window
    owed: int = 0  # fen of a revocation still to recover


@dataclass
class SubjectRules:
    requests: dict[str, _Request] = field(default_factory=dict)  # subject stream -> open one
    open: dict[str, str] = field(default_factory=dict)  # case/application stream -> subject
    zone: tzinfo = field(default_factory=lambda: zone_named(DEFAULT_TIMEZONE))  # the bundle's
    posting_days: dict[str, int] = field(default_factory=dict)  # fund year -> 公示期
    fund_of: dict[str, str] = field(default_factory=dict)  # application -> fund year
    grants: dict[str, _Grant] = field(default_factory=dict)  # application -> paid grant

    def handlers(self) -> dict[str, Handler]:
        """Record type -> this object's check of it."""
        return {
            "subject.ErasureRequested": self._requested,
            "subject.ErasureApproved": self._approved,
            "subject.Erased": self._erased,
            "supervision.CaseOpened": self._opened,
            "carefund.ApplicationSubmitted": self._opened,
            "supervision.CaseClosed": self._closed,
            "carefund.ApplicationRejected": self._closed,
            "carefund.ApplicationReviewed": self._reviewed,
            "carefund.FundYearOpened": self._fund_opened,
            "carefund.GrantDisbursed": self._disbursed,
            "carefund.GrantRevoked": self._revoked,
            "carefund.RecoveryReceived": self._recovered,
        }

    def _requested(self, r: Record, where: str) -> list[Failure]:
        self.requests[r.stream] = _Request(r.principal)
        return []

    def _approved(self, r: Record, where: str) -> list[Failure]:
        request = self.requests.get(r.stream)
        if request is None:
            return [Failure(where, APPROVAL, "an approval follows an open erasure request",
                            "subject.ErasureRequested", "none")]  # fmt: skip
        if request.approver is not None:
            return [Failure(where, APPROVAL, "one approval per request",
                            "not yet approved", f"approved by {request.approver}")]  # fmt: skip
        request.approver = r.principal
        if r.data.get("requested_by") != request.requester:
            return [Failure(where, APPROVAL, "requested_by names the request's principal",
                            request.requester, str(r.data.get("requested_by")))]  # fmt: skip
        if r.principal == request.requester:
            return [Failure(where, APPROVAL, "approved by a different principal than the request",
                            f"not {request.requester}", r.principal)]  # fmt: skip
        return []

    def _erased(self, r: Record, where: str) -> list[Failure]:
        found = []
        request = self.requests.pop(r.stream, None)
        if request is None or request.approver is None:
            computed = "no request" if request is None else "requested, not approved"
            found.append(Failure(where, APPROVAL, "an erasure follows an approved request",
                                 "ErasureRequested then ErasureApproved", computed))  # fmt: skip
        elif r.data.get("approved_by") != request.approver:
            found.append(Failure(where, APPROVAL, "approved_by names the approval's principal",
                                 request.approver, str(r.data.get("approved_by"))))  # fmt: skip
        on = business_date(r.at, self.zone)
        held = [stream for stream, subject in self.open.items() if subject == r.stream] + [
            f"{stream} posted until {g.until}" if on < g.until else f"{stream} owes {g.owed} fen"
            for stream, g in self.grants.items()
            if g.subject == r.stream and (on < g.until or g.owed > 0)
        ]
        if held:
            found.append(Failure(where, HOLD, f"no erasure (on {on}) of a subject with an open"
                                 " case, application, posted grant or recovery", "none",
                                 ", ".join(sorted(held))))  # fmt: skip
        return found

    def _fund_opened(self, r: Record, where: str) -> list[Failure]:
        self.posting_days[r.stream] = r.data["posting_days"]
        return []

    def _disbursed(self, r: Record, where: str) -> list[Failure]:
        """Paid: the subject is posted by name (公示) from ``disbursed_on`` for the fund
        year's ``posting_days`` (the public list's window, projections/disbursements.py)."""
        subject = self.open.pop(r.stream, None)
        days = self.posting_days.get(self.fund_of.get(r.stream, ""), 0)
        if subject is not None and isinstance(r.data.get("disbursed_on"), str):
            until = date.fromisoformat(r.data["disbursed_on"]) + timedelta(days=days)
            self.grants[r.stream] = _Grant(subject, until)
        return []

    def _revoked(self, r: Record, where: str) -> list[Failure]:
        if (grant := self.grants.get(r.stream)) is not None:
            grant.owed = r.data["recover_fen"]
        return []

    def _recovered(self, r: Record, where: str) -> list[Failure]:
        if (grant := self.grants.get(r.stream)) is not None:
            grant.owed -= r.data["amount_fen"]
        return []

    def _opened(self, r: Record, where: str) -> list[Failure]:
        named = r.data.get(OPENS[r.type])
        if isinstance(named, str):
            self.open[r.stream] = named
        if isinstance(r.data.get("fund_year"), str):
            self.fund_of[r.stream] = r.data["fund_year"]
        return []

    def _closed(self, r: Record, where: str) -> list[Failure]:
        self.open.pop(r.stream, None)
        return []

    def _reviewed(self, r: Record, where: str) -> list[Failure]:
        if r.data.get("decision") == "reject":
            self.open.pop(r.stream, None)
        return []
