"""Who may read a cadre's file (一人一档) of a routine-assessment programme: the organisation
department that runs it, an assessment leader, or the cadre's own account (a department_cadre
principal linked to that cadre); the same for ``GET /api/v1/assessment/programmes/{programme}/
cadres/{cadre}`` and ``gongshi assessment file``."""

from __future__ import annotations

from uuid import UUID

from ledger.actor import Actor, Role
from ledger.errors import RuleViolation
from ledger.ledger import Ledger
from ledger.principal import principal_of

READERS = (Role.ORGANISATION_DEPARTMENT, Role.ASSESSMENT_LEADER, Role.DEPARTMENT_CADRE)


def require_reader(ledger: Ledger, actor: Actor, cadre: UUID) -> None:
    """RuleViolation ``role`` (403) unless ``actor`` may read ``cadre``'s file: one of
    READERS, and a department cadre's account only its own."""
    actor.require(*READERS)
    if actor.role is not Role.DEPARTMENT_CADRE:
        return
    principal = principal_of(ledger.app, actor.principal)
    linked = [] if principal is None else principal.subjects
    if str(cadre) not in linked:
        raise RuleViolation(
            "role",
            f"{actor.principal} (department_cadre) reads its own file only: it is linked to"
            f" {', '.join(linked) or 'no cadre'}, not to {cadre}",
        )
