"""The principal registry, recorded in the log: who may act, in which one role, where.

A principal is an account (``ledger.actor.PRINCIPAL_PATTERN``, never a person's name) with one
role at a time and a scope (county, township, village, industry: each null or a value, as
the role needs: ``verify.rules_principals.ROLE_SCOPES``; a supervision principal is its
county's, the care fund's roles and audit act for the one Tongcheng fund and
data_protection for the city, their records naming no county). Its stream id is UUID v5 of the
account in its own namespace (docs/FORMAT.md §4 "Stream ids"), so an account is enrolled once.
Recorded by ``admin``:

- ``principal.Enrolled`` — the account, its role and scope;
- ``principal.RoleChanged`` — a new role and scope with the reason ("a role change is an
  event, history kept": the earlier roles stay in the stream);
- ``principal.SubjectLinked`` — the subject the account belongs to (a cadre's own account), so
  that "no principal may enter, correct or appraise entries in their own book" can be checked.

Bootstrap: the log's first record is an admin that enrols itself (``gongshi principals
enrol --account A --role admin`` on the server, or the demo's ``demo-admin``, while the
registry is empty): ``check_actors`` refuses every other record while no one is enrolled,
so no record precedes it, and the verifier checks every record from the log's first
(``principal.role``: a bootstrap rewritten, moved or dropped is caught). Every later
enrolment is by an enrolled admin. The bootstrap also enrols the system's own accounts
(``SYSTEM_ACCOUNTS``), recorded by that first admin: the jobs that act by themselves in
``gongshi serve`` (the overdue-project escalation, "挂牌督办"; a held erasure completed when
its case or application is closed) are principals like any other, enrolled and in one role,
so their records pass the same rules. A registry bootstrapped before these accounts existed
gets them with ``Principals.enrol_system`` (``gongshi principals enrol-system``). They have no
scope (the overdue-project policy escalates every county's projects), record only their job's
types (``principal.system``, one table: ``verify.rules_principals.SYSTEM_ACCOUNTS``) and get
no token; an operator runs the policy on demand as its own supervision principal.

``check_actors`` is the domain side of the rules across records of verify/rules_principals.py,
applied by ``LedgerApp.save`` to every pending event before it is stored.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import RecordConflictError

from ledger.actor import PRINCIPAL_PATTERN, Actor, Role
from ledger.chained import LedgerAggregate
from ledger.errors import NotFound, RuleViolation
from verify.rules_principals import (
    ALLOCATED,
    OWN_BOOK,
    ROLE,
    SCOPE,
    SCOPE_LEVELS,
    SYSTEM,
    scope_problem,
    system_problem,
    uncovered,
)
from verify.rules_principals import SYSTEM_ACCOUNTS as SYSTEM_TABLE
from verify.schema import PRINCIPAL_NAMESPACE, REASON_PATTERN, SCOPE_NAME_PATTERN

REASON = f"one line of up to 500 characters ({REASON_PATTERN.pattern})"

if TYPE_CHECKING:
    from ledger.app import LedgerApp
    from ledger.ledger import Ledger

ENROLLED = "principal.Enrolled"

# The system's scripted accounts (no token: the server's own jobs act as them), enrolled by
# the first admin at bootstrap, each in its one role and without a scope: they act for every
# county, and record only their job's types (verify/rules_principals.py SYSTEM_ACCOUNTS,
# rule ``principal.system``). No token is issued for them (api/tokens.py).
SYSTEM_ACCOUNTS = tuple(Actor(account, Role(role)) for account, (role, _) in SYSTEM_TABLE.items())
POLICY_ACTOR, ERASURE_ACTOR, OBJECTION_ACTOR = SYSTEM_ACCOUNTS  # escalation.py; erasure.py;
# ledger/posting/service.py (the public objection channel)


def principal_id(account: str) -> UUID:
    """The stream id of ``account``'s registry entry: UUID v5 in PRINCIPAL_NAMESPACE."""
    return uuid.uuid5(PRINCIPAL_NAMESPACE, account)


