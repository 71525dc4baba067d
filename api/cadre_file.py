"""Who may read a cadre's file (一人一档) of a routine-assessment programme: the organisation
department that runs it or an assessment leader, each of the programme's county (its registry
scope), or the cadre's own account (a department_cadre account whose holder is that cadre: the
one department_cadre subject linked to it, ``Assessment.holders`` as the domain's rules ask,
ledger/assessment/account.py); the
same for ``GET /api/v1/assessment/programmes/{programme}/cadres/{cadre}`` and ``gongshi
assessment file``. The file holds the cadre's ratings and grade (personal results), so
another county's department or leaders get the answer any other role gets: 403, rule ``role``."""

from __future__ import annotations

from uuid import UUID

from ledger.actor import Actor, Role
from ledger.assessment.programme import AssessmentProgramme
from ledger.assessment.service import Assessment
from ledger.errors import RuleViolation
from ledger.ledger import Ledger
from ledger.principal import principal_of

READERS = (Role.ORGANISATION_DEPARTMENT, Role.ASSESSMENT_LEADER, Role.DEPARTMENT_CADRE)


def require_reader(ledger: Ledger, actor: Actor, programme: UUID, cadre: UUID) -> None:
    """RuleViolation ``role`` (403) unless ``actor`` may read ``cadre``'s file in
    ``programme``: one of READERS; the department and the leaders only in the programme's
    county, a department cadre's account only its holder's file (an account linked to no
    department cadre or to several is no one cadre's). NotFound (404) for an unknown
    programme."""
    actor.require(*READERS)
    if actor.role is Role.DEPARTMENT_CADRE:
        held = sorted(Assessment(ledger).holders()(actor.principal))
        if held != [str(cadre)]:
            whose = (
                f"the account of {held[0]}" if len(held) == 1
                else f"linked to {len(held)} cadres ({', '.join(held)}): no one cadre's" if held
                else "linked to no cadre"
            )  # fmt: skip
            raise RuleViolation(
                "role",
                f"{actor.principal} (department_cadre) reads its own file only: it is {whose},"
                f" not {cadre}'s account",
            )
        return
    principal = principal_of(ledger.app, actor.principal)
    county = ledger.app.get(AssessmentProgramme, programme).county
    theirs = None if principal is None else principal.scope.get("county")
    if theirs != county:
        raise RuleViolation(
            "role",
            f"{actor.principal} ({actor.role.value}) reads the files of its own county's"
            f" programmes only: programme {programme} is {county}'s, the account's county is"
            f" {theirs or 'none'}",
        )
