"""Enrol test actors in a ledger's principal registry (every record's actor must be enrolled,
in its current role and scope: ledger/principal.py).

``enrol(ledger, *actors)`` bootstraps the registry with ``ADMIN`` if it is empty, then enrols
each actor not enrolled yet, in its role and the scope SCOPES gives its account (else the
standard test scope its role needs: Taihu county, township th01, village 晋熙镇01村, the
express-delivery industry; a system account none). ``STANDARD`` are the actors the
integration helpers and the API tests use.
"""

from __future__ import annotations

from ledger.actor import Actor, Role
from ledger.ledger import Ledger
from ledger.principal import Principals, Scope, registry_empty
from verify.rules_principals import ROLE_SCOPES, SYSTEM_ACCOUNTS

ADMIN = Actor("demo-admin", Role.ADMIN)  # the demo's own: the demo loads on top of it
COUNTY, TOWNSHIP, VILLAGE, INDUSTRY = "taihu", "th01", "晋熙镇01村", "express_delivery"
DEFAULTS = {"county": COUNTY, "township": TOWNSHIP, "village": VILLAGE, "industry": INDUSTRY}
SCOPES: dict[str, Scope] = {}  # account -> a scope other than the defaults

STANDARD = (
    Actor("intake-01", Role.INTAKE),
    Actor("ipc-01", Role.INDUSTRY_PARTY_COMMITTEE),
    Actor("union-01", Role.TRADE_UNION),
    Actor("union-02", Role.TRADE_UNION),
    Actor("finance-01", Role.FINANCE),
    Actor("finance-02", Role.FINANCE),
    Actor("audit-01", Role.AUDIT),
    Actor("supervision-01", Role.SUPERVISION),
    Actor("tpc-01", Role.TOWNSHIP_PARTY_COMMITTEE),
    Actor("vc-01", Role.VILLAGE_COMMITTEE),
    Actor("org-01", Role.ORGANISATION_DEPARTMENT),
    Actor("org-02", Role.ORGANISATION_DEPARTMENT),  # a key project's 工作专班 lead
    Actor("policy-keyproject", Role.SUPERVISION),  # the overdue-project policy (escalation.py)
    Actor("policy-erasure", Role.DATA_PROTECTION),  # the erasure job (projections/erasure.py)
    Actor("public-objection", Role.INTAKE),  # the public objection channel (ledger/posting/)
    Actor("pbi-01", Role.PARTY_BUILDING_INSTRUCTOR),
    Actor("dpo-01", Role.DATA_PROTECTION),
    Actor("dpo-02", Role.DATA_PROTECTION),
    *(Actor(f"member-{n}", Role.VILLAGE_COMMITTEE) for n in (0, 1, 2)),
)


def default_scope(role: Role, account: str = "") -> Scope:
    """The standard test scope of ``role``: the levels it needs, filled from DEFAULTS (a
    supervision principal is Taihu's); none for a system account in its own role."""
    if account in SYSTEM_ACCOUNTS and SYSTEM_ACCOUNTS[account][0] == role.value:
        return Scope()
    return Scope(**{level: DEFAULTS[level] for level in ROLE_SCOPES.get(role.value, ())})


def enrol(ledger: Ledger, *actors: Actor, scope: Scope | None = None) -> None:
    """Enrol ``actors`` (each once; an enrolled one is left as it is), bootstrapping the
    registry with ADMIN first if it is empty. ``scope``: for all of them, instead of SCOPES
    or the role's default."""
    registry = Principals(ledger)
    if registry_empty(ledger.app):
        registry.enrol(ADMIN.principal, Role.ADMIN, Scope(), ADMIN)
    for actor in actors:
        if registry.find(actor.principal) is None:
            given = (
                scope or SCOPES.get(actor.principal) or default_scope(actor.role, actor.principal)
            )
            registry.enrol(actor.principal, actor.role, given, ADMIN)


def enrolled(ledger: Ledger) -> Ledger:
    """``ledger`` with the STANDARD actors enrolled."""
    enrol(ledger, *STANDARD)
    return ledger