@dataclass(frozen=True, slots=True)
class Scope:
    """Where a principal acts; each level None or a value (the role says which it needs)."""

    county: str | None = None
    township: str | None = None
    village: str | None = None
    industry: str | None = None

    def levels(self) -> dict[str, str | None]:
        return asdict(self)


class Principal(LedgerAggregate):
    """One account of the registry: its current role and scope, and its linked subjects."""

    if TYPE_CHECKING:  # attributes set by events; not dataclass fields
        account: str
        role: str
        scope: dict[str, str | None]
        subjects: list[str]
        roles_held: list[str]

    def change_role(
        self, role: Role, scope: Scope, reason: str, actor: Actor, moment: datetime
    ) -> None:
        actor.require(Role.ADMIN)
        _check_scope(self.account, role, scope)
        if not REASON_PATTERN.fullmatch(reason):
            raise RuleViolation("principal.reason", f"a role change needs a reason, {REASON}")
        if role.value == self.role and scope.levels() == self.scope:
            raise RuleViolation("principal.reason", f"{self.account} already holds this role")
        self._append(
            Principal.RoleChanged, actor=actor, moment=moment, acts_as=role.value,
            reason=reason, **scope.levels(),
        )  # fmt: skip

    def link_subject(self, subject: UUID, actor: Actor, moment: datetime) -> None:
        actor.require(Role.ADMIN)
        if str(subject) in self.subjects:
            raise RuleViolation("principal.linked", f"{self.account} is linked to {subject}")
        self._append(Principal.SubjectLinked, actor=actor, moment=moment, subject=str(subject))

    class Enrolled(LedgerAggregate.Created):
        TOPIC = ENROLLED
        account: str
        acts_as: str
        county: str | None
        township: str | None
        village: str | None
        industry: str | None

        def assign(self, aggregate: Any) -> None:
            aggregate.account = self.account
            aggregate.role = self.acts_as
            aggregate.scope = {level: getattr(self, level) for level in SCOPE_LEVELS}
            aggregate.subjects = []
            aggregate.roles_held = [self.acts_as]

    class RoleChanged(LedgerAggregate.Event):
        TOPIC = "principal.RoleChanged"
        acts_as: str
        county: str | None
        township: str | None
        village: str | None
        industry: str | None
        reason: str

        def assign(self, aggregate: Any) -> None:
            aggregate.role = self.acts_as
            aggregate.scope = {level: getattr(self, level) for level in SCOPE_LEVELS}
            aggregate.roles_held = [*aggregate.roles_held, self.acts_as]

    class SubjectLinked(LedgerAggregate.Event):
        TOPIC = "principal.SubjectLinked"
        subject: str

        def assign(self, aggregate: Any) -> None:
            aggregate.subjects = [*aggregate.subjects, self.subject]


def _check_scope(account: str, role: Role, scope: Scope) -> None:
    if (system := system_problem(account, role.value, ENROLLED)) is not None:
        raise RuleViolation(SYSTEM, f"{account} is a system account: {system[0]}, not {role}")
    for level, value in scope.levels().items():
        if value is not None and not SCOPE_NAME_PATTERN.fullmatch(value):
            raise RuleViolation(SCOPE, f"{level} {value!r} is not {SCOPE_NAME_PATTERN.pattern}")
    if (bad := scope_problem(role.value, scope.levels(), account)) is not None:
        level, expected, found = bad
        raise RuleViolation(SCOPE, f"role {role.value}: {level} must be {expected}, not {found}")


def enrolment(account: str, role: Role, scope: Scope, actor: Actor, moment: datetime) -> Principal:
    """A new registry entry (not saved); the rules an enrolment must keep."""
    if not PRINCIPAL_PATTERN.fullmatch(account):
        raise RuleViolation("principal.account", f"{account!r} is not {PRINCIPAL_PATTERN.pattern}")
    actor.require(Role.ADMIN)
    _check_scope(account, role, scope)
    return Principal._start(
        Principal.Enrolled, id=principal_id(account), actor=actor, moment=moment,
        account=account, acts_as=role.value, **scope.levels(),
    )  # fmt: skip


