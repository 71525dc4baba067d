"""Whose account acts: the one department cadre an assessment account belongs to.

A section head is also a cadre ("科长讲政策": section heads give lectures), so a rule "never
the cadre" (a leader assessing themselves, a rater rating their own lecture, one form per
rater) holds only if every ``assessment_leader`` and ``department_cadre`` account names its
holder. Rule ``assessment.account`` (docs/FORMAT.md §4): such an account records an
``assessment.*``, ``lecture.*`` or ``mentoring.*`` record only while it is linked
(``principal.SubjectLinked``) to exactly one subject of kind ``department_cadre``, its
holder; the "self" rules compare that subject.

The aggregates do not take a caller's word for who the holder is: they ask ``Holders``, the
principal registry's lookup (``Assessment.holders`` reads it), with the acting account.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from ledger.actor import Actor, Role
from ledger.errors import RuleViolation

ACCOUNT = "assessment.account"
HELD = (Role.ASSESSMENT_LEADER, Role.DEPARTMENT_CADRE)  # the roles held by one cadre

# account -> the department_cadre subjects it is linked to (the principal registry's read)
Holders = Callable[[str], Collection[str]]


def holder(actor: Actor, holders: Holders) -> str | None:
    """The department_cadre subject ``actor``'s account belongs to; None for a role of the
    department itself (organisation_department). RuleViolation ``assessment.account`` if an
    assessment_leader or department_cadre account is linked to no such subject or to more
    than one."""
    if actor.role not in HELD:
        return None
    found = sorted(holders(actor.principal))
    if len(found) != 1:
        raise RuleViolation(
            ACCOUNT,
            f"{actor.principal} ({actor.role.value}) acts for exactly one department cadre it"
            f" is linked to; it is linked to {len(found)}: {found}",
        )
    return found[0]
