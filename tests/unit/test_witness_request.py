"""The add-checkpoint request body (c2sp.org/tlog-witness): "old N" LF, at most 63 base64
proof lines, an empty line, the checkpoint. Each malformed form is named after its fault."""

from __future__ import annotations

import base64

import pytest

from tests.support.witness_log import add_checkpoint_body, checkpoint_note, consistency, leaves
from verify.witness_server import MalformedRequest, parse_add_checkpoint

DATA = leaves(9)
NOTE = checkpoint_note(DATA)
PROOF = consistency(5, DATA)
HASH = base64.b64encode(bytes(32)).decode()


def test_a_well_formed_body_is_split_into_old_size_proof_and_note() -> None:
    submission = parse_add_checkpoint(add_checkpoint_body(5, PROOF, NOTE))
    assert (submission.old_size, submission.proof, submission.note) == (5, PROOF, NOTE)
    empty = parse_add_checkpoint(add_checkpoint_body(0, (), NOTE))
    assert (empty.old_size, empty.proof, empty.note) == (0, (), NOTE)


def test_63_proof_lines_are_accepted() -> None:
    assert (
        len(parse_add_checkpoint(add_checkpoint_body(5, [bytes(32)] * 63, NOTE)).proof or ()) == 63
    )


@pytest.mark.parametrize(
    ("body", "fault"),
    [
        ("old 5\n" + f"{HASH}\n" * 64 + "\n" + NOTE, "more than 63"),
        ("old 5\n" + HASH[:-2] + "!=\n\n" + NOTE, "proof line 1"),
        ("old 5\n" + base64.b64encode(bytes(31)).decode() + "\n\n" + NOTE, "proof line 1"),
        ("old 5\n" + HASH.replace("=", "") + "\n\n" + NOTE, "proof line 1"),
        ("old 5\n" + HASH[:42] + "B=\n\n" + NOTE, "proof line 1"),
        ("old 5\n" + HASH + "\n" + NOTE, "proof line 2"),
        ("old 5\n" + HASH, "no empty line"),
        ("old 01\n\n" + NOTE, "no leading zeros"),
        ("old -1\n\n" + NOTE, "'old <size>'"),
        ("old  5\n\n" + NOTE, "'old <size>'"),
        ("OLD 5\n\n" + NOTE, "'old <size>'"),
        ("old 5", "'old <size>'"),
        ("old 18446744073709551616\n\n" + NOTE, "'old <size>'"),
        ("\n" + NOTE, "'old <size>'"),
    ],
    ids=[
        "64-proof-lines",
        "bad-base64",
        "31-byte-hash",
        "unpadded-base64",
        "non-canonical-base64",
        "missing-blank-line",
        "no-checkpoint",
        "old-01",
        "old-negative",
        "old-two-spaces",
        "old-upper-case",
        "old-without-newline",
        "old-beyond-u64",
        "no-old-line",
    ],
)
def test_malformed_body_is_refused(body: str, fault: str) -> None:
    with pytest.raises(MalformedRequest, match=fault):
        parse_add_checkpoint(body.encode())


def test_body_that_is_not_utf8_is_refused() -> None:
    with pytest.raises(MalformedRequest, match="UTF-8"):
        parse_add_checkpoint(b"old 0\n\n\xff\xfe\n")