# --- the rules every record keeps (LedgerApp.save) --------------------------------------

Lookup = Callable[[str], Principal | None]
CadreOf = Callable[[str], str | None]  # a book's stream id -> its cadre (None: no such book)
Pending = list[tuple[LedgerAggregate, LedgerAggregate.Event]]


def pending_events(objs: Iterable[object]) -> Pending:
    """The (aggregate, event) pairs a save of ``objs`` is about to store (a save collects
    them: taken beforehand, they can be checked again after a conflict)."""
    return [
        (obj, event)
        for obj in objs
        if isinstance(obj, LedgerAggregate)
        for event in obj.pending_events
        if isinstance(event, LedgerAggregate.Event)
    ]


def check_actors(
    events: Pending, lookup: Lookup, first: Callable[[], bool], cadre_of: CadreOf
) -> list[Principal]:
    """RuleViolation for the first of ``events`` whose actor breaks a rule of
    verify/rules_principals.py: not enrolled or not in its current role (``principal.role``;
    an admin enrolling itself into an empty registry is the bootstrap), outside its scope
    (``principal.scope``), in its own book or allocating to it (``principal.own_book``), a
    system account recording what its job does not (``principal.system``).
    ``lookup(account)`` is the stored registry entry or None; ``first()`` says whether the
    registry is still empty; ``cadre_of(book)`` the cadre of a book an allocation names.
    Returns the registry entries it read: the save expects each still at the version read
    (ledger/guards.py), so a role changed meanwhile is not stored as the old one's."""
    seen: dict[str, Principal | None] = {}
    for obj, event in events:
        account = event.principal
        if account not in seen:
            seen[account] = lookup(account)
        _check_event(obj, event, seen[account], first, cadre_of)
    return [p for p in seen.values() if p is not None]


def _check_event(
    obj: LedgerAggregate,
    event: LedgerAggregate.Event,
    actor: Principal | None,
    first: Callable[[], bool],
    cadre_of: CadreOf,
) -> None:
    topic, account = event.TOPIC, event.principal
    if actor is None:
        data = vars(event)
        if not (
            topic == ENROLLED
            and data["account"] == account
            and event.role == data["acts_as"] == Role.ADMIN.value
            and first()
        ):
            raise RuleViolation(ROLE, f"{account} is not an enrolled principal ({topic})")
        return
    if actor.role != event.role:
        raise RuleViolation(ROLE, f"{account} holds role {actor.role}, not {event.role} ({topic})")
    if not isinstance(obj, Principal):
        if (system := system_problem(account, actor.role, topic)) is not None:
            raise RuleViolation(SYSTEM, f"{account}, a system account, records only {system[0]}")
        record_scope = {k: v for k in SCOPE_LEVELS if isinstance(v := getattr(obj, k, None), str)}
        if (bad := uncovered(actor.scope, record_scope)) is not None:
            level, mine, theirs = bad
            raise RuleViolation(SCOPE, f"{account} acts in {level} {mine}, not {theirs} ({topic})")
    if actor.subjects and (cadre := _cadre_concerned(obj, event, cadre_of)) in actor.subjects:
        raise RuleViolation(OWN_BOOK, f"{account} is linked to {cadre}, whose book this is")


def _cadre_concerned(
    obj: LedgerAggregate, event: LedgerAggregate.Event, cadre_of: CadreOf
) -> str | None:
    """The cadre whose book ``event`` is in (a book's record) or allocates to (an
    allocation names the book), or None."""
    opened = _opening_topic(type(obj))
    if opened == "points.BookOpened":
        cadre: str = getattr(obj, "cadre")  # noqa: B009 (a book's attribute, set by BookOpened)
        return cadre
    if event.TOPIC == ALLOCATED:
        return cadre_of(vars(event)["book"])
    return None


