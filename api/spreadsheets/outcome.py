"""What an import answers (design §4): every refused row with its column and a Chinese message,
or the batch written (its receipt), or the batch found already written."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from ledger.app import LedgerApp
from ledger.chained import LedgerAggregate
from ledger.errors import RuleViolation
from ledger.principal import book_cadre, check_actors, principal_of, registry_empty


@dataclass(frozen=True)
class RowError:
    """A refused row: ``row`` as the spreadsheet shows it (the header is row 1; 0: the file
    as a whole), ``column`` the header of the column at fault ("" when no one column is),
    ``message`` in Chinese."""

    row: int
    column: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass(frozen=True)
class ImportOutcome:
    errors: list[RowError]
    batch: UUID | None
    already: bool
    written: dict[str, Any] | None  # the receipt: evidence, records, result


@dataclass(frozen=True)
class Row:
    number: int  # as the spreadsheet shows it
    values: dict[str, Any]  # column key -> parsed value (a missing optional one: None)


@dataclass
class Prepared:
    """A kind's rows applied to the state they would be written on: the refusals, and
    otherwise what to save after the batch (aggregates, or events in the log's order) and
    each row's record (stream, version) in the file's order."""

    errors: list[RowError] = field(default_factory=list)
    save: list[Any] = field(default_factory=list)
    records: list[tuple[UUID, int]] = field(default_factory=list)


def actor_refusal(app: LedgerApp, obj: LedgerAggregate) -> RuleViolation | None:
    """The principal registry's refusal of ``obj``'s newest pending record (the check every
    save makes: enrolled, role, scope, own book), or None; per row, so a refusal names it."""
    if not app.enforce_principals or not obj.pending_events:
        return None
    event = obj.pending_events[-1]
    if not isinstance(event, LedgerAggregate.Event):
        return None
    try:
        check_actors(
            [(obj, event)], lambda account: principal_of(app, account),
            lambda: registry_empty(app), lambda book: book_cadre(app, book),
        )  # fmt: skip
    except RuleViolation as e:
        return e
    return None
