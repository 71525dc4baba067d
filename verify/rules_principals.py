"""Who may record what: the principal registry's rules across records (docs/FORMAT.md §4
"Rules across records", "Principals").

The registry is itself in the log: ``principal.Enrolled`` (an account, its one role and its
scope), ``principal.RoleChanged`` ("a role change is an event, history kept") and
``principal.SubjectLinked`` (the subject an account belongs to: a cadre's own account).
Checked on every record, whatever its type:

- ``principal.role``: its ``actor.principal`` was enrolled before it and ``actor.role`` is
  that principal's role at the time (the log's first record may be an admin enrolling
  itself: the bootstrap);
- ``principal.scope``: an enrolment or role change gives the role the scope levels it needs
  (ROLE_SCOPES) and no others; a record in a stream opened with a scope (a village's book, a
  township's plan, a county's scheme, an industry's application: the opening record's
  ``county``, ``township``, ``village``, ``industry``) is by a principal whose scope has the
  same value at every level both name;
- ``principal.own_book``: no principal linked to a subject records in that subject's book
  ("no principal may enter, correct or appraise entries in their own book");
- ``principal.participant``: a peer-evaluation rating's ``participant`` is the principal
  that recorded it, never a name typed by someone else.

The ledger (ledger/principal.py) imports ROLE_SCOPES, SCOPE_LEVELS and ``uncovered`` from
here, so the writer and the verifier hold one table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from verify.failure import Failure
from verify.record import Record

ROLE, SCOPE, OWN_BOOK = "principal.role", "principal.scope", "principal.own_book"
PARTICIPANT = "principal.participant"

SCOPE_LEVELS = ("county", "township", "village", "industry")
# The scope levels a role needs (each a value); every other level is null. Roles not named
# here act county-wide or fund-wide: all four levels null.
ROLE_SCOPES: Mapping[str, tuple[str, ...]] = {
    "organisation_department": ("county",),
    "township_party_committee": ("county", "township"),
    "village_committee": ("county", "township", "village"),
    "party_building_instructor": ("county", "township", "village"),
    "industry_party_committee": ("industry",),
}
REGISTRY_TYPES = ("principal.Enrolled", "principal.RoleChanged", "principal.SubjectLinked")
Scope = Mapping[str, str | None]


def scope_problem(role: str, scope: Scope) -> tuple[str, str, str] | None:
    """(level, expected, found) of the first level ``scope`` gives ``role`` wrongly, or None."""
    needs = ROLE_SCOPES.get(role, ())
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


def opening_scope(data: Mapping[str, object]) -> dict[str, str]:
    """The scope an opening record gives its stream: its string members named as levels."""
    return {k: v for k in SCOPE_LEVELS if isinstance(v := data.get(k), str)}


@dataclass
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
        it to the registry. Every record passes here, whatever its type. Records before
        the registry's bootstrap predate the registry (a ledger written before it) and are
        not checked against it."""
        if not self.principals and not _bootstrap(r):
            self._open(r, opens)
            return []
        found = self._role(r, where)
        self._open(r, opens)
        actor = self.principals.get(r.principal)
        if actor is not None:
            found += self._scope(r, where, actor) + self._own_book(r, where, actor)
        if r.type == "points.EvaluationScored" and r.data["participant"] != r.principal:
            message = f"form {r.stream}: a rating recorded for another participant"
            found.append(Failure(where, PARTICIPANT, message, r.principal, r.data["participant"]))
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
        cadre = self.books.get(r.stream)
        if cadre is None or cadre not in actor.subjects:
            return []
        message = f"{r.type} in the book of {cadre}, the subject {r.principal} is linked to"
        return [Failure(where, OWN_BOOK, message, "another principal", r.principal)]

    def _registry(self, r: Record, where: str) -> list[Failure]:
        d, found = r.data, []
        account = self.accounts.get(r.stream)
        if r.type == "principal.SubjectLinked":
            if account is not None:
                self.principals[account].subjects.add(d["subject"])
            return []
        scope = {level: d[level] for level in SCOPE_LEVELS}
        if bad := scope_problem(d["acts_as"], scope):
            level, expected, value = bad
            message = f"{r.type}: the scope's {level} does not fit role {d['acts_as']}"
            found.append(Failure(where, SCOPE, message, expected, value))
        if r.type == "principal.Enrolled":
            self.principals[d["account"]] = _Principal(d["acts_as"], scope)
            self.accounts[r.stream] = d["account"]
        elif account is not None:
            self.principals[account].role, self.principals[account].scope = d["acts_as"], scope
        return found


def _bootstrap(r: Record) -> bool:
    """An admin enrolling itself: the registry's first record."""
    return (
        r.type == "principal.Enrolled"
        and r.data["account"] == r.principal
        and r.role == r.data["acts_as"] == "admin"
    )
