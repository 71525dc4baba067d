"""The ledger's fast record assembly equals the verifier's reference encoding."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ledger.actor import Actor, Role
from ledger.chained import build_record
from ledger.clock import format_at
from tests.unit.test_canonical import json_values
from verify.canonical import parse_canonical
from verify.record import encode_record

principals = st.from_regex(r"\A[a-z0-9][a-z0-9._@-]{0,20}\Z")
hashes = st.binary(min_size=32, max_size=32).map(bytes.hex).filter(lambda h: h != "0" * 64)


@given(
    stream=st.uuids(),
    version=st.integers(2, 2**40),
    principal=principals,
    role=st.sampled_from(list(Role)),
    moment=st.datetimes(timezones=st.just(UTC)),
    data=st.dictionaries(st.text(max_size=8), json_values, max_size=5),
    prev=hashes,
)
def test_build_record_equals_reference_encoding(
    stream: uuid.UUID,
    version: int,
    principal: str,
    role: Role,
    moment: datetime,
    data: dict[str, Any],
    prev: str,
) -> None:
    actor = Actor(principal, role)
    at = format_at(moment)
    raw = build_record(
        stream=stream,
        version=version,
        type_name="carefund.ApplicationApproved",
        at=at,
        actor=actor,
        data=data,
        prev=prev,
    )
    reference = encode_record(
        {
            "stream": str(stream),
            "version": version,
            "type": "carefund.ApplicationApproved",
            "at": at,
            "actor": {"principal": principal, "role": role.value},
            "data": data,
            "prev": prev,
        }
    )
    assert raw == reference
    assert parse_canonical(raw)["data"] == data  # data of any shape: §4 is not this test's
