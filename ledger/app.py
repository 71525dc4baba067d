"""The one eventsourcing Application that stores every kind of record.

One Application gives one notification order, which the Merkle log follows. Its name is fixed
(``gongshi``), so PostgreSQL table names never depend on a class name.

Every save hands its recordings to the active receipt capture (``ledger.receipts``) and, when
a request holds an idempotency key, writes the key in the events' own transaction (the
recorder subclasses of ``ledger.idempotency``, selected in ``open_app``).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import DomainEventProtocol, MutableOrImmutableAggregate
from eventsourcing.persistence import InfrastructureFactory, Mapper, RecordConflictError, Recording
from eventsourcing.utils import Environment

from ledger import guards, idempotency, principal, receipts
from ledger.chained import LedgerAggregate
from ledger.db import ensure_schema, schema_lock
from ledger.errors import NotFound
from ledger.mapper import RecordMapper
from ledger.settings import APP_NAME, Database
from ledger.unavailable import Contention

A = TypeVar("A", bound=LedgerAggregate)
T = TypeVar("T")


class LedgerApp(Application[UUID]):
    name = APP_NAME
    enforce_principals = True  # off only for the tests of what an unchecked store accepts

    def construct_env(self, name: str, env: Mapping[str, str] | None = None) -> Environment:
        """Only the settings ledger.settings derived: eventsourcing would otherwise merge the
        process environment, where e.g. GONGSHI_SQLITE_DBNAME or POSTGRES_ENABLE_DB_FUNCTIONS
        could silently redirect or weaken the store."""
        return Environment(name, dict(env or {}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._principals: dict[str, principal.Principal] = {}  # LedgerApp._principal
        self._principals_guard = threading.Lock()

    def construct_mapper(self) -> Mapper[UUID]:
        return RecordMapper(transcoder=self.construct_transcoder())

    def save(
        self,
        *objs: MutableOrImmutableAggregate[UUID] | DomainEventProtocol[UUID] | None,
        **kwargs: Any,
    ) -> list[Recording[UUID]]:
        """Store the pending events of ``objs`` in one transaction; the recordings (each event's
        notification: id, stream, version, stored state) go to the active receipt capture and
        the pending idempotency key. A save that raises captures nothing.

        Every pending event's actor is checked against the principal registry first
        (``ledger.principal.check_actors``: enrolled, in its current role and scope, not in
        its own book): a RuleViolation stores nothing. The save then expects each actor's
        registry stream still at the version it read (ledger/guards.py, in the save's
        transaction): a role or scope changed meanwhile, in any process, makes it a conflict,
        and the events are checked again against the registry as it is now, so a write is
        refused (the rule's RuleViolation) rather than stored under the old role; a conflict
        that no rule explains is raised as it is (``retry_on_conflict`` runs the command
        again).

        The registry entries are this app's cached ones (``_principal``), not read again on
        every save: the guard is what proves them current, in the save's transaction. When
        it fails and the entries read again differ from the cached ones, the events are
        checked against the fresh entries and, if no rule refuses them, stored once more
        under guards on the fresh versions. An actor saving its own registry stream (no
        guard: the stream's own version stands for it) is always read afresh."""
        if not self.enforce_principals:
            return self._store(objs, kwargs)
        events = principal.pending_events(objs)
        own = {obj.id for obj in objs if isinstance(obj, LedgerAggregate)}  # versioned already
        read = self._check_actors(events, own)
        expected = [guards.stream_version(p.id, p.version) for p in read if p.id not in own]
        try:
            with guards.expecting(*expected):
                recordings = self._store(objs, kwargs)
        except RecordConflictError:
            if not expected:
                raise
            self._forget(read)
            fresh = self._check_actors(events, own)  # a rule refusing them now raises
            if [(p.id, p.version) for p in fresh] == [(p.id, p.version) for p in read] or any(
                not isinstance(obj, LedgerAggregate | None) for obj in objs
            ):
                raise  # not a registry entry that changed: the stream's own conflict
            for obj, event in events:  # the failed save took them: pending again
                obj.pending_events.append(event)
            again = [guards.stream_version(p.id, p.version) for p in fresh if p.id not in own]
            with guards.expecting(*again):
                recordings = self._store(objs, kwargs)
        self._forget([obj for obj in objs if isinstance(obj, principal.Principal)])
        return recordings

    def _check_actors(self, events: principal.Pending, own: set[UUID]) -> list[principal.Principal]:
        return principal.check_actors(
            events,
            lambda account: self._principal(account, principal.principal_id(account) in own),
            lambda: principal.registry_empty(self),
            lambda book: principal.book_cadre(self, book),
        )

    def _principal(self, account: str, fresh: bool) -> principal.Principal | None:
        """``account``'s registry entry: the one this app read last, unless ``fresh`` or
        never read (then read, and kept). Only a guard on its version in the save's own
        transaction makes a kept entry safe to check events against (``save``)."""
        if not fresh:
            with self._principals_guard:
                cached = self._principals.get(account)
            if cached is not None:
                return cached
        found = principal.principal_of(self, account)
        with self._principals_guard:
            if found is None:
                self._principals.pop(account, None)
            else:
                if len(self._principals) >= PRINCIPALS_CACHED:
                    self._principals.clear()
                self._principals[account] = found
        return found

    def _forget(self, entries: list[principal.Principal]) -> None:
        """Drop the kept registry entries of ``entries``' accounts (read again next time)."""
        with self._principals_guard:
            for entry in entries:
                self._principals.pop(entry.account, None)

    def _store(self, objs: tuple[Any, ...], kwargs: dict[str, Any]) -> list[Recording[UUID]]:
        recordings = super().save(*objs, **kwargs)
        receipts.keep(recordings)
        idempotency.saved(recordings)
        return recordings

    def get(self, kind: type[A], stream: UUID, **natural: object) -> A:
        """The aggregate ``stream`` of class ``kind``; NotFound if absent or of another kind
        (naming the ``natural`` key the caller was given, when the stream id is derived
        from it: ``year=2031``, instead of the id)."""
        try:
            aggregate: object = self.repository.get(stream)
        except AggregateNotFoundError:
            raise NotFound(kind.__name__, stream, **natural) from None
        if not isinstance(aggregate, kind):
            raise NotFound(kind.__name__, stream, **natural)
        return aggregate

    def update(self, kind: type[A], stream: UUID, change: Callable[[A], T], **natural: object) -> T:
        """Load ``stream``, apply ``change`` (which checks the rules and records events),
        save; again from fresh state if a concurrent writer took the next version first.

        Updates of one stream in this process take turns (a striped lock, held for one
        load-change-save, not while backing off): optimistic retries alone let a writer lose
        every race for 10 s when 16 threads write one fund year (a 503 "contention" in the
        chaos suite); now only writers in other processes can collide. ``change`` must not
        update another stream (no nested updates, so the stripes can't deadlock)."""
        turn = _STREAM_TURNS[hash(stream) % len(_STREAM_TURNS)]

        def attempt() -> T:
            with turn:
                aggregate = self.get(kind, stream, **natural)
                result = change(aggregate)
                self.save(aggregate)
                return result

        return retry_on_conflict(attempt)

    def exists(self, stream: UUID) -> bool:
        return stream in self.repository

    def streams_of(self, topic: str, batch: int = 1000) -> list[UUID]:
        """Ids of the streams whose records include ``topic`` (e.g. a creation type), in
        notification order. A scan of the log: for commands and the demo, not hot paths."""
        found: list[UUID] = []
        start = 1
        while True:
            rows = self.recorder.select_notifications(start=start, limit=batch, topics=[topic])
            if not rows:
                return found
            found.extend(UUID(str(n.originator_id)) for n in rows)
            start = rows[-1].id + 1


def open_app(database: Database, extra_env: dict[str, str] | None = None) -> LedgerApp:
    """Construct the Application on ``database`` (creating the PostgreSQL schema if needed).

    Its recorder is ``ledger.idempotency``'s subclass of the backend's application recorder
    (eventsourcing's factories honour APPLICATION_RECORDER_TOPIC), so that a request's
    idempotency key is written in the same transaction as its events.
    """
    ensure_schema(database)
    env: dict[str, Any] = database.eventsourcing_env()
    env[InfrastructureFactory.APPLICATION_RECORDER_TOPIC] = idempotency.recorder_topic(
        database.kind
    )
    env.update(extra_env or {})
    with schema_lock(database):
        return LedgerApp(env=env)


PRINCIPALS_CACHED = 4096  # registry entries LedgerApp._principal keeps (then starts afresh)
_STREAM_TURNS = tuple(threading.Lock() for _ in range(64))  # LedgerApp.update, per stream
CONFLICT_BOUND = 10.0  # s: how long writes to one stream may keep losing before "contention"
CONFLICT_BACKOFF = (0.002, 0.1)  # s: the first pause's ceiling, and the cap of the ceilings


def retry_on_conflict(
    action: Callable[[], T],
    *,
    bound: float | None = None,
    backoff: tuple[float, float] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    rand: Callable[[], float] = random.random,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Run ``action`` again when a concurrent writer took the same stream version first.

    ``action`` must reload what it checks, so a retry re-applies the rules to fresh state.
    After the n-th conflict it pauses a random time in [0, min(cap, first · 2^(n-1))) ("full
    jitter": writers that collided spread out instead of colliding again in step), for as
    long as ``bound`` seconds allow (defaults: CONFLICT_BOUND, CONFLICT_BACKOFF); then it
    raises ``Contention`` from the last conflict (``ledger.unavailable`` names it: the API's
    503 with Retry-After). ``sleep``, ``rand`` and ``clock`` are for tests.

    A lost COMMIT is not retried here: eventsourcing's recorders are used without their own
    retry (``ledger.idempotency``), so a connection that fails during the insert raises the
    connection error (a 503; the client retries with its key), never a RecordConflictError
    for versions this very call may have stored.
    """
    bound = CONFLICT_BOUND if bound is None else bound
    first, cap = CONFLICT_BACKOFF if backoff is None else backoff
    started = clock()
    conflicts = 0
    while True:
        try:
            return action()
        except RecordConflictError as e:
            conflicts += 1
            pause = rand() * min(cap, first * (1 << min(conflicts - 1, 30)))
            elapsed = clock() - started
            if elapsed + pause > bound:
                raise Contention(
                    f"{conflicts} concurrent-write conflicts in {elapsed:.2f} s (bound {bound:g} s)"
                ) from e
            sleep(pause)
