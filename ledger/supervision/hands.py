"""Whose hands a bottom-ranking case's steps need ("乡镇党委及时约谈提醒，包村党建指导员现场指导").

Two decisions, one place: the principal registry (principals scoped to a county, township or
village, and party-building instructors assigned to villages by an event) answers them once
it exists; until then the role alone decides. Callers pass the cadre's township and village
from the cadre's points book.
"""

from __future__ import annotations

from ledger.actor import Actor, Role


def may_talk(actor: Actor, township: str) -> bool:
    """Whether ``actor`` may hold the 约谈提醒 of a cadre of ``township``: the township's own
    party committee. (The registry's township binding narrows this to that township.)"""
    del township  # decided by the principal registry once principals carry their scope
    return actor.role is Role.TOWNSHIP_PARTY_COMMITTEE


def may_guide(actor: Actor, village: str) -> bool:
    """Whether ``actor`` may give the 现场指导 in ``village``: the party-building instructor
    assigned to the village (包村党建指导员). (The registry's assignment narrows this to the
    instructor of that village.)"""
    del village  # decided by the principal registry once instructors are assigned
    return actor.role is Role.PARTY_BUILDING_INSTRUCTOR
