"""Erasing a subject everywhere: the record, the vault, the public lists, the database files.

``erase_everywhere`` is the one call for an erasure (the API route and ``gongshi erase``):

1. ``Ledger.erase_subject`` records ``subject.Erased`` and deletes the subject's wrapped key
   and every ciphertext of it from the vault;
2. the log integrates the record and every projection is brought to the log's end, so the
   rows that named the subject (points, supervision cases, the masked name of disbursements)
   are rewritten with 已删除;
3. ``ledger/scrub.py`` makes the old bytes leave the files: SQLite — ``wal_checkpoint
   (TRUNCATE)`` (our connections have ``secure_delete`` on, checked before anything is
   deleted); PostgreSQL — ``VACUUM FULL`` of the vault tables and of every table of a
   projection that shows names (its shadow or export copies too), once the transactions that
   could still see the old rows have ended.

Why rewrite the projection tables rather than keep names out of them and join them at read
time: the stored rows are the published lines (docs/FORMAT.md §8), hashed as stored into the
lists' digests and bundles, compared by ``gongshi rebuild`` and read by the list queries; a
read-time join would put a vault decryption per row into every list read and every digest,
and change three projections, the queries and the publication, for an operation that happens
rarely (a person's request). The vault tables must be rewritten in any case. The cost is that
``VACUUM FULL`` holds an ACCESS EXCLUSIVE lock on each table while it copies it: reads of that
list wait meanwhile (2.5 s for a 60 MB table with its indexes, measured on a 2-core
machine), once per erasure.

If a connection keeps the old data visible for longer than ``wait`` (a long read transaction),
``ErasureIncomplete`` says so — the erasure is recorded and the vault rows are deleted, but old
bytes may remain in the named file or tables — and calling ``erase_everywhere`` again for the
same subject finishes the files, then raises the usual RuleViolation ``subject.erased``.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.persistence import Recording

from ledger.actor import Actor
from ledger.errors import RuleViolation
from ledger.ledger import Ledger
from ledger.scrub import (
    ScrubIncomplete,
    checkpoint_sqlite,
    require_secure_delete,
    rewrite_postgres,
)
from ledger.vault import VAULT_TABLES
from projections.registry import ProjectionSet

ERASED_TYPE = "subject.Erased"
DEFAULT_WAIT = 5.0  # seconds an erasure waits for readers that still see the old rows
# (read at each call, so a test may lower it for callers that pass no ``wait``: the route)


class ErasureIncomplete(ScrubIncomplete):
    """The erasure of ``subject`` is recorded and its vault rows are deleted, but old bytes
    may remain in ``where`` (the evidence: ``reason``, ``blockers``). Erasing the same
    subject again finishes it."""

    def __init__(self, subject: UUID, cause: ScrubIncomplete) -> None:
        super().__init__(
            cause.where,
            f"erasure of {subject} recorded and its vault rows deleted, but old bytes may"
            f" remain: {cause.reason}; erase the subject again to finish",
            cause.blockers,
        )
        self.subject = subject


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


def erase_everywhere(
    ledger: Ledger,
    projections: ProjectionSet,
    subject_id: UUID,
    reason: str,
    actor: Actor,
    wait: float | None = None,
) -> list[Recording[UUID]]:
    """Erase ``subject_id``: record it, delete its vault data, rewrite the lists that named
    it, and clear the old bytes from every file of the database, waiting at most ``wait``
    seconds (None: ``DEFAULT_WAIT``) for readers that still see them. Returns what the save
    recorded (the ``subject.Erased`` record), for the caller's receipt.

    ``projections`` must be a set this thread may step (not a follower thread's set): e.g.
    ``projections_of(ledger, settings)``. Raises what ``Ledger.erase_subject`` raises
    (NotFound, RuleViolation; ``subject.erased`` after the files of an earlier, incomplete
    erasure were finished) and ErasureIncomplete (recorded, old bytes not yet gone: call
    again). On SQLite, refuses with ScrubIncomplete before erasing anything if our
    connection's ``secure_delete`` is off."""
    require_secure_delete(ledger.db)
    if projections.db is not ledger.db:
        require_secure_delete(projections.db)
    try:
        recorded = ledger.erase_subject(subject_id, reason, actor, compact=False)
    except RuleViolation as e:
        if e.rule == "subject.erased":  # an earlier erasure may have stopped before the files
            _finish(ledger, projections, subject_id, wait)
        raise
    _finish(ledger, projections, subject_id, wait)
    return recorded


def _finish(ledger: Ledger, projections: ProjectionSet, subject: UUID, wait: float | None) -> None:
    try:
        finish_erasure(ledger, projections, wait)
    except ScrubIncomplete as e:
        raise ErasureIncomplete(subject, e) from e
