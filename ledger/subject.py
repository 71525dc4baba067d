"""Pseudonymous subjects: the only link from records to people, through the vault."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ledger.chained import LedgerAggregate


class Subject(LedgerAggregate):
    """A person known to the ledger only by a random id and a commitment to their data."""

    if TYPE_CHECKING:  # attributes set by events; not dataclass fields
        commitment: str
        kind: str
        erased: bool

    class Registered(LedgerAggregate.Created):
        TOPIC = "subject.Registered"
        commitment: str
        kind: str

        def assign(self, aggregate: Any) -> None:
            aggregate.commitment = self.commitment
            aggregate.kind = self.kind
            aggregate.erased = False

    class Erased(LedgerAggregate.Event):
        TOPIC = "subject.Erased"
        reason: str

        def assign(self, aggregate: Any) -> None:
            aggregate.erased = True
