"""Import a spreadsheet (design §4): check every row first, write all of them or none.

1. The file's SHA-256 names its batch (ledger/imports/batch.py): a batch already there means
   the file was imported; the answer is that batch's receipt and nothing is written.
2. Read (api/spreadsheets/read.py: XLSX or CSV, limits), match the header, parse every cell;
   then apply every row, in the file's order, to the state it would be written on with the
   domain's own rules and the principal registry's (points_rows.py, carefund_rows.py). Every
   refusal is collected, by row number (as the spreadsheet shows it) and column header.
3. No refusal: one save — the batch record first, then the rows' records — in one
   transaction (``LedgerApp.save``: all or nothing). A concurrent writer (a conflict) makes
   it run 2–3 again on fresh state; a rule that now refuses a row (someone wrote meanwhile)
   is answered as a row error, with nothing written. A crash before the commit leaves no
   record, so importing the same file again completes it; after the commit, the batch is
   found (1).

Care-fund rows put their personal columns in the vault just before the save (a subject
needs its commitment); a refusal or failure erases those vault entries again. A process
killed between the two leaves vault entries no record names (as a subject registration
killed at that point does): unreachable, and removed by the vault's erasure of unknown
subjects — no personal data reaches the log.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID

from api.evidence import rebuilt, receipt
from api.labels import ROLES
from api.spreadsheets.carefund_rows import personal_of, prepare_applications
from api.spreadsheets.fields import COLUMNS_OF, ImportColumn, header_map
from api.spreadsheets.outcome import ImportOutcome, Prepared, Row, RowError
from api.spreadsheets.points_rows import prepare_points
from api.spreadsheets.prefill import TO_FILL
from api.spreadsheets.read import FileRefused, Table, column_letter, read_table
from ledger import receipts
from ledger.actor import Actor
from ledger.app import retry_on_conflict
from ledger.carefund.application import Application
from ledger.carefund.config import FundConfig
from ledger.imports.batch import IMPORTERS, ImportBatch, batch_id, save_batch
from ledger.ledger import Ledger

__all__ = ["KINDS", "ImportOutcome", "ImportServices", "RowError", "import_file", "parse_rows"]
KINDS = tuple(COLUMNS_OF)


class ImportServices(Protocol):
    """What an import uses of the server's services (api/services.py Services has it; the CLI
    passes its own)."""

    @property
    def ledger(self) -> Ledger: ...

    @property
    def carefund_config(self) -> FundConfig: ...


class _Refused(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} rows refused")
        self.errors = errors


def parse_rows(kind: str, table: Table) -> tuple[list[Row], list[RowError]]:
    """The values (by column key) of every data row whose cells all parse, and every problem
    of the header and the cells (an empty required cell, a value its column can't take), in
    row then column order. A header problem stops there: the rows can't be read."""
    mapping, problems = header_map(kind, table.header)
    errors = [RowError(1, column, message) for column, message in problems]
    if errors:
        return [], errors
    rows = []
    for number, cells in table.rows:
        if _left_empty(kind, mapping, cells):
            continue
        refused = len(errors)
        values: dict[str, Any] = {c.key: None for c in COLUMNS_OF[kind]}
        for i, text in enumerate(cells):
            column = mapping.get(i)
            if column is None:
                if text:
                    message = "该列没有表头：请删除该列内容或补上列名"
                    errors.append(RowError(number, column_letter(i), message))
                continue
            if not text:
                if column.required:
                    errors.append(RowError(number, column.header, f"{column.header}不能为空"))
                continue
            try:
                values[column.key] = column.parse(text)
            except ValueError as e:
                errors.append(RowError(number, column.header, str(e)))
        if len(errors) == refused:
            rows.append(Row(number, values))
    return rows, errors


def _left_empty(kind: str, mapping: dict[int, ImportColumn], cells: list[str]) -> bool:
    """A pre-filled template's row the clerk left empty (api/spreadsheets/prefill.py): a
    points-entries row whose 类型, 分值, 任务 and 事由 are all empty is skipped."""
    if kind != "points-entries":
        return False
    return not any(text for i, text in enumerate(cells) if mapping.get(i) is not None
                   and mapping[i].key in TO_FILL)  # fmt: skip


Vaulted = dict[int, tuple[UUID, str]]  # row number -> its subject id and vault commitment


def _prepare(s: ImportServices, actor: Actor, kind: str, rows: list[Row], moment: datetime,
             today: date, vaulted: Vaulted | None = None) -> Prepared:  # fmt: skip
    if kind == "points-entries":
        return prepare_points(s.ledger, actor, rows, moment, today)
    by_row = None if vaulted is None else (lambda row: vaulted[row.number])
    return prepare_applications(s.ledger, actor, rows, moment, today, s.carefund_config, by_row)


def _row_results(s: ImportServices, kind: str, records: list[dict[str, Any]],
                 numbers: list[int], subjects: dict[str, str]) -> list[dict[str, Any]]:  # fmt: skip
    """Which record each row made (review finding 13): ``{row, book, version}`` per score
    entry, ``{row, application, subject}`` per application; ``row`` as the file shows it."""
    out: list[dict[str, Any]] = []
    for number, record in zip(numbers, records, strict=True):
        stream = record["stream"]
        if kind == "points-entries":
            out.append({"row": number, "book": stream, "version": record["version"]})
            continue
        subject = subjects.get(stream) or str(s.ledger.app.get(Application, UUID(stream)).subject)
        out.append({"row": number, "application": stream, "subject": subject})
    return out


def _answer(s: ImportServices, batch: UUID, kind: str, sha256: str, found: dict[str, Any],
            already: bool, numbers: list[int],
            subjects: dict[str, str] | None = None) -> ImportOutcome:  # fmt: skip
    records = s.ledger.app.get(ImportBatch, batch).records
    rows = _row_results(s, kind, records, numbers, subjects or {})
    result = {"batch": str(batch), "kind": kind, "sha256": sha256, "row_count": len(records),
              "rows": rows, "already": already}  # fmt: skip
    return ImportOutcome([], batch, already, {**found, "result": result})


def _numbers(kind: str, data: bytes) -> list[int]:
    """The row numbers of an imported file's rows (each made one record, in this order)."""
    return [row.number for row in parse_rows(kind, read_table(data))[0]]


def import_file(
    s: ImportServices, actor: Actor, kind: str, filename: str, data: bytes, today: date
) -> ImportOutcome:
    """Import ``data`` (an XLSX or CSV file of ``kind``: points-entries or
    carefund-applications) by ``actor``, checked on business date ``today``. ``filename`` is
    only for the caller's messages: it is never recorded. Requires a kind of KINDS."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    del filename  # a file may be named after a person: not recorded, not logged
    sha256 = hashlib.sha256(data).hexdigest()
    batch, app = batch_id(kind, sha256), s.ledger.app
    if actor.role not in IMPORTERS[kind]:
        allowed = "、".join(ROLES.get(r.value, r.value) for r in IMPORTERS[kind])
        mine = ROLES.get(actor.role.value, actor.role.value)
        return ImportOutcome([RowError(0, "", f"{mine}不能导入此类文件（须为：{allowed}）")],
                             None, False, None)  # fmt: skip
    if app.exists(batch):
        found = rebuilt(s.ledger, [(str(batch), 1)])
        return _answer(s, batch, kind, sha256, found, True, _numbers(kind, data))
    try:
        rows, errors = parse_rows(kind, read_table(data))
    except FileRefused as e:
        return ImportOutcome([RowError(e.row, e.column, e.message)], None, False, None)
    if not rows and not errors:  # every row of a pre-filled template left empty
        unfilled = "文件中没有填写任何积分：请在预填的行中填写类型、分值、任务和事由"
        return ImportOutcome([RowError(0, "", unfilled)], None, False, None)
    checked = _prepare(s, actor, kind, rows, s.ledger.clock(), today).errors if rows else []
    errors = sorted(errors + checked, key=lambda e: e.row)  # stable: columns stay in order
    if errors:
        return ImportOutcome(errors, None, False, None)
    vaulted: Vaulted | None = None
    if kind == "carefund-applications":
        vaulted = {}
        for row in rows:
            subject = s.ledger.new_id()
            commitment = s.ledger.vault.store_subject(str(subject), personal_of(row))
            vaulted[row.number] = (subject, commitment)

    subjects: dict[str, str] = {}

    def attempt() -> bool:
        if app.exists(batch):
            return False
        moment = s.ledger.clock()
        prepared = _prepare(s, actor, kind, rows, moment, today, vaulted)
        if prepared.errors:
            raise _Refused(prepared.errors)
        save_batch(app, kind=kind, sha256=sha256, records=prepared.records,
                   save=prepared.save, actor=actor, moment=moment)  # fmt: skip
        if vaulted is not None:  # each application's subject, for the receipt's rows
            for (stream, _), row in zip(prepared.records, rows, strict=True):
                subjects[str(stream)] = str(vaulted[row.number][0])
        return True

    saved = False
    try:
        with receipts.capture():
            saved = retry_on_conflict(attempt)
            numbers = [row.number for row in rows]
            if saved:
                found = receipt(s.ledger, batch)
                return _answer(s, batch, kind, sha256, found, False, numbers, subjects)
        found = rebuilt(s.ledger, [(str(batch), 1)])
        return _answer(s, batch, kind, sha256, found, True, numbers)
    except _Refused as refused:
        return ImportOutcome(refused.errors, None, False, None)
    finally:
        if not saved:  # no record names them: delete, and compact the vault once
            stored = [str(entry[0]) for entry in (vaulted or {}).values()]
            for i, stored_id in enumerate(stored, start=1):
                s.ledger.vault.erase(stored_id, compact=i == len(stored))
