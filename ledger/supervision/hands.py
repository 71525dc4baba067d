"""Whose hands a bottom-ranking case's steps need ("乡镇党委及时约谈提醒，包村党建指导员现场指导").

Two decisions, one place, answered from the principal registry (ledger/principal.py): the
acting principal's role and its recorded scope. Callers pass the cadre's township and village
(``Place``: from the cadre's points book, the book the case's close ranked) and the acting
principal's registry scope (None when the account is not enrolled: then nobody's hands fit).
The verifier checks the same (verify/rules_supervision.py, rule ``supervision.hands``).
"""

from __future__ import annotations

from collections.abc import Mapping

from ledger.actor import Actor, Role

Scope = Mapping[str, str | None]


def may_talk(actor: Actor, scope: Scope | None, township: str) -> bool:
    """Whether ``actor`` may hold the 约谈提醒 of a cadre of ``township``: "乡镇党委" — the
    cadre's own township party committee, a principal of that role whose scope's township
    is ``township``."""
    return (
        actor.role is Role.TOWNSHIP_PARTY_COMMITTEE
        and scope is not None
        and scope.get("township") == township
    )


def may_guide(actor: Actor, scope: Scope | None, township: str, village: str) -> bool:
    """Whether ``actor`` may give the 现场指导 in ``village`` of ``township``: "包村党建指导员" —
    the party-building instructor assigned to the village, a principal of that role whose
    scope is that township and village."""
    return (
        actor.role is Role.PARTY_BUILDING_INSTRUCTOR
        and scope is not None
        and (scope.get("township"), scope.get("village")) == (township, village)
    )