def book_cadre(app: LedgerApp, book: str) -> str | None:
    """The cadre of the points book ``book`` (a stream id), or None if it is no book."""
    try:
        found: object = app.repository.get(UUID(book))
    except (AggregateNotFoundError, ValueError):  # no such stream, a malformed id: no book
        return None
    cadre = getattr(found, "cadre", None)
    return cadre if isinstance(cadre, str) else None


@functools.cache
def _opening_topic(cls: type[LedgerAggregate]) -> str | None:
    for value in vars(cls).values():
        if isinstance(value, type) and issubclass(value, LedgerAggregate.Created):
            topic: str | None = getattr(value, "TOPIC", None)
            return topic
    return None


class Principals:
    """The registry's commands and reads over a Ledger (admin records; anyone may read)."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def find(self, account: str) -> Principal | None:
        """``account``'s registry entry, or None if it was never enrolled."""
        return principal_of(self.ledger.app, account)

    def get(self, account: str) -> Principal:
        """``account``'s registry entry; NotFound if it was never enrolled."""
        found = self.find(account)
        if found is None:
            raise NotFound("principal", account)
        return found

    def listed(self) -> list[Principal]:
        """Every enrolled principal, in order of enrolment (a scan of the log)."""
        app = self.ledger.app
        return [app.get(Principal, stream) for stream in app.streams_of(ENROLLED)]

    def enrol(self, account: str, role: Role, scope: Scope, actor: Actor) -> UUID:
        """Enrol ``account`` in ``role`` and ``scope`` (once; by an admin, or by itself as
        the first admin of an empty registry)."""
        principal = enrolment(account, role, scope, actor, self.ledger.clock())
        try:
            self.ledger.app.save(principal)  # version 1 of a derived stream: once
        except RecordConflictError:
            raise RuleViolation("principal.enrolled", f"{account} is already enrolled") from None
        return principal.id

    def bootstrap(self, account: str) -> list[str]:
        """Enrol ``account`` as the first admin of the empty registry (recorded by itself),
        then the system accounts (recorded by it); the accounts enrolled, in order."""
        if not registry_empty(self.ledger.app):
            raise RuleViolation("principal.enrolled", "the registry is not empty: no bootstrap")
        self.enrol(account, Role.ADMIN, Scope(), Actor(account, Role.ADMIN))
        return [account, *self.enrol_system(Actor(account, Role.ADMIN))]

    def enrol_system(self, actor: Actor) -> list[str]:
        """Enrol every system account not enrolled yet (by the admin ``actor``); which."""
        enrolled = []
        for system in SYSTEM_ACCOUNTS:
            if self.find(system.principal) is None:
                self.enrol(system.principal, system.role, Scope(), actor)
                enrolled.append(system.principal)
        return enrolled

    def change_role(
        self, account: str, role: Role, scope: Scope, reason: str, actor: Actor
    ) -> None:
        """Give ``account`` a new role and scope, with the reason; history kept."""
        self.ledger.app.update(
            Principal,
            self.get(account).id,
            lambda p: p.change_role(role, scope, reason, actor, self.ledger.clock()),
        )

    def link_subject(self, account: str, subject: UUID, actor: Actor) -> None:
        """Record that ``account`` belongs to ``subject`` (registered, not erased)."""
        self.ledger.require_subject(subject)
        self.ledger.app.update(
            Principal,
            self.get(account).id,
            lambda p: p.link_subject(subject, actor, self.ledger.clock()),
        )


def principal_of(app: LedgerApp, account: str) -> Principal | None:
    """The stored registry entry of ``account``, or None."""
    try:
        return app.get(Principal, principal_id(account))
    except NotFound:
        return None


def registry_empty(app: LedgerApp) -> bool:
    """True while no principal has been enrolled (the bootstrap's condition)."""
    return not app.recorder.select_notifications(start=1, limit=1, topics=[ENROLLED])
