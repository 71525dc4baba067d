"""Who may record what: the principal registry's rules across records (docs/FORMAT.md §4
"Rules across records", "Principals").

The registry is itself in the log: ``principal.Enrolled`` (an account, its one role and its
scope), ``principal.RoleChanged`` ("a role change is an event, history kept") and
``principal.SubjectLinked`` (the subject an account belongs to: a cadre's own account).
Checked on every record, whatever its type:

- ``principal.role``: its ``actor.principal`` was enrolled before it and ``actor.role`` is
  that principal's role at the time. Every record is checked, the log's first included: the
  one record whose actor needs no earlier enrolment is the bootstrap, an admin enrolling
  itself while no principal is enrolled. So the log's first record is the bootstrap (the
  domain refuses any other write into an empty registry), and a log whose bootstrap was
  rewritten, moved or dropped fails on the first record that then has no enrolled actor;
  there is no mode that skips the registry (a ledger older than it does not exist);
- ``principal.scope``: an enrolment or role change gives the role the scope levels it needs
  (ROLE_SCOPES) and no others; a record in a stream opened with a scope (a village's book, a
  township's plan, a county's scheme, an industry's application: the opening record's
  ``county``, ``township``, ``village``, ``industry``) is by a principal whose scope has the
  same value at every level both name;
- ``principal.own_book``: no principal linked to a subject records in that subject's book,
  nor allocates responsibility points to it (a ``points.ResponsibilityAllocated`` naming the
  book: "no principal may enter, correct or appraise entries in their own book");
- ``principal.system``: the system's own accounts (SYSTEM_ACCOUNTS: the jobs ``gongshi serve``
  runs by themselves) hold their one role, with no scope (the overdue-project policy escalates
  every county's projects), and record only their job's record types.

(``principal.participant``, a points evaluation form's rater recording as itself, is withdrawn
in issue 14: the 《评价表》 belongs to Huaining's department cadres, see ``lecture.*``.)

The ledger (ledger/principal.py) imports ROLE_SCOPES, SCOPE_LEVELS and ``uncovered`` from
here, so the writer and the verifier hold one table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from verify.failure import Failure
from verify.record import Record

ROLE, SCOPE, OWN_BOOK = "principal.role", "principal.scope", "principal.own_book"
SYSTEM = "principal.system"

SCOPE_LEVELS = ("county", "township", "village", "industry")
# The scope levels a role needs (each a value); every other level is null ("principals are
# scoped (county, township, village, industry: an event binds them) and may act only inside
# their scope"). A supervision principal (纪检监察) is its county's: cases, key projects and
# inspections carry their county. Roles not named here write only records that carry no
# scope, and act for the one city (Anqing) or the one care fund (Tongcheng): finance, intake
# and trade_union keep the Tongcheng fund's books and applications (fund-wide: a fund year
# names no county, an application only its industry); audit audits the fund's years and
# approves erasures; data_protection requests erasures of subjects, which name no county.
ROLE_SCOPES: Mapping[str, tuple[str, ...]] = {
    "organisation_department": ("county",),
    "supervision": ("county",),
    "township_party_committee": ("county", "township"),
    "village_committee": ("county", "township", "village"),
    "party_building_instructor": ("county", "township", "village"),
    "industry_party_committee": ("industry",),
    "assessment_leader": ("county",),  # 部务会成员/科室负责人/分管部长 of a county's department
    "department_cadre": ("county",),  # a county organisation department's own cadre
}
# The system's own accounts: account -> (its one role, the record types its job writes).
# Each acts without a scope, for every county (its role's scope levels all null): the
# overdue-project policy ("对规定时限内未完成的持续跟踪、挂牌督办") escalates every county's key
# projects; the erasure job completes held erasures. In exchange it records nothing else.
SYSTEM_ACCOUNTS: Mapping[str, tuple[str, frozenset[str]]] = {
    "policy-keyproject": (
        "supervision",
        frozenset({"supervision.CaseOpened", "supervision.CaseListed", "keyproject.ItemEscalated"}),
    ),
    "policy-erasure": ("data_protection", frozenset({"subject.Erased"})),
    # the public objection channel (issue 15): a member of the public objects to a 公示
    # without an account; the server records the objector (a subject of kind objector, in
    # the vault) and the objection as this account ("受理": the intake desk's role)
    "public-objection": ("intake", frozenset({"subject.Registered", "posting.ObjectionReceived"})),
}
REGISTRY_TYPES = ("principal.Enrolled", "principal.RoleChanged", "principal.SubjectLinked")
ALLOCATED = "points.ResponsibilityAllocated"  # names the book it allocates to (``book``)
Scope = Mapping[str, str | None]


def scope_problem(role: str, scope: Scope, account: str = "") -> tuple[str, str, str] | None:
    """(level, expected, found) of the first level ``scope`` gives ``role`` wrongly, or None.
    A system account in its own role (SYSTEM_ACCOUNTS) needs no level."""
    system = SYSTEM_ACCOUNTS.get(account)
    needs = () if system is not None and system[0] == role else ROLE_SCOPES.get(role, ())
    for level in SCOPE_LEVELS:
        value = scope.get(level)
        if level in needs and not value:
            return level, f"a {level} (role {role} needs one)", "null"
        if level not in needs and value is not None:
            return level, f"null (role {role} has no {level})", value
    return None


def uncovered(principal: Scope, record: Scope) -> tuple[str, str, str] | None:
    """(level, principal's value, record's value) of the first level both name with
    different values, or None when the principal's scope covers the record's."""
    for level in SCOPE_LEVELS:
        mine, theirs = principal.get(level), record.get(level)
        if mine is not None and theirs is not None and mine != theirs:
            return level, mine, theirs
    return None


def system_problem(account: str, role: str, record_type: str) -> tuple[str, str] | None:
    """(expected, found) if system account ``account`` breaks ``principal.system``: enrolled
    or changed into another role than its own (``record_type`` a registry type, ``role`` the
    ``acts_as``), or recording a type its job does not write; None otherwise (and for every
    other account)."""
    system = SYSTEM_ACCOUNTS.get(account)
    if system is None:
        return None
    own_role, types = system
    if record_type in ("principal.Enrolled", "principal.RoleChanged"):
        return None if role == own_role else (f"role {own_role}", role)
    if record_type not in types:
        return ", ".join(sorted(types)), record_type
    return None


def opening_scope(data: Mapping[str, object]) -> dict[str, str]:
    """The scope an opening record gives its stream: its string members named as levels."""
    return {k: v for k in SCOPE_LEVELS if isinstance(v := data.get(k), str)}


@dataclass(slots=True)
class _Principal:
    role: str
    scope: dict[str, str | None]
    subjects: set[str] = field(default_factory=set)


@dataclass
class PrincipalRules:
    principals: dict[str, _Principal] = field(default_factory=dict)  # account -> state
    scopes: dict[str, dict[str, str]] = field(default_factory=dict)  # stream -> its scope
    books: dict[str, str] = field(default_factory=dict)  # book stream -> cadre subject
    accounts: dict[str, str] = field(default_factory=dict)  # principal stream -> account

    def add(self, r: Record, where: str, opens: bool) -> list[Failure]:
        """Check one record (``opens``: it is the first record of its stream), then apply
        it to the registry. Every record passes here, whatever its type, from the log's
        first on: before the bootstrap no actor is enrolled (``principal.role``)."""
        found = self._role(r, where)
        self._open(r, opens)
        actor = self.principals.get(r.principal)
        if actor is not None:
            found += self._scope(r, where, actor) + self._own_book(r, where, actor)
        if r.type not in REGISTRY_TYPES and (bad := system_problem(r.principal, r.role, r.type)):
            message = (
                f"{r.type} by the system account {r.principal}, whose job writes no such record"
            )
            found.append(Failure(where, SYSTEM, message, *bad))
        if r.type in REGISTRY_TYPES:
            found += self._registry(r, where)
        return found

    def _open(self, r: Record, opens: bool) -> None:
        if r.type not in REGISTRY_TYPES and opens:
            if scope := opening_scope(r.data):
                self.scopes[r.stream] = scope
            if r.type == "points.BookOpened":
                self.books[r.stream] = r.data["cadre"]

    def _role(self, r: Record, where: str) -> list[Failure]:
        actor = self.principals.get(r.principal)
        if actor is None:
            if not self.principals and _bootstrap(r):
                return []
            message = f"{r.type} by {r.principal}, who is not an enrolled principal"
            return [Failure(where, ROLE, message, "an enrolled principal", r.principal)]
        if actor.role != r.role:
            message = f"{r.type} by {r.principal} acting as {r.role}, not its current role"
            return [Failure(where, ROLE, message, actor.role, r.role)]
        return []

    def _scope(self, r: Record, where: str, actor: _Principal) -> list[Failure]:
        scope = self.scopes.get(r.stream)
        if scope is None or (bad := uncovered(actor.scope, scope)) is None:
            return []
        level, mine, theirs = bad
        message = f"{r.type} in a stream of {level} {theirs} by {r.principal} of {level} {mine}"
        return [Failure(where, SCOPE, message, theirs, mine)]

    def _own_book(self, r: Record, where: str, actor: _Principal) -> list[Failure]:
        book = r.data["book"] if r.type == ALLOCATED else r.stream
        cadre = self.books.get(book)
        if cadre is None or cadre not in actor.subjects:
            return []
        message = f"{r.type} for the book of {cadre}, the subject {r.principal} is linked to"
        return [Failure(where, OWN_BOOK, message, "another principal", r.principal)]

    def _registry(self, r: Record, where: str) -> list[Failure]:
        d, found = r.data, []
        account = self.accounts.get(r.stream)
        if r.type == "principal.SubjectLinked":
            if account is not None:
                self.principals[account].subjects.add(d["subject"])
            return []
        scope = {level: d[level] for level in SCOPE_LEVELS}
        named = d["account"] if r.type == "principal.Enrolled" else account or ""
        if bad := scope_problem(d["acts_as"], scope, named):
            level, expected, value = bad
            message = f"{r.type}: the scope's {level} does not fit role {d['acts_as']}"
            found.append(Failure(where, SCOPE, message, expected, value))
        if system := system_problem(named, d["acts_as"], r.type):
            message = f"{r.type}: {named} is a system account, in its one role"
            found.append(Failure(where, SYSTEM, message, *system))
        if r.type == "principal.Enrolled":
            self.principals[d["account"]] = _Principal(d["acts_as"], scope)
            self.accounts[r.stream] = d["account"]
        elif account is not None:
            self.principals[account].role, self.principals[account].scope = d["acts_as"], scope
        return found


def _bootstrap(r: Record) -> bool:
    """An admin enrolling itself: the registry's first record, and the log's (checked only
    while no principal is enrolled: a later self-enrolment is by an unenrolled actor)."""
    return (
        r.type == "principal.Enrolled"
        and r.data["account"] == r.principal
        and r.role == r.data["acts_as"] == "admin"
    )
