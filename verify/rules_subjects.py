"""Erasure rules across records (docs/FORMAT.md §4 "Rules across records", §5): PIPL art. 47
(个人信息保护法第四十七条) as the ledger applies it.

- ``subject.erasure_approval``: a subject's ``ErasureApproved`` follows an open
  ``ErasureRequested`` of the same stream (by ``data_protection``, as §4's roles say), names
  its principal (``requested_by``) and is by a different principal than the request; no
  second approval of one request; a ``subject.Erased`` follows an approved request and names
  its approver (``approved_by``; the record itself may be by another account acting when the
  erasure is carried out, the erasure job's for a held one).
- ``subject.erasure_hold``: no ``subject.Erased`` while the subject is the ``target`` of a
  supervision case without ``CaseClosed``, or the ``subject`` of a care-fund application not
  yet ended by ``GrantDisbursed``, ``ApplicationRejected`` or a rejecting
  ``ApplicationReviewed`` (it keeps its public-duty name until they are closed).

State: per subject stream its open request (requester, approver), and per case or
application stream the subject it names while open.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from verify.failure import Failure, Handler
from verify.record import Record

APPROVAL, HOLD = "subject.erasure_approval", "subject.erasure_hold"
OPENS = {"supervision.CaseOpened": "target", "carefund.ApplicationSubmitted": "subject"}
CLOSES = ("supervision.CaseClosed", "carefund.GrantDisbursed", "carefund.ApplicationRejected")


@dataclass
class _Request:
    requester: str
    approver: str | None = None


@dataclass
class SubjectRules:
    requests: dict[str, _Request] = field(default_factory=dict)  # subject stream -> open one
    open: dict[str, str] = field(default_factory=dict)  # case/application stream -> subject

    def handlers(self) -> dict[str, Handler]:
        """Record type -> this object's check of it."""
        return {
            "subject.ErasureRequested": self._requested,
            "subject.ErasureApproved": self._approved,
            "subject.Erased": self._erased,
            "supervision.CaseOpened": self._opened,
            "carefund.ApplicationSubmitted": self._opened,
            "supervision.CaseClosed": self._closed,
            "carefund.GrantDisbursed": self._closed,
            "carefund.ApplicationRejected": self._closed,
            "carefund.ApplicationReviewed": self._reviewed,
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
        held = sorted(stream for stream, subject in self.open.items() if subject == r.stream)
        if held:
            found.append(Failure(where, HOLD, "no erasure of a subject with an open case or"
                                 " application", "none open", ", ".join(held)))  # fmt: skip
        return found

    def _opened(self, r: Record, where: str) -> list[Failure]:
        named = r.data.get(OPENS[r.type])
        if isinstance(named, str):
            self.open[r.stream] = named
        return []

    def _closed(self, r: Record, where: str) -> list[Failure]:
        self.open.pop(r.stream, None)
        return []

    def _reviewed(self, r: Record, where: str) -> list[Failure]:
        if r.data.get("decision") == "reject":
            self.open.pop(r.stream, None)
        return []
