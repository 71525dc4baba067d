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

from ledger.actor import Actor, Role
from ledger.app import LedgerApp, open_app
from ledger.clock import BusinessClock, Clock, system_clock
from ledger.db import SqlDatabase, schema_lock
from ledger.errors import RuleViolation
from ledger.log.store import LogStore
from ledger.settings import Settings
from ledger.subject import Subject
from ledger.vault import PERSONAL_FIELDS, RandomBytes, Vault, load_master_key
from verify.days import DEFAULT_TIMEZONE, zone_named

SUBJECT_KINDS = ("worker", "responsible_person", "donor", "cadre", "unit_head")
SUBJECT_ROLES = (
    Role.INTAKE,
    Role.FINANCE,
    Role.SUPERVISION,
    Role.TOWNSHIP_PARTY_COMMITTEE,
    Role.VILLAGE_COMMITTEE,
)


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

    def erase_subject(
        self, subject_id: UUID, reason: str, actor: Actor, compact: bool = True
    ) -> list[Recording[UUID]]:
        """Record the erasure, then delete the subject's vault key and data; returns what the
        save recorded (nothing when only an unfinished deletion was completed).

        In that order: if the deletion fails after the record was saved, running the erasure
        again finishes it (an erased subject whose vault data remains is erased again).
        This deletes the vault rows only: the public lists still name the subject until the
        projections apply the erasure, and old bytes may stay in database files.
        ``projections.erasure.erase_everywhere`` does all of it; use that.
        ``compact=False`` leaves the PostgreSQL rewrite of the vault tables to the caller.
        """
        actor.require(*SUBJECT_ROLES)
        subject = self.app.get(Subject, subject_id)
        recorded: list[Recording[UUID]] = []
        if subject.erased:
            if not self.vault.has_subject(str(subject_id)):
                raise RuleViolation("subject.erased", f"subject {subject_id} was erased")
        else:
            if not reason.strip():
                raise RuleViolation("subject.erase_reason", "an erasure needs a reason")
            subject._append(Subject.Erased, actor=actor, moment=self.clock(), reason=reason)
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
