"""The demo's scripted principals, enrolled before anything else it records (every record's
actor must be an enrolled principal in its role and scope: ledger/principal.py).

The demo's own admin ``demo-admin`` enrols itself when the registry is empty (the bootstrap),
then every account the demo's parts act as: the Tongcheng care fund's (each industry party
committee bound to its industry), Taihu's organisation department, township party committees,
village committees and party-building instructors (包村党建指导员, each assigned to its
village), the Yuexi and Wangjiang accounts, Qianshan's and Huaining's organisation
departments, assessment leaders (科室负责人, 分管部长) and department cadres (each cadre's own
account, linked to its subject when the assessment part registers it: ledger/demo/
assessment.py), and the system's accounts (the overdue-project policy's and the erasure
job's, without a scope: verify/rules_principals.py SYSTEM_ACCOUNTS).

Each county's supervision (纪检监察) account is scoped to its county: Taihu's closes the
bottom-tenth cases, Wangjiang's registers its cadres, Tongcheng's (supervision-tc-01) revokes
care-fund grants, and Yuexi's (jw-yuexi-01) may run the overdue-project policy on demand for
Yuexi's key projects (``gongshi escalate --token``); the policy's daily run is the system
account's, for every county. The care fund's accounts (intake, trade union, finance, audit)
act fund-wide, and the data-protection officers city-wide (Anqing): their records name no
county.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from ledger.actor import Actor, Role
from ledger.carefund.config import Industry
from ledger.clock import SteppingClock
from ledger.errors import LedgerError
from ledger.ledger import Ledger
from ledger.principal import SYSTEM_ACCOUNTS, Principals, Scope, registry_empty

ADMIN = Actor("demo-admin", Role.ADMIN)
TAIHU, YUEXI, WANGJIANG, TONGCHENG = "taihu", "yuexi", "wangjiang", "tongcheng"
YUEXI_SUPERVISION = Actor("jw-yuexi-01", Role.SUPERVISION)  # on-demand escalation (Yuexi)


def demo_principals() -> list[tuple[Actor, Scope]]:
    """Every (actor, scope) the demo acts as."""
    from ledger.demo import assessment, carefund, points, supervision

    found: list[tuple[Actor, Scope]] = [
        (a, Scope())
        for a in (carefund.INTAKE, carefund.UNION, carefund.FINANCE, carefund.AUDIT,
                  *SYSTEM_ACCOUNTS)  # the escalation and erasure jobs' accounts
    ]  # fmt: skip
    found += [
        (carefund.SUPERVISION, Scope(county=TONGCHENG)),
        (supervision.SUPERVISOR, Scope(county=TAIHU)),
        (supervision.WANGJIANG, Scope(county=WANGJIANG)),
        (YUEXI_SUPERVISION, Scope(county=YUEXI)),
    ]
    found += [(a, Scope(industry=Industry(i).value)) for i, a in carefund.REVIEWERS.items()]
    found += [(points.COUNTY, Scope(county=TAIHU)), (supervision.YUEXI, Scope(county=YUEXI))]
    found += [(supervision.WANGJIANG_ORG, Scope(county=WANGJIANG))]
    found += assessment.assessment_principals()
    found += [
        (Actor(f"zzb-yuexi-lead-{n:02d}", Role.ORGANISATION_DEPARTMENT), Scope(county=YUEXI))
        for n in range(1, len(supervision.PROJECTS) + 1)
    ]
    for t, name in enumerate(points.TOWNSHIPS):
        code = points.township_code(t)
        township = Scope(county=TAIHU, township=code)
        found.append((Actor(f"tpc-{code}", Role.TOWNSHIP_PARTY_COMMITTEE), township))
        for v in range(1, points.VILLAGES_PER_TOWNSHIP + 1):
            village = Scope(county=TAIHU, township=code, village=f"{name}{v:02d}村")
            found.append((Actor(f"vc-{code}-{v:02d}", Role.VILLAGE_COMMITTEE), village))
            found.append((Actor(f"pbi-{code}-{v:02d}", Role.PARTY_BUILDING_INSTRUCTOR), village))
    return found


MEMBER = Actor("member-th01-01", Role.VILLAGE_COMMITTEE)  # a 村两委 member, and a cadre scored
MOVED = Actor("pbi-th12-18", Role.PARTY_BUILDING_INSTRUCTOR)


def registry_changes(ledger: Ledger) -> bool:
    """After the demo's parts (on 1 March 2024), once: a member of 晋熙镇01村's committee
    is enrolled and linked to their own subject, a cadre of the village whose book they may
    therefore not touch ("no principal may enter, correct or appraise entries in their own
    book"), and 汤泉乡's eighteenth village's instructor is reassigned to its first village
    (a role change with its reason, history kept). True if it wrote anything."""
    from ledger.demo import points
    from ledger.points.book import PointsBook

    registry = Principals(ledger)
    if registry.find(MEMBER.principal) is not None:
        return False
    first = points.TOWNSHIPS[0] + "01村"
    books = (ledger.app.get(PointsBook, b) for b in ledger.app.streams_of(PointsBook.Opened.TOPIC))
    own = next(b for b in books if b.village == first)
    saved = ledger.clock
    ledger.clock = SteppingClock(datetime(2024, 3, 1, 9, 0, tzinfo=UTC))
    try:
        village = Scope(county=TAIHU, township=points.township_code(0), village=first)
        registry.enrol(MEMBER.principal, MEMBER.role, village, ADMIN)
        registry.link_subject(MEMBER.principal, UUID(own.cadre), ADMIN)
        last = len(points.TOWNSHIPS) - 1
        moved = Scope(county=TAIHU, township=points.township_code(last),
                      village=f"{points.TOWNSHIPS[last]}01村")  # fmt: skip
        registry.change_role(MOVED.principal, MOVED.role, moved, "包村调整：改包一村", ADMIN)
    finally:
        ledger.clock = saved
    return True


def enrol_demo(ledger: Ledger) -> int:
    """Enrol the demo's principals not enrolled yet (recorded on 1 January 2023); returns
    how many. The demo's admin bootstraps an empty registry; a registry the demo did not
    start is refused (the demo loads into a ledger of its own)."""
    registry = Principals(ledger)
    saved = ledger.clock
    ledger.clock = SteppingClock(datetime(2023, 1, 1, 8, 0, tzinfo=UTC))
    try:
        if registry_empty(ledger.app):
            registry.enrol(ADMIN.principal, Role.ADMIN, Scope(), ADMIN)
        elif registry.find(ADMIN.principal) is None:
            raise LedgerError("the demo loads only into a ledger whose registry it started")
        enrolled = 0
        for actor, scope in demo_principals():
            if registry.find(actor.principal) is None:
                registry.enrol(actor.principal, actor.role, scope, ADMIN)
                enrolled += 1
        return enrolled
    finally:
        ledger.clock = saved
