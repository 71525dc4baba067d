"""Pseudonymous subjects: the only link from records to people, through the vault.

Erasure follows PIPL art. 47 (个人信息保护法第四十七条: the handler deletes personal
information on the individual's request when, among others, the purpose is achieved or the
individual withdraws consent, "法律、行政法规规定的保存期限未届满……的，个人信息处理者应当停止除
存储和采取必要的安全保护措施之外的处理"): it is requested by a ``data_protection`` principal
with the reason (``ErasureRequested``), approved by a second, different principal
(``ErasureApproved``), and only then carried out (``Erased``). A subject under an open
supervision case or with an undisbursed application keeps its public-duty name until the
case or the application is closed; the approved request waits and the erasure job completes
it then (ledger/erasure_hold.py, projections/erasure.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ledger.chained import LedgerAggregate


class Subject(LedgerAggregate):
    """A person known to the ledger only by a random id and a commitment to their data."""

    if TYPE_CHECKING:  # attributes set by events; not dataclass fields
        commitment: str
        kind: str
        erased: bool
        erasure_reason: str  # the pending or completed request's reason ("" if none)
        requested_by: str  # the requesting principal ("" if no request is open)
        approved_by: str  # the approving principal ("" until approved)
        approver_role: str

    class Registered(LedgerAggregate.Created):
        TOPIC = "subject.Registered"
        commitment: str
        kind: str

        def assign(self, aggregate: Any) -> None:
            aggregate.commitment = self.commitment
            aggregate.kind = self.kind
            aggregate.erased = False
            aggregate.erasure_reason = ""
            aggregate.requested_by = ""
            aggregate.approved_by = ""
            aggregate.approver_role = ""

    class ErasureRequested(LedgerAggregate.Event):
        TOPIC = "subject.ErasureRequested"
        reason: str

        def assign(self, aggregate: Any) -> None:
            aggregate.erasure_reason = self.reason
            aggregate.requested_by = self.principal

    class ErasureApproved(LedgerAggregate.Event):
        TOPIC = "subject.ErasureApproved"
        requested_by: str

        def assign(self, aggregate: Any) -> None:
            aggregate.approved_by = self.principal
            aggregate.approver_role = self.role

    class Erased(LedgerAggregate.Event):
        TOPIC = "subject.Erased"
        reason: str
        approved_by: str  # the principal of the ErasureApproved it completes

        def assign(self, aggregate: Any) -> None:
            aggregate.erased = True

    @property
    def erasure_pending(self) -> bool:
        """A request is recorded and not yet carried out."""
        return bool(self.requested_by) and not self.erased

    @property
    def erasure_approved(self) -> bool:
        return self.erasure_pending and bool(self.approved_by)
