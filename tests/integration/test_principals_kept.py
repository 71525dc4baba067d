"""LedgerApp keeps the registry entries it read (no read of the registry on every save); the
save's guard on each entry's version, in its own transaction, is what makes a kept entry safe.
Another process changes the principal after this app kept it:

- a change the rule refuses (another role, another county): the next write is refused by the
  rule, as if the entry had been read afresh, and nothing of it is stored;
- a change no rule cares about (a subject linked): the next write is stored, checked against
  the fresh entry, without a conflict reaching the caller.

- the actor writing its own registry stream (no guard on it): read afresh, refused.

SQLite and PostgreSQL; the first fails without the guard (the write is stored under the old
role), the second without the save's second attempt (a RecordConflictError), the third when
the kept entry is used for the actor's own stream."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest

from ledger.actor import Actor, Role
from ledger.clock import SteppingClock
from ledger.errors import RuleViolation
from ledger.ledger import Ledger, open_ledger
from ledger.principal import Principals, Scope
from ledger.settings import Settings
from ledger.supervision.service import Supervision
from tests.integration.helpers import INTAKE
from tests.support.principals import ADMIN

SUP = Actor("supervision-01", Role.SUPERVISION)  # Taihu's

CHANGES = {  # the change another process makes after the entry was kept -> the rule
    "role-changed-after-kept": (Role.AUDIT, Scope(), "principal.role"),
    "county-changed-after-kept": (Role.SUPERVISION, Scope(county="yuexi"), "principal.scope"),
}  # fmt: skip


def open_case(ledger: Ledger) -> UUID:
    return Supervision(ledger).open_case(
        target_kind="unit", target="水利局", reason="complaint", detail="群众反映工程进度滞后",
        county="taihu", actor=SUP,
    )  # fmt: skip


def stored_count(ledger: Ledger) -> int:
    """Records stored (not the last notification id: PostgreSQL's sequence keeps the ids
    of a rolled-back insert)."""
    table = "gongshi_events" if ledger.db.is_postgres else "stored_events"
    return int(ledger.db.execute(f"SELECT COUNT(*) FROM {table}")[0][0])


def elsewhere(settings: Settings) -> Ledger:
    """The same ledger opened as another process would (its own app, nothing kept)."""
    return open_ledger(settings, clock=SteppingClock(datetime(2024, 1, 10, 2, 0, tzinfo=UTC)))


@pytest.mark.parametrize("role, scope, rule", CHANGES.values(), ids=CHANGES.keys())
def test_a_kept_entry_changed_elsewhere_is_refused_by_the_rule(
    ledger: Ledger, settings: Settings, role: Role, scope: Scope, rule: str
) -> None:
    ledger.clock = SteppingClock(datetime(2024, 1, 10, 1, 0, tzinfo=UTC))
    open_case(ledger)  # the app has read and kept SUP's entry
    other = elsewhere(settings)
    try:
        Principals(other).change_role(SUP.principal, role, scope, "调整分工", ADMIN)
    finally:
        other.close()
    before = stored_count(ledger)
    with pytest.raises(RuleViolation) as refused:
        open_case(ledger)
    assert refused.value.rule == rule
    assert stored_count(ledger) == before
    with pytest.raises(RuleViolation):  # and it stays refused
        open_case(ledger)


def test_a_kept_entry_changed_elsewhere_without_consequence_still_writes(
    ledger: Ledger, settings: Settings
) -> None:
    ledger.clock = SteppingClock(datetime(2024, 1, 10, 1, 0, tzinfo=UTC))
    open_case(ledger)
    subject = ledger.register_subject({"name": "李明"}, "worker", INTAKE)
    other = elsewhere(settings)
    try:
        Principals(other).link_subject(SUP.principal, subject, ADMIN)
    finally:
        other.close()
    before = stored_count(ledger)
    open_case(ledger)  # no RecordConflictError: checked against the fresh entry, stored
    assert stored_count(ledger) == before + 1


def test_an_actor_writing_its_own_registry_stream_is_read_afresh(
    ledger: Ledger, settings: Settings
) -> None:
    """No guard covers the actor's own stream in that save (the stream's version does, for
    the entry the command loaded): the kept entry must not be what the rule is checked on."""
    ledger.clock = SteppingClock(datetime(2024, 1, 10, 1, 0, tzinfo=UTC))
    second = Actor("admin-02", Role.ADMIN)
    registry = Principals(ledger)
    registry.enrol(second.principal, Role.ADMIN, Scope(), ADMIN)
    registry.enrol("finance-kept-01", Role.FINANCE, Scope(), second)  # second's entry kept
    other = elsewhere(settings)
    try:
        Principals(other).change_role(second.principal, Role.AUDIT, Scope(), "调整分工", ADMIN)
    finally:
        other.close()
    subject = ledger.register_subject({"name": "王芳"}, "worker", INTAKE)
    before = stored_count(ledger)
    with pytest.raises(RuleViolation) as refused:
        registry.link_subject(second.principal, subject, second)  # its own stream, as admin
    assert refused.value.rule == "principal.role"
    assert stored_count(ledger) == before
