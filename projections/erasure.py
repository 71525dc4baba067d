"""Erasing a subject everywhere: the record, the vault, the public lists, the database files.

An erasure (PIPL art. 47, docs/FORMAT.md §5) is requested by a ``data_protection`` principal
with its reason and approved by a second, different principal (``Ledger.request_erasure``,
``Ledger.approve_erasure``). Then:

1. ``complete_erasure`` (the approval's route and command) carries it out at once unless the
   subject is held (an open supervision case or undecided application naming it, a grant
   of its still in its posting window or a revoked one with money to recover:
   ``subject.erasure_hold``, ledger/erasure_hold.py): ``Ledger.erase_subject`` records
   ``subject.Erased`` and deletes the subject's wrapped key and every ciphertext of it from
   the vault; the log integrates the record and every projection is brought to the log's
   end, so the rows that named the subject (points, supervision cases, the masked name of
   disbursements) are rewritten with 已删除;
2. ``run_erasure_job`` (``gongshi serve`` every ``JOB_INTERVAL`` seconds, ``gongshi erase
   --run``) completes every approved erasure whose holds were closed or ended since (the
   request is recorded, and completed when the case or application is closed, the posting
   window ended or the money recovered; "today" is the business date of the ledger's clock,
   ``Ledger.clock``, GONGSHI_TIMEZONE) as the job's own account
   ``policy-erasure`` (``ledger.principal.ERASURE_ACTOR``, enrolled at bootstrap: the
   approver may hold another role by then), naming the approval it completes
   (``approved_by``). A subject whose erasure fails is reported (``ErasureBatch.failed``) and
   skipped; the others go on. Two workers erasing one subject: the second's save conflicts,
   is retried on the fresh stream, finds it erased and leaves it (no failure). Then it
   compacts the files once for the whole batch: ``ledger/scrub.py`` makes the old bytes
   leave them — SQLite:
   ``wal_checkpoint(TRUNCATE)`` (our connections have ``secure_delete`` on, checked before
   anything is deleted); PostgreSQL: ``VACUUM FULL`` of the vault tables and of every table
   of a projection that shows names (its shadow or export copies too), once the
   transactions that could still see the old rows have ended.

Compaction is batched, not run per request: ``VACUUM FULL`` holds an ACCESS EXCLUSIVE lock on
each table while it copies it (reads of that list wait: 2.5 s for a 60 MB table with its
indexes, measured on a 2-core machine), so ten erasures in a day cost one rewrite, not ten.
Until the job has run, the personal data is gone from the vault and from the lists, but old
bytes may remain in the database files; ``gongshi_erasure_compaction`` remembers how many
erasures the last compaction covered, so the job knows one is due (also after a restart).

Why rewrite the projection tables rather than keep names out of them and join them at read
time: the stored rows are the published lines (docs/FORMAT.md §8), hashed as stored into the
lists' digests and bundles, compared by ``gongshi rebuild`` and read by the list queries; a
read-time join would put a vault decryption per row into every list read and every digest.

If a connection keeps the old data visible for longer than ``wait`` (a long read transaction),
the job raises ``ErasureIncomplete`` — the erasures are recorded and the vault rows deleted,
but old bytes may remain in the named file or tables — and its next run compacts again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from uuid import UUID

from eventsourcing.persistence import Recording

from ledger.app import retry_on_conflict
from ledger.background import Periodic
from ledger.erasure_hold import duties
from ledger.errors import RuleViolation
from ledger.ledger import Ledger
from ledger.principal import ERASURE_ACTOR
from ledger.scrub import (
    ScrubIncomplete,
    checkpoint_sqlite,
    require_secure_delete,
    rewrite_postgres,
)
from ledger.settings import Settings
from ledger.unavailable import redact, unavailable
from ledger.vault import VAULT_TABLES
from projections.registry import ProjectionSet, projections_of

log = logging.getLogger(__name__)

ERASED_TYPE = "subject.Erased"
DEFAULT_WAIT = 5.0  # seconds an erasure waits for readers that still see the old rows
# (read at each call, so a test may lower it for callers that pass no ``wait``: the route)


class ErasureIncomplete(ScrubIncomplete):
    """The erasures of ``subjects`` are recorded and their vault rows deleted, but old bytes
    may remain in ``where`` (the evidence: ``reason``, ``blockers``). The job's next run
    compacts again."""

    def __init__(self, subjects: str, cause: ScrubIncomplete) -> None:
        super().__init__(
            cause.where,
            f"erasure of {subjects} recorded and vault rows deleted, but old bytes may"
            f" remain: {cause.reason}; the erasure job compacts again on its next run",
            cause.blockers,
        )
        self.subjects = subjects


def naming_tables(ledger: Ledger, projections: ProjectionSet) -> list[str]:
    """The tables that held the subject's personal data: the vault's, and those of every
    projection that shows names (it handles ``subject.Erased``), with their shadow and export
    copies (PostgreSQL; the tables that exist)."""
    bases = [
        runner.table for runner in projections.select() if ERASED_TYPE in runner.projection.handlers
    ]
    tables = list(VAULT_TABLES) + bases
    if ledger.db.is_postgres:
        schema = ledger.db.database.schema or "public"
        for base in bases:
            found = ledger.db.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = ? AND tablename LIKE ?",
                (schema, base.replace("_", "\\_") + "\\_%"),
            )
            tables.extend(sorted(str(name) for (name,) in found))
    return tables


def finish_erasure(ledger: Ledger, projections: ProjectionSet, wait: float | None = None) -> None:
    """Integrate the log, bring every projection to its end, then make deleted rows leave the
    files (``ledger/scrub.py``). ScrubIncomplete if a reader keeps them for over ``wait`` s
    (None: ``DEFAULT_WAIT``). Requires that the calling thread holds no open transaction."""
    wait = DEFAULT_WAIT if wait is None else wait
    ledger.log.integrate()
    projections.catch_up()
    database = ledger.db.database
    if database.kind == "sqlite":
        assert database.sqlite_path is not None
        checkpoint_sqlite(database.sqlite_path, wait)
    else:
        rewrite_postgres(database, naming_tables(ledger, projections), wait)


JOB_INTERVAL = 300.0  # seconds between runs of the erasure job in ``gongshi serve``
COMPACTION_TABLE = "gongshi_erasure_compaction"


@dataclass
class ErasureBatch:
    """One run of the erasure job: the subjects it erased, those still held (with what holds
    them), and whether it compacted the files."""

    erased: list[str] = field(default_factory=list)
    held: dict[str, list[str]] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)  # subject -> why it was skipped
    compacted: bool = False


def complete_erasure(
    ledger: Ledger, projections: ProjectionSet, subject_id: UUID
) -> list[Recording[UUID]]:
    """Carry out ``subject_id``'s approved erasure now: record it, delete its vault data and
    rewrite the lists that named it. The files are compacted by the next run of the job.
    Raises what ``Ledger.erase_subject`` raises (``subject.erasure_hold`` while held; a hold
    begun while it saved: retried, and then held)."""
    _require_secure_delete(ledger, projections)
    recorded = retry_on_conflict(lambda: ledger.erase_subject(subject_id))
    ledger.log.integrate()
    projections.catch_up()
    return recorded


def run_erasure_job(
    ledger: Ledger, projections: ProjectionSet, wait: float | None = None
) -> ErasureBatch:
    """Complete every approved erasure no longer held, then compact the files once if any
    erasure is not yet covered by a compaction. ErasureIncomplete if a reader keeps old rows
    visible for over ``wait`` s (the erasures stay done; the next run compacts again)."""
    _require_secure_delete(ledger, projections)
    batch = ErasureBatch()
    found, today = duties(ledger.app.recorder, erasures=True), ledger.clock().date()
    for subject in found.pending():
        held = found.holding(subject, today)
        if held:
            batch.held[subject] = held
            continue
        try:
            if _erase_held_later(ledger, UUID(subject)):
                batch.erased.append(subject)
        except Exception as e:
            if unavailable(e) is not None:
                raise
            batch.failed[subject] = f"{type(e).__name__}: {redact(str(e))}"
            log.warning("erasure of %s skipped: %s", subject, batch.failed[subject])
    erasures = len(found.erased) + len(batch.erased)
    if erasures > _compacted(ledger):
        try:
            finish_erasure(ledger, projections, wait)
        except ScrubIncomplete as e:
            raise ErasureIncomplete(", ".join(batch.erased) or "earlier erasures", e) from e
        _set_compacted(ledger, erasures)
        batch.compacted = True
    return batch


def _erase_held_later(ledger: Ledger, subject: UUID) -> bool:
    """Record the erasure of ``subject`` as the job's account, retried on a concurrent
    writer; False if another worker erased it first (nothing left to do)."""
    try:
        recorded = retry_on_conflict(lambda: ledger.erase_subject(subject, actor=ERASURE_ACTOR))
    except RuleViolation as e:
        if e.rule == "subject.erased":  # recorded and its vault rows deleted by another
            return False
        raise
    return bool(recorded)  # nothing recorded: another recorded it, this one deleted the rest


def _require_secure_delete(ledger: Ledger, projections: ProjectionSet) -> None:
    require_secure_delete(ledger.db)
    if projections.db is not ledger.db:
        require_secure_delete(projections.db)


def _compacted(ledger: Ledger) -> int:
    """How many erasures the last compaction covered (0 before the first)."""
    ledger.db.execute(
        f"CREATE TABLE IF NOT EXISTS {COMPACTION_TABLE}"
        " (id INTEGER PRIMARY KEY, erasures BIGINT NOT NULL)"
    )
    found = ledger.db.execute(f"SELECT erasures FROM {COMPACTION_TABLE} WHERE id = 1")
    return int(found[0][0]) if found else 0


def _set_compacted(ledger: Ledger, erasures: int) -> None:
    ledger.db.execute(
        f"INSERT INTO {COMPACTION_TABLE} (id, erasures) VALUES (1, ?)"
        " ON CONFLICT (id) DO UPDATE SET erasures = excluded.erasures",
        (erasures,),
    )


class ErasureJob(Periodic):
    """The erasure job in ``gongshi serve``: every ``interval`` s, if an approved erasure's
    holds were closed or an erasure is not yet compacted, ``run_erasure_job`` on a
    projection set of its own (a follower's set is stepped by its own thread only)."""

    def __init__(self, ledger: Ledger, settings: Settings, interval: float = JOB_INTERVAL) -> None:
        super().__init__(interval, "gongshi-erasure")
        self.ledger, self.settings = ledger, settings
        self.last: ErasureBatch | None = None

    def step(self) -> ErasureBatch | None:
        found, today = duties(self.ledger.app.recorder, erasures=True), self.ledger.clock().date()
        due = [subject for subject in found.pending() if not found.holding(subject, today)]
        if not due and len(found.erased) <= _compacted(self.ledger):
            return None
        with projections_of(self.ledger, self.settings) as projections:
            self.last = run_erasure_job(self.ledger, projections)
        return self.last
