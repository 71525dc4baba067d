"""Records: the pinned example of docs/FORMAT.md, well-formedness, and chain breaks."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest

from verify.chain import ChainBreak, ChainChecker
from verify.record import GENESIS_PREV, RecordError, encode_record, parse_record, record_hash

EXAMPLE: dict[str, Any] = {
    "stream": "3f1e7c52-8a4b-4c1d-9e2f-0a1b2c3d4e5f",
    "version": 2,
    "type": "carefund.ApplicationReviewed",
    "at": "2023-05-05T09:14:00.000000Z",
    "actor": {"principal": "ipc-express-01", "role": "industry_party_committee"},
    "data": {"reason": '符合帮扶条件 "优先"', "decision": "approve"},
    "prev": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
}
EXAMPLE_HASH = "11e667fb7755e11ab04e26ab7c9d1336019cd9a084678cfccc19ffaf0b1446c6"
FORMAT_MD = Path(__file__).resolve().parents[2] / "docs" / "FORMAT.md"


def test_pinned_example_hash() -> None:
    raw = encode_record(EXAMPLE)
    assert len(raw) == 352
    assert record_hash(raw) == EXAMPLE_HASH == hashlib.sha256(raw).hexdigest()


def test_format_md_shows_the_example_bytes_and_hash() -> None:
    text = FORMAT_MD.read_text(encoding="utf-8")
    assert encode_record(EXAMPLE).decode("utf-8") in text
    assert EXAMPLE_HASH in text


def test_parse_round_trip() -> None:
    raw = encode_record(EXAMPLE)
    record = parse_record(raw)
    assert (record.stream, record.version, record.principal) == (
        EXAMPLE["stream"],
        2,
        "ipc-express-01",
    )
    assert record.data == EXAMPLE["data"] and record.hash == EXAMPLE_HASH


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"version": 0}, "version"),
        ({"version": True}, "version"),
        ({"stream": "3F1E7C52-8A4B-4C1D-9E2F-0A1B2C3D4E5F"}, "stream"),
        ({"type": "ApplicationReviewed"}, "type"),
        ({"at": "2023-05-05T09:14:00Z"}, "at"),
        ({"at": "2023-05-05 09:14:00.000000+08:00"}, "at"),
        ({"at": "2023-02-30T09:14:00.000000Z"}, "at"),
        ({"at": "2023-05-05T24:00:00.000000Z"}, "at"),
        ({"actor": {"principal": "x"}}, "actor"),
        ({"actor": {"principal": "", "role": "audit"}}, "actor.principal"),
        ({"actor": {"principal": "IPC-01", "role": "audit"}}, "actor.principal"),
        ({"actor": {"principal": "ipc-01", "role": "mayor"}}, "actor.role"),
        ({"data": []}, "data"),
        ({"prev": "E3B0" + "0" * 60}, "prev"),
        ({"prev": GENESIS_PREV}, "prev"),
    ],
    ids=lambda v: str(v)[:30],
)
def test_malformed_record_rejected(change: dict[str, Any], field: str) -> None:
    with pytest.raises(RecordError) as e:
        encode_record({**EXAMPLE, **change})
    assert e.value.field == field


def test_extra_member_rejected() -> None:
    with pytest.raises(RecordError, match="members"):
        encode_record({**EXAMPLE, "hash": EXAMPLE_HASH})


OPENED = {
    "type": "supervision.CaseOpened",
    "actor": {"principal": "jw-01", "role": "supervision"},
    "data": {"target_kind": "unit", "target": "某站点", "reason": "complaint", "detail": "d",
             "county": "taihu", "trigger": None, "source": None},
}  # fmt: skip
TALK = {
    "type": "supervision.TalkHeld",
    "actor": {"principal": "jw-01", "role": "supervision"},
    "data": {"note": "约谈"},
}


def _chain(stream: str, n: int) -> list[bytes]:
    """A case opened, then talks: ``n`` records of one stream that follow §4."""
    out, prev = [], GENESIS_PREV
    for version in range(1, n + 1):
        record = {**EXAMPLE, **(OPENED if version == 1 else TALK)}
        raw = encode_record(record | {"stream": stream, "version": version, "prev": prev})
        out.append(raw)
        prev = record_hash(raw)
    return out


STREAM = "00000000-0000-4000-8000-000000000001"


def test_intact_chain_has_no_breaks() -> None:
    checker = ChainChecker()
    for raw in _chain(STREAM, 4):
        assert checker.add(parse_record(raw)) == []
    assert checker.records == 4 and checker.streams == 1


def test_dropped_record_is_a_version_gap_and_prev_mismatch() -> None:
    checker = ChainChecker()
    records = _chain(STREAM, 3)
    checker.add(parse_record(records[0]))
    found = checker.add(parse_record(records[2]))
    assert [b.reason for b in found] == ["version gap", "prev mismatch"]
    assert (found[0].expected, found[0].computed) == ("2", "3")


def test_replayed_record_is_a_fork() -> None:
    checker = ChainChecker()
    records = _chain(STREAM, 2)
    for raw in records:
        checker.add(parse_record(raw))
    found = checker.add(parse_record(records[1]))
    fork = ChainBreak(STREAM, 2, "fork: version already seen", "3", "2")
    head, replayed_prev = record_hash(records[1]), record_hash(records[0])
    assert found == [fork, ChainBreak(STREAM, 2, "prev mismatch", head, replayed_prev)]
    assert str(fork) == (
        f"stream {STREAM} version 2: fork: version already seen (expected 3, computed 2)"
    )


def test_rewritten_record_breaks_the_next_link() -> None:
    checker = ChainChecker()
    records = _chain(STREAM, 3)
    value = parse_record(records[1])
    forged = encode_record(
        {
            **EXAMPLE,
            **TALK,
            "stream": STREAM,
            "version": 2,
            "prev": value.prev,
            "data": {"note": "另一次约谈"},
        }
    )
    checker.add(parse_record(records[0]))
    checker.add(parse_record(forged))
    found = checker.add(parse_record(records[2]))
    assert found[0].reason == "prev mismatch"
    assert found[0].expected == record_hash(forged) and found[0].computed == value.hash
    assert re.fullmatch(r"[0-9a-f]{64}", found[0].expected)


@pytest.mark.parametrize("field", ["type", "at", "prev"])
def test_trailing_newline_in_a_patterned_member_rejected(field: str) -> None:
    with pytest.raises(RecordError) as e:
        encode_record({**EXAMPLE, field: EXAMPLE[field] + "\n"})
    assert e.value.field == field


def test_principal_with_newline_or_capitals_rejected() -> None:
    from ledger.actor import Actor, Role

    for bad in ("intake-01\n", "Intake-01", "", "a b"):
        with pytest.raises(ValueError, match="principal"):
            Actor(bad, Role.INTAKE)


def test_full_width_digits_in_at_rejected() -> None:
    with pytest.raises(RecordError) as e:
        encode_record({**EXAMPLE, "at": "２０２３-05-05T09:14:00.000000Z"})
    assert e.value.field == "at"
