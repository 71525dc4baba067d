"""A record whose ``actor.role`` is an array or an object is refused (RecordError on
``actor.role``), not a crash of the verifier (``x in frozenset`` raises TypeError for an
unhashable value)."""

from __future__ import annotations

from typing import Any

import pytest

from verify.canonical import canonical_bytes
from verify.record import GENESIS_PREV, RecordError, parse_record

RECORD = {
    "actor": {"principal": "demo-admin", "role": "admin"},
    "at": "2023-03-01T09:00:00.000000Z",
    "data": {},
    "prev": GENESIS_PREV,
    "stream": "85773780-91c9-58ee-ac25-62f8f2424aab",
    "type": "principal.Enrolled",
    "version": 1,
}


@pytest.mark.parametrize("role", [[], {}, ["admin"], {"admin": True}])
def test_unhashable_role_is_refused(role: Any) -> None:
    raw = canonical_bytes({**RECORD, "actor": {"principal": "demo-admin", "role": role}})
    with pytest.raises(RecordError) as e:
        parse_record(raw)
    assert e.value.field == "actor.role"
