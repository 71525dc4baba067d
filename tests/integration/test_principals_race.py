"""A write racing its principal's role change, across processes: the write is checked against
the registry, then another process changes the principal's role or scope, then the write's
save commits. The save expects the principal's registry stream still at the version it read
(ledger/guards.py, in its transaction; LedgerApp.save), so it is not stored under the old
role: the conflict makes it check again, and the rule refuses it. Deterministic
interleaving, SQLite and PostgreSQL; each fails without the guard."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from ledger import principal
from ledger.actor import Actor, Role
from ledger.clock import SteppingClock
from ledger.errors import RuleViolation
from ledger.ledger import Ledger, open_ledger
from ledger.principal import Principals, Scope
from ledger.settings import Settings
from ledger.supervision.service import Supervision
from tests.integration.helpers import stored_count
from tests.support.principals import ADMIN

SUP = Actor("supervision-01", Role.SUPERVISION)  # Taihu's

CHANGES = {  # the change another process makes meanwhile -> the rule that then refuses
    "role-changed-meanwhile": (Role.AUDIT, Scope(), "principal.role"),
    "county-changed-meanwhile": (Role.SUPERVISION, Scope(county="yuexi"), "principal.scope"),
}  # fmt: skip


@pytest.mark.parametrize("role, scope, rule", CHANGES.values(), ids=CHANGES.keys())
def test_a_write_racing_its_principals_role_change_is_not_stored_under_the_old_one(
    ledger: Ledger,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    role: Role,
    scope: Scope,
    rule: str,
) -> None:
    ledger.clock = SteppingClock(datetime(2024, 1, 10, 1, 0, tzinfo=UTC))
    original, changed = principal.check_actors, []

    def check_then_change(*args: Any) -> list[principal.Principal]:
        read = original(*args)
        if not changed and any(p.account == SUP.principal for p in read):
            own = open_ledger(
                settings, clock=SteppingClock(datetime(2024, 1, 10, 2, 0, tzinfo=UTC))
            )
            try:  # the admin, in another process, between the check and the save
                Principals(own).change_role(SUP.principal, role, scope, "调整分工", ADMIN)
                changed.append(True)
            finally:
                own.close()
        return read

    monkeypatch.setattr(principal, "check_actors", check_then_change)
    before = stored_count(ledger)
    open_case: Callable[[], Any] = lambda: Supervision(ledger).open_case(  # noqa: E731
        target_kind="unit", target="水利局", reason="complaint", detail="群众反映工程进度滞后",
        county="taihu", actor=SUP)  # fmt: skip
    with pytest.raises(RuleViolation) as refused:
        open_case()
    assert refused.value.rule == rule and changed == [True]
    assert stored_count(ledger) == before + 1  # the role change only, not the case
    assert Principals(ledger).get(SUP.principal).role == role.value
