"""Hash-chained aggregates: every event carries its canonical record and the record's hash.

A command method checks the rules, then calls ``_start`` (first event) or ``_append`` (later
ones) with the event class, the actor, the moment and the event's data. Those build the
record (verify.record), hash it once, and trigger the event with the bytes and the hash
attached. An event's ``assign`` only copies data onto the aggregate: replaying never
recomputes a hash and never raises.

Event classes declare ``TOPIC``, the stable type name stored with the event and written in
the record (``carefund.ApplicationApproved``); it is registered so stored events resolve to
the class without Python paths.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Self
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.utils import register_topic

from ledger.actor import Actor
from ledger.clock import format_at
from ledger.errors import RecordTooLarge
from verify.canonical import canonical_bytes
from verify.record import GENESIS_PREV, TYPE_PATTERN, record_hash
from verify.schema import MAX_RECORD_BYTES


def build_record(
    *,
    stream: UUID,
    version: int,
    type_name: str,
    at: str,
    actor: Actor,
    data: dict[str, Any],
    prev: str,
) -> bytes:
    """The canonical bytes of one record (CanonicalError if ``data`` holds a float or the like;
    RecordTooLarge, a RuleViolation, if they are longer than MAX_RECORD_BYTES = 65,535: no
    entry bundle could carry them, so the ledger never saves one).

    Equal to ``verify.record.encode_record`` of the same value (a property test holds them
    together), but assembled around ``canonical_bytes(data)``: every other member is built
    by this module from values whose characters never need escaping (a UUID, an integer,
    a checked type name, ``at``, a checked principal, a role, a hex hash), in the fixed
    sorted member order actor, at, data, prev, stream, type, version.
    """
    raw = b"".join(
        (
            b'{"actor":{"principal":"',
            actor.principal.encode(),
            b'","role":"',
            actor.role.value.encode(),
            b'"},"at":"',
            at.encode(),
            b'","data":',
            canonical_bytes(data),
            b',"prev":"',
            prev.encode(),
            b'","stream":"',
            str(stream).encode(),
            b'","type":"',
            type_name.encode(),
            b'","version":',
            str(version).encode(),
            b"}",
        )
    )
    if len(raw) > MAX_RECORD_BYTES:  # an entry bundle's uint16 length (FORMAT.md rule 78)
        raise RecordTooLarge(type_name, len(raw), MAX_RECORD_BYTES)
    return raw


class LedgerAggregate(Aggregate):
    """An aggregate whose events form a hash chain; ``head`` is the hash of its last record."""

    if TYPE_CHECKING:  # attributes set by events; not dataclass fields
        head: str

    class Event(Aggregate.Event):
        TOPIC: ClassVar[str]
        at: str
        principal: str
        role: str
        prev: str
        hash: str
        record: bytes

        def apply(self, aggregate: Any) -> None:
            aggregate.head = self.hash
            self.assign(aggregate)

        def assign(self, aggregate: Any) -> None:
            """Copy this event's data onto the aggregate. Must not raise or compute."""

    class Created(Event, Aggregate.Created):
        AGGREGATE_CLASS: ClassVar[type[LedgerAggregate]]

    @classmethod
    def _start(
        cls,
        event_class: type[LedgerAggregate.Created],
        *,
        id: UUID,
        actor: Actor,
        moment: datetime,
        **data: Any,
    ) -> Self:
        at = format_at(moment)
        topic: str = event_class.TOPIC
        raw = build_record(
            stream=id,
            version=cls.INITIAL_VERSION,
            type_name=topic,
            at=at,
            actor=actor,
            data=data,
            prev=GENESIS_PREV,
        )
        return cls._create(
            event_class,
            id=id,
            timestamp=moment,
            at=at,
            principal=actor.principal,
            role=actor.role.value,
            prev=GENESIS_PREV,
            hash=record_hash(raw),
            record=raw,
            **data,
        )

    def _append(
        self,
        event_class: type[LedgerAggregate.Event],
        *,
        actor: Actor,
        moment: datetime,
        **data: Any,
    ) -> None:
        at = format_at(moment)
        topic: str = event_class.TOPIC
        raw = build_record(
            stream=self.id,
            version=self.version + 1,
            type_name=topic,
            at=at,
            actor=actor,
            data=data,
            prev=self.head,
        )
        self.trigger_event(
            event_class,
            timestamp=moment,
            at=at,
            principal=actor.principal,
            role=actor.role.value,
            prev=self.head,
            hash=record_hash(raw),
            record=raw,
            **data,
        )

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # eventsourcing has by now redefined the nested event classes as subclasses of this
        # aggregate's Event; register those final classes under their stable type names.
        for value in list(vars(cls).values()):
            if isinstance(value, type) and issubclass(value, LedgerAggregate.Event):
                topic = getattr(value, "TOPIC", None)
                if topic:
                    if not TYPE_PATTERN.fullmatch(topic):
                        raise TypeError(f"{value.__qualname__}.TOPIC {topic!r} is not domain.Name")
                    register_topic(topic, value)
                if issubclass(value, LedgerAggregate.Created):
                    value.AGGREGATE_CLASS = cls


def aggregate_class_of(event_class: type[LedgerAggregate.Created]) -> type[LedgerAggregate]:
    """The aggregate a creation event constructs (set when the aggregate class is defined)."""
    cls: type[LedgerAggregate] = event_class.AGGREGATE_CLASS
    return cls
