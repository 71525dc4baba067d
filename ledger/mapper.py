"""Stored form of a ledger event: the record hash, a line feed, the canonical record bytes.

    state = HASH (64 lower-case hex ASCII) || 0x0A || RECORD (canonical JSON, UTF-8)

The stored topic is the record's ``type``; the stored originator id and version are the
record's ``stream`` and ``version``. Nothing else is stored, so every stored byte is either
part of the hashed record or the expected hash that ``gongshi check`` compares against.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from eventsourcing.domain import CanInitAggregate
from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import get_topic, resolve_topic

from ledger.chained import LedgerAggregate, aggregate_class_of
from ledger.clock import parse_at

HASH_LENGTH = 64
SEPARATOR = b"\n"


class StoredFormatError(ValueError):
    """Stored state is not HASH LF RECORD."""


def pack_state(record_hash_hex: str, record: bytes) -> bytes:
    """HASH LF RECORD; requires a 64-digit hex hash and canonical record bytes."""
    return record_hash_hex.encode("ascii") + SEPARATOR + record


def unpack_state(state: bytes) -> tuple[str, bytes]:
    """Split stored state into (expected hash, record bytes); raise StoredFormatError if not."""
    if len(state) <= HASH_LENGTH + 1:
        raise StoredFormatError(f"stored state has {len(state)} bytes, fewer than HASH LF RECORD")
    if state[HASH_LENGTH : HASH_LENGTH + 1] != SEPARATOR:
        found = state[HASH_LENGTH : HASH_LENGTH + 1].hex()
        raise StoredFormatError(f"byte {HASH_LENGTH} is 0x{found}, expected 0x0a (LF)")
    try:
        expected = state[:HASH_LENGTH].decode("ascii")
    except UnicodeDecodeError as e:
        raise StoredFormatError(f"stored hash has a non-ASCII byte at offset {e.start}") from None
    return expected, state[HASH_LENGTH + 1 :]


class RecordMapper(Mapper[UUID]):
    """Maps LedgerAggregate events to and from their records (see module docstring)."""

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        if not isinstance(domain_event, LedgerAggregate.Event):
            raise TypeError(f"{type(domain_event).__qualname__} is not a ledger event")
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=get_topic(type(domain_event)),
            state=pack_state(domain_event.hash, domain_event.record),
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        cls = resolve_topic(stored_event.topic)
        expected, raw = unpack_state(stored_event.state)
        record = json.loads(raw)
        actor = record["actor"]
        state: dict[str, Any] = dict(record["data"])
        state.update(
            originator_id=UUID(str(stored_event.originator_id)),
            originator_version=stored_event.originator_version,
            timestamp=parse_at(record["at"]),
            at=record["at"],
            principal=actor["principal"],
            role=actor["role"],
            prev=record["prev"],
            hash=expected,
            record=raw,
        )
        if issubclass(cls, CanInitAggregate):
            state["originator_topic"] = get_topic(aggregate_class_of(cls))
        event = object.__new__(cls)
        object.__setattr__(event, "__dict__", state)
        return event
