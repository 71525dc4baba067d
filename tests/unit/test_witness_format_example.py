"""docs/FORMAT.md's worked example of an ML-DSA-44 cosignature is true: the message bytes and
key ID it prints come from the example key (seed 0x00..0x1f), and the example cosignature
kept in tests/vectors/witness/ verifies (ML-DSA signatures may be randomized, so the
signature itself is pinned by the vector, not recomputed)."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.mldsa import MLDSA44PrivateKey

from verify.checkpoint import Checkpoint
from verify.note import (
    MLDSA44_COSIGNATURE,
    NoteError,
    Signer,
    cosignature_time,
    open_note,
    parse_vkey,
    subtree_message,
)

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "tests" / "vectors" / "witness"
NAME = "witness.gongshi.example/audit"
KEY = Signer(NAME, MLDSA44PrivateKey.from_seed_bytes(bytes(range(32))), MLDSA44_COSIGNATURE)
MESSAGE_HEX = (
    "737562747265652f76310a00"
    "1d7769746e6573732e676f6e677368692e6578616d706c652f6175646974"
    "000000006553f100"
    "16676f6e677368692e6578616d706c652f616e71696e67"
    "00000000000000000000000000000005"
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
)


def _example() -> str:
    text = (ROOT / "docs" / "FORMAT.md").read_text(encoding="utf-8")
    start = text.index("#### Worked example: an ML-DSA-44 cosignature")
    return text[start : text.index("### The witness", start)]


def test_message_bytes_are_the_pinned_ones_and_the_documented_ones() -> None:
    message = subtree_message(NAME, 1_700_000_000, "gongshi.example/anqing", 0, 5, bytes(range(32)))
    assert message.hex() == MESSAGE_HEX and len(message) == 121
    block = _example().split("The signed message")[1].split("The public key")[0]
    documented = ""
    for line in (line for line in block.splitlines() if line.startswith("    ")):
        for token in line.split():  # hex groups, then the comment
            if not re.fullmatch(r"(?:[0-9a-f]{2})+", token):
                break
            documented += token
    assert documented == MESSAGE_HEX


def test_key_id_and_vkey_are_the_pinned_ones_and_the_documented_ones() -> None:
    public = KEY.verifier.public_key
    digest = hashlib.sha256(NAME.encode() + b"\n\x06" + public).hexdigest()
    assert digest.startswith("a72431b66ecba54a") and f"{KEY.verifier.key_id:08x}" == "a72431b6"
    assert public[:16].hex() == "d7b2b47254aae0db45e7930d4a98d2c9"
    assert hashlib.sha256(public).hexdigest() == (
        "9f107644c1084526af3bc8098680b05499a2325a644e388fb4f970e058d19d46"
    )
    vkey = KEY.verifier.vkey()
    assert len(vkey) == 1791 and (VECTORS / "mldsa44-witness.vkey").read_text() == vkey + "\n"
    example = _example()
    for pinned in (digest[:16], "a72431b6", public[:16].hex(), hashlib.sha256(public).hexdigest(),
                   vkey[:80], "1,791", "pyQxtgAAAABlU/EA"):  # fmt: skip
        assert pinned in example, pinned


def test_the_example_cosignature_verifies() -> None:
    note = (VECTORS / "mldsa44-cosigned-checkpoint").read_text()
    text = Checkpoint("gongshi.example/anqing", 5, bytes(range(32))).text()
    assert note.startswith(text + "\n")
    assert "".join(f"    {line}\n" for line in text.splitlines()) in _example()
    witness = parse_vkey((VECTORS / "mldsa44-witness.vkey").read_text())
    log = parse_vkey((VECTORS / "log.vkey").read_text())
    parsed, verified = open_note(note, [log, witness])
    assert verified == [log, witness]
    line = parsed.signatures[1].line
    assert line.startswith(f"\u2014 {NAME} pyQxtgAAAABlU/EA") and len(line.split()[-1]) == 3244
    assert cosignature_time(parsed.signatures[1]) == 1_700_000_000
    signature = bytearray(base64.b64decode(line.split()[-1]))
    signature[-1] ^= 1
    tampered = note.replace(line.split()[-1], base64.b64encode(bytes(signature)).decode())
    assert open_note(tampered, [log])[1] == [log]
    with pytest.raises(NoteError, match="does not verify"):
        open_note(tampered, [log, witness])
