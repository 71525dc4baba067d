"""ML-DSA-44 cosignatures (c2sp.org/tlog-cosignature, type 0x06, subtree/v1 message)."""

from __future__ import annotations

import base64
import hashlib
import struct

import pytest
from cryptography.hazmat.primitives.asymmetric.mldsa import MLDSA44PrivateKey

from verify.checkpoint import Checkpoint
from verify.note import (
    MLDSA44_COSIGNATURE,
    NoteError,
    Signer,
    cosignature_time,
    key_id,
    open_note,
    parse_note,
    parse_skey,
    parse_vkey,
    subtree_message,
)

NAME = "witness.gongshi.example/audit"
WITNESS = Signer(NAME, MLDSA44PrivateKey.from_seed_bytes(bytes(range(32))), MLDSA44_COSIGNATURE)
ORIGIN = "gongshi.example/anqing"
TEXT = Checkpoint(ORIGIN, 20852163, bytes(range(32))).text()
TIME = 1_700_000_000


def test_subtree_message_layout_is_byte_exact() -> None:
    expected = (
        b"subtree/v1\n\x00"
        + bytes([len(NAME)]) + NAME.encode()
        + (1_700_000_000).to_bytes(8, "big")
        + bytes([len(ORIGIN)]) + ORIGIN.encode()
        + (0).to_bytes(8, "big") + (20852163).to_bytes(8, "big")
        + bytes(range(32))
    )  # fmt: skip
    assert subtree_message(NAME, TIME, ORIGIN, 0, 20852163, bytes(range(32))) == expected
    assert len(expected) == 12 + 1 + len(NAME) + 8 + 1 + len(ORIGIN) + 16 + 32


def test_key_id_uses_type_0x06_and_the_1312_byte_key() -> None:
    public = WITNESS.verifier.public_key
    assert len(public) == 1312
    digest = hashlib.sha256(NAME.encode() + b"\n\x06" + public).digest()
    assert WITNESS.verifier.key_id == struct.unpack(">I", digest[:4])[0]
    assert key_id(NAME, public, MLDSA44_COSIGNATURE) == WITNESS.verifier.key_id


def test_vkey_and_skey_round_trip_with_the_seed() -> None:
    vkey = WITNESS.verifier.vkey()
    assert base64.b64decode(vkey.split("+", 2)[2])[0] == 0x06
    assert parse_vkey(vkey) == WITNESS.verifier
    skey = WITNESS.skey()
    assert len(base64.b64decode(skey.split("+", 4)[4])) == 33  # type || 32-byte seed
    assert parse_skey(skey).verifier == WITNESS.verifier


def test_cosignature_verifies_and_carries_its_timestamp() -> None:
    line = WITNESS.sign_line(TEXT, TIME)
    blob = base64.b64decode(line.split()[-1])
    assert len(blob) == 4 + 8 + 2420
    parsed, verified = open_note(TEXT + "\n" + line, [WITNESS.verifier])
    assert verified == [WITNESS.verifier]
    assert cosignature_time(parsed.signatures[0]) == TIME


def _resigned(text: str) -> str:
    """The note ``text`` carrying the signature made over TEXT."""
    return text + "\n" + WITNESS.sign_line(TEXT, TIME)


@pytest.mark.parametrize(
    "tampered",
    [
        Checkpoint(ORIGIN, 20852164, bytes(range(32))).text(),  # size changed
        Checkpoint(ORIGIN, 20852163, bytes(32)).text(),  # root changed
        Checkpoint("gongshi.example/other", 20852163, bytes(range(32))).text(),  # origin
    ],
    ids=["changed-size", "changed-root", "changed-origin"],
)
def test_cosignature_over_a_changed_checkpoint_fails(tampered: str) -> None:
    with pytest.raises(NoteError, match="does not verify"):
        open_note(_resigned(tampered), [WITNESS.verifier])


def test_cosignature_with_changed_timestamp_fails() -> None:
    line = WITNESS.sign_line(TEXT, TIME)
    blob = bytearray(base64.b64decode(line.split()[-1]))
    blob[11] ^= 1
    tampered = f"\u2014 {NAME} {base64.b64encode(bytes(blob)).decode()}\n"
    with pytest.raises(NoteError, match="does not verify"):
        open_note(TEXT + "\n" + tampered, [WITNESS.verifier])


def test_cosignature_under_another_cosigner_name_fails() -> None:
    """The ML-DSA message commits to the cosigner's name (Ed25519 v1 does not)."""
    other = Signer("witness.gongshi.example/finance", WITNESS.private_key, MLDSA44_COSIGNATURE)
    line = WITNESS.sign_line(TEXT, TIME)
    blob = base64.b64decode(line.split()[-1])
    renamed_id = struct.pack(">I", other.verifier.key_id)
    renamed = f"\u2014 {other.name} {base64.b64encode(renamed_id + blob[4:]).decode()}\n"
    with pytest.raises(NoteError, match="does not verify"):
        open_note(TEXT + "\n" + renamed, [other.verifier])


def test_extension_lines_are_not_signed_by_mldsa() -> None:
    extended = TEXT + "extension line\n"
    line = WITNESS.sign_line(TEXT, TIME)
    assert open_note(extended + "\n" + line, [WITNESS.verifier])[1] == [WITNESS.verifier]


def test_truncated_signature_is_refused() -> None:
    line = WITNESS.sign_line(TEXT, TIME)
    blob = base64.b64decode(line.split()[-1])[:-1]
    short = f"\u2014 {NAME} {base64.b64encode(blob).decode()}\n"
    with pytest.raises(NoteError, match="does not verify"):
        open_note(TEXT + "\n" + short, [WITNESS.verifier])
    with pytest.raises(NoteError, match="8 \\+ 64 or 8 \\+ 2420"):
        cosignature_time(parse_note(TEXT + "\n" + short).signatures[0])


def test_mldsa_cosigner_needs_a_checkpoint_and_a_timestamp() -> None:
    with pytest.raises(NoteError, match="timestamp"):
        WITNESS.sign_line(TEXT)
    with pytest.raises(NoteError, match="not a checkpoint"):
        WITNESS.sign_line("just some text\n", TIME)


def test_ed25519_key_in_an_mldsa_signer_is_refused() -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    with pytest.raises(NoteError, match="type 0x06"):
        Signer(NAME, Ed25519PrivateKey.generate(), MLDSA44_COSIGNATURE)
