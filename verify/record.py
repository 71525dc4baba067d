"""The record: the canonical, hash-chained form of one stored domain event.

A record is a canonical JSON object (verify.canonical) with exactly these members:

    stream   the stream (aggregate) id, a lower-case hyphenated UUID string
    version  the position of the record in its stream, an integer from 1
    type     a stable event name such as "carefund.ApplicationApproved"
    at       when it was recorded, UTC, "YYYY-MM-DDTHH:MM:SS.ffffffZ" (a real moment)
    actor    {"principal": str, "role": str}: who recorded it, in which role
    data     the event's own fields (an object; money in integer fen)
    prev     the record hash of the previous record of the stream (64 zeros for version 1)

The record hash is the lower-case hex SHA-256 of the canonical bytes. docs/FORMAT.md has a
worked example. ``parse_record`` also applies the type's rules of §4 (verify/schema.py).
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import Any, NamedTuple

from verify.canonical import CanonicalError, canonical_bytes, parse_canonical
from verify.schema import ROLES, UUID_PATTERN, schema_problem
from verify.spec import ABSENT

GENESIS_PREV = "0" * 64
RECORD_KEYS = frozenset({"stream", "version", "type", "at", "actor", "data", "prev"})
ACTOR_KEYS = frozenset({"principal", "role"})
TYPE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*\.[A-Z][A-Za-z0-9]*$")
AT_PATTERN = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z$")
HASH_PATTERN = re.compile(r"^[0-9a-f]{64}$")
PRINCIPAL_PATTERN = re.compile(r"[a-z0-9][a-z0-9._@-]{0,63}")


class RecordError(ValueError):
    """Bytes or a value are not a well-formed record; ``field`` names the member at fault,
    ``expected`` and ``computed`` (what was found, as canonical JSON) are the evidence when
    a rule of §4 was broken."""

    def __init__(
        self, field: str, reason: str, expected: str | None = None, computed: str | None = None
    ) -> None:
        super().__init__(f"record {field}: {reason}")
        self.field = field
        self.reason = reason
        self.expected, self.computed = expected, computed


class Record(NamedTuple):
    """A parsed, well-formed record and the hash of its bytes (a NamedTuple: made ~6x faster
    than a frozen dataclass, once per record; made positionally, keywords are slow)."""

    stream: str
    version: int
    type: str
    at: str
    principal: str
    role: str
    data: dict[str, Any]
    prev: str
    hash: str
    raw: bytes


def record_hash(raw: bytes) -> str:
    """The record hash: lower-case hex SHA-256 of the record's canonical bytes."""
    return hashlib.sha256(raw).hexdigest()


def _fail(field: str, reason: str) -> None:
    raise RecordError(field, reason)


def _real_moment(at: str) -> bool:
    try:
        datetime.fromisoformat(at[:-1])  # 2023-02-30, hour 24, second 60 are refused
    except ValueError:
        return False
    return True


def validate_record(value: Any) -> None:
    """Raise RecordError unless ``value`` has exactly the record members, each well-formed."""
    if not isinstance(value, dict):
        _fail("$", "not an object")
    if value.keys() != RECORD_KEYS:
        _fail("$", f"members {sorted(value)} != {sorted(RECORD_KEYS)}")
    stream, version, prev = value["stream"], value["version"], value["prev"]
    if not isinstance(stream, str) or not UUID_PATTERN.fullmatch(stream):
        _fail("stream", f"{stream!r} is not a lower-case UUID")
    if type(version) is not int or version < 1:
        _fail("version", f"{version!r} is not >= 1")
    kind = value["type"]
    if not isinstance(kind, str) or not TYPE_PATTERN.fullmatch(kind):
        _fail("type", f"{kind!r} is not of the form domain.EventName")
    at = value["at"]
    if not isinstance(at, str) or not AT_PATTERN.fullmatch(at) or not _real_moment(at):
        _fail("at", f"{at!r} is not a moment YYYY-MM-DDTHH:MM:SS.ffffffZ")
    actor = value["actor"]
    if not isinstance(actor, dict) or actor.keys() != ACTOR_KEYS:
        _fail("actor", "not {principal, role}")
    if not isinstance(actor["principal"], str) or not PRINCIPAL_PATTERN.fullmatch(
        actor["principal"]
    ):
        _fail("actor.principal", f"{actor['principal']!r} is not {PRINCIPAL_PATTERN.pattern}")
    if not isinstance(actor["role"], str) or actor["role"] not in ROLES:  # [] is unhashable
        _fail("actor.role", f"{actor['role']!r} is not one of {', '.join(sorted(ROLES))}")
    if not isinstance(value["data"], dict):
        _fail("data", "not an object")
    if not isinstance(prev, str) or not HASH_PATTERN.fullmatch(prev):
        _fail("prev", "not 64 lower-case hex")
    if (version == 1) != (prev == GENESIS_PREV):
        _fail("prev", "64 zeros iff version is 1")


def encode_record(value: dict[str, Any]) -> bytes:
    """Validate ``value`` as a record and return its canonical bytes."""
    validate_record(value)
    return canonical_bytes(value)


def parse_record(raw: bytes) -> Record:
    """Parse canonical record bytes; raise CanonicalError or RecordError if they are not a
    well-formed record (§2) that follows its type's rules (§4)."""
    value = parse_canonical(raw)
    validate_record(value)
    if problem := schema_problem(value):
        field, expected, found = problem
        shown = "(absent)" if found is ABSENT else canonical_bytes(found).decode()
        raise RecordError(field, f"expected {expected}, found {shown[:200]}", expected, shown)
    actor = value["actor"]
    return Record(value["stream"], value["version"], value["type"], value["at"],
                  actor["principal"], actor["role"], value["data"], value["prev"],
                  hashlib.sha256(raw).hexdigest(), raw)  # fmt: skip


__all__ = [
    "GENESIS_PREV",
    "CanonicalError",
    "Record",
    "RecordError",
    "encode_record",
    "parse_record",
    "record_hash",
    "validate_record",
]
