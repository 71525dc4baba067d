"""The wired ledger: the event store, the vault, the clock and the id source, opened together."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Recording

from ledger import guards
from ledger.actor import Actor, Role
from ledger.app import LedgerApp, open_app
from ledger.clock import BusinessClock, Clock, system_clock
from ledger.db import SqlDatabase, schema_lock
from ledger.erasure_hold import duties
from ledger.errors import RuleViolation
from ledger.log.store import LogStore
from ledger.settings import Settings
from ledger.subject import Subject
from ledger.vault import PERSONAL_FIELDS, RandomBytes, Vault, load_master_key
from verify.days import DEFAULT_TIMEZONE, zone_named

SUBJECT_KINDS = (
    "worker", "responsible_person", "donor", "cadre", "unit_head", "department_cadre",
    "objector",  # issue 15: a member of the public objecting to a 公示 (ledger/posting/)
)  # fmt: skip
SUBJECT_ROLES = (
    Role.INTAKE,
    Role.FINANCE,
    Role.SUPERVISION,
    Role.TOWNSHIP_PARTY_COMMITTEE,
    Role.VILLAGE_COMMITTEE,
    Role.ORGANISATION_DEPARTMENT,  # its own department's cadres (issue 14) and others' cadres
)
ERASURE_APPROVERS = (Role.DATA_PROTECTION, Role.AUDIT)  # a second principal, not the requester


@dataclass
class Ledger:
    app: LedgerApp
    vault: Vault
    db: SqlDatabase
    log: LogStore
    source_clock: Clock = system_clock
    new_id: Callable[[], UUID] = field(default=uuid.uuid4)
    zone: tzinfo = field(default_factory=lambda: zone_named(DEFAULT_TIMEZONE))

    @property
    def clock(self) -> Clock:
        """The business clock: ``source_clock``'s moments in the business timezone
        (``zone``, GONGSHI_TIMEZONE), so a command's ``moment.date()`` is the business date
        and ``format_at`` still writes UTC. Setting it sets ``source_clock`` (a clock in any
        timezone: the demo's and the tests' UTC stepping clocks are seen in ``zone`` too)."""
        return BusinessClock(self.source_clock, self.zone)

    @clock.setter
    def clock(self, source: Clock) -> None:
        self.source_clock = source.source if isinstance(source, BusinessClock) else source

    def register_subject(self, personal: dict[str, Any], kind: str, actor: Actor) -> UUID:
        """Put ``personal`` in the vault under a new random pseudonym; record the commitment.

        ``personal`` holds only the vault's personal fields (name, id_number, phone, ...).
        """
        actor.require(*SUBJECT_ROLES)
        unknown = set(personal) - PERSONAL_FIELDS
        if unknown:
            raise RuleViolation("subject.fields", f"unknown personal fields {sorted(unknown)}")
        if not personal.get("name"):
            raise RuleViolation("subject.fields", "a subject needs at least a name")
        for name, value in personal.items():
            if not isinstance(value, str) or not 0 < len(value) <= 500:
                raise RuleViolation("subject.fields", f"{name} must be text of 1..500 characters")
        if kind not in SUBJECT_KINDS:
            raise RuleViolation("subject.kind", f"kind {kind!r} not in {SUBJECT_KINDS}")
        subject_id = self.new_id()
        commitment = self.vault.store_subject(str(subject_id), personal)
        try:
            subject = Subject._start(
                Subject.Registered,
                id=subject_id,
                actor=actor,
                moment=self.clock(),
                commitment=commitment,
                kind=kind,
            )
            self.app.save(subject)
        except BaseException:
            self.vault.erase(str(subject_id))  # no record, so no personal data either
            raise
        return subject_id

    def require_subject(self, subject_id: UUID, kind: str | None = None) -> Subject:
        """The registered, not erased subject (of ``kind`` if given); NotFound if unknown."""
        subject = self.app.get(Subject, subject_id)
        if subject.erased:
            raise RuleViolation("subject.erased", f"subject {subject_id} was erased")
        if kind is not None and subject.kind != kind:
            raise RuleViolation(
                "subject.kind", f"subject {subject_id} is a {subject.kind}, expected a {kind}"
            )
        return subject

    def request_erasure(self, subject_id: UUID, reason: str, actor: Actor) -> list[Recording[UUID]]:
        """Record ``subject.ErasureRequested``: a ``data_protection`` principal asks, with the
        reason (PIPL art. 47). NotFound if unknown; RuleViolation ``subject.erase_reason``
        (blank reason), ``subject.erased``, ``subject.erasure_pending`` (a request is open)."""
        actor.require(Role.DATA_PROTECTION)
        if not reason.strip():
            raise RuleViolation("subject.erase_reason", "an erasure request needs a reason")
        subject = self.app.get(Subject, subject_id)
        if subject.erased:
            raise RuleViolation("subject.erased", f"subject {subject_id} was erased")
        if subject.erasure_pending:
            raise RuleViolation(
                "subject.erasure_pending",
                f"subject {subject_id}: an erasure was already requested by"
                f" {subject.requested_by} ({subject.erasure_reason!r})",
            )
        subject._append(Subject.ErasureRequested, actor=actor, moment=self.clock(), reason=reason)
        return self.app.save(subject)

    def approve_erasure(self, subject_id: UUID, actor: Actor) -> list[Recording[UUID]]:
        """Record ``subject.ErasureApproved`` by a second principal (``data_protection`` or
        ``audit``), never the one who requested it: RuleViolation ``subject.erasure_approval``
        (no open request, already approved, or the requester approving), ``subject.erased``."""
        actor.require(*ERASURE_APPROVERS)
        subject = self.app.get(Subject, subject_id)
        if subject.erased:
            raise RuleViolation("subject.erased", f"subject {subject_id} was erased")
        if not subject.erasure_pending:
            raise RuleViolation(
                "subject.erasure_approval", f"subject {subject_id}: no erasure request to approve"
            )
        if subject.approved_by:
            raise RuleViolation(
                "subject.erasure_approval",
                f"subject {subject_id}: the erasure was already approved by {subject.approved_by}",
            )
        if actor.principal == subject.requested_by:
            raise RuleViolation(
                "subject.erasure_approval",
                f"{actor.principal} requested the erasure of {subject_id}; a second, different"
                " principal approves it",
            )
        subject._append(
            Subject.ErasureApproved,
            actor=actor,
            moment=self.clock(),
            requested_by=subject.requested_by,
        )
        return self.app.save(subject)

    def erase_subject(
        self, subject_id: UUID, compact: bool = False, actor: Actor | None = None
    ) -> list[Recording[UUID]]:
        """Carry out an approved erasure: record ``subject.Erased`` (with the request's reason
        and ``approved_by``, the approval it completes), then delete the subject's vault key
        and data; returns what the save recorded (nothing when only an unfinished deletion
        was completed). Recorded by ``actor``, the account acting now: the erasure job's
        ``ledger.principal.ERASURE_ACTOR`` for a held erasure completed later (the approver
        may hold another role by then); None: the approver, at the approval.

        Requires a request approved by a different principal (``subject.erasure_approval``)
        and no open supervision case, undecided application, grant in its posting window
        (on the business date of the ledger's clock) or outstanding recovery naming the
        subject (``subject.erasure_hold``, evidence: which; ledger/erasure_hold.py): the
        request waits, and the erasure job completes it once they are closed or ended. A
        hold begun between that check and the save (a case opened meanwhile, in another
        process) makes the save fail with a conflict (RecordConflictError, the commit's guard:
        callers retry, and the retry finds the hold).
        Record first, then the vault: if the deletion fails after the record was saved,
        running the erasure again finishes it (an erased subject whose vault data remains
        is erased again). This deletes the vault rows only: the lists still name the subject
        until the projections apply the erasure, and old bytes stay in the database files
        until the batched compaction (projections/erasure.py does all of it).
        ``compact=True`` rewrites the vault tables at once (PostgreSQL VACUUM FULL); by
        default the batched erasure job does it (projections/erasure.py).
        """
        subject = self.app.get(Subject, subject_id)
        recorded: list[Recording[UUID]] = []
        if subject.erased:
            if not self.vault.has_subject(str(subject_id)):
                raise RuleViolation("subject.erased", f"subject {subject_id} was erased")
        else:
            if not subject.erasure_approved:
                raise RuleViolation(
                    "subject.erasure_approval",
                    f"subject {subject_id}: an erasure needs a request by data_protection and"
                    " an approval by a different principal first",
                )
            moment = self.clock()  # once: the hold's business date is the record's
            folded = duties(self.app.recorder)
            held = folded.holding(str(subject_id), moment.date())
            if held:
                raise RuleViolation(
                    "subject.erasure_hold",
                    f"subject {subject_id} keeps its public-duty name until these are closed:"
                    f" {', '.join(held)}; the approved request waits",
                )
            by = actor or Actor(subject.approved_by, Role(subject.approver_role))
            by.require(*ERASURE_APPROVERS)
            subject._append(
                Subject.Erased, actor=by, moment=moment,
                reason=subject.erasure_reason, approved_by=subject.approved_by,
            )  # fmt: skip
            with guards.expecting(*folded.unchanged()):  # no hold begun since the read
                recorded = self.app.save(subject)
        self.vault.erase(str(subject_id), compact=compact)
        return recorded

    def close(self) -> None:
        self.app.close()
        self.db.close()


def open_ledger(
    settings: Settings,
    clock: Clock = system_clock,
    new_id: Callable[[], UUID] = uuid.uuid4,
    random_bytes: RandomBytes = os.urandom,
) -> Ledger:
    """Open the ledger described by ``settings``; VaultError if the master key is missing."""
    master = load_master_key(settings.vault_key_hex, settings.vault_key_path)
    app = open_app(settings.database)
    db = SqlDatabase.sharing(settings.database, app.recorder)
    with schema_lock(settings.database):
        vault = Vault(db, master, random_bytes)
    log = LogStore(db, app.recorder)
    return Ledger(
        app=app,
        vault=vault,
        db=db,
        log=log,
        source_clock=clock,
        new_id=new_id,
        zone=settings.zone,
    )
