"""tlog-cosignature/v1 (Ed25519, type 0x04) and the witness policy."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from verify.checkpoint import Checkpoint
from verify.note import (
    COSIGNATURE_V1,
    NoteError,
    Signer,
    cosignature_time,
    cosigned_message,
    open_note,
    parse_note,
    parse_skey,
    parse_vkey,
)  # fmt: skip
from verify.policy import Policy, PolicyError, check_policy, departments_policy, parse_policy

ORIGIN = "gongshi.example/test"
LOG = Signer(ORIGIN, Ed25519PrivateKey.from_private_bytes(bytes(32)))
WITNESSES = {
    name: Signer(f"witness.gongshi.example/{name}",
                 Ed25519PrivateKey.from_private_bytes(bytes([i + 1]) * 32), COSIGNATURE_V1)
    for i, name in enumerate(("finance", "audit", "supervision"))
}  # fmt: skip
TEXT = Checkpoint(ORIGIN, 42, bytes(range(32))).text()


def _note(*cosigners: str, time: int = 1_700_000_000) -> str:
    lines = LOG.sign_line(TEXT) + "".join(WITNESSES[c].sign_line(TEXT, time) for c in cosigners)
    return TEXT + "\n" + lines


def _policy(quorum: int = 2) -> Policy:
    return departments_policy(
        LOG.verifier, {n: w.verifier for n, w in WITNESSES.items()}, threshold=quorum
    )


def test_spec_example_cosignature_carries_its_timestamp_after_the_key_id() -> None:
    line = (
        "\u2014 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB"
        "9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
    )
    note = parse_note(
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n"
        + line
    )
    assert cosignature_time(note.signatures[0]) == 1679315147  # the spec's "time 1679315147"


def test_cosigned_message_is_header_time_then_the_note_text() -> None:
    assert cosigned_message(TEXT, 1679315147) == (
        b"cosignature/v1\ntime 1679315147\n" + TEXT.encode()
    )


def test_cosignature_key_id_uses_type_0x04_and_round_trips() -> None:
    witness = WITNESSES["audit"]
    vkey = witness.verifier.vkey()
    assert base64.b64decode(vkey.split("+")[2])[0] == 0x04
    assert parse_vkey(vkey) == witness.verifier
    assert parse_skey(witness.skey()).verifier == witness.verifier
    assert witness.verifier.key_id != Signer(witness.name, witness.private_key).verifier.key_id


def test_policy_quorum_met_and_named() -> None:
    checkpoint, cosigned = check_policy(_note("finance", "supervision"), _policy())
    assert checkpoint.size == 42 and cosigned == ["finance", "supervision"]


def test_cosignature_dropped_below_the_policy_fails() -> None:
    why = "1 witness cosignatures \\(audit\\) do not satisfy quorum departments"
    with pytest.raises(PolicyError, match=why):
        check_policy(_note("audit"), _policy())


def test_forged_cosignature_rejects_the_note() -> None:
    note = _note("finance", "audit")
    forger = Signer(WITNESSES["audit"].name, WITNESSES["finance"].private_key, COSIGNATURE_V1)
    good = WITNESSES["audit"].sign_line(TEXT, 1_700_000_000)
    forged_blob = base64.b64decode(forger.sign_line(TEXT, 1_700_000_000).split()[-1])
    real_id = base64.b64decode(good.split()[-1])[:4]
    forged = (
        good.rsplit(" ", 1)[0] + " " + base64.b64encode(real_id + forged_blob[4:]).decode() + "\n"
    )
    with pytest.raises(NoteError, match="does not verify"):
        check_policy(note.replace(good, forged), _policy())


def test_cosignature_with_changed_timestamp_fails() -> None:
    line = WITNESSES["finance"].sign_line(TEXT, 1_700_000_000)
    blob = bytearray(base64.b64decode(line.split()[-1]))
    blob[11] ^= 1  # a byte of the timestamp
    tampered = line.rsplit(" ", 1)[0] + " " + base64.b64encode(bytes(blob)).decode() + "\n"
    note = TEXT + "\n" + LOG.sign_line(TEXT) + tampered
    with pytest.raises(NoteError):
        open_note(note, [LOG.verifier, WITNESSES["finance"].verifier])


def test_signature_by_the_wrong_log_key_fails() -> None:
    impostor = Signer(ORIGIN, Ed25519PrivateKey.from_private_bytes(bytes([9]) * 32))
    note = TEXT + "\n" + impostor.sign_line(TEXT) + WITNESSES["audit"].sign_line(TEXT, 1)
    with pytest.raises(PolicyError, match="did not sign"):
        check_policy(note, _policy(quorum=1))


def test_policy_text_round_trip() -> None:
    policy = _policy()
    assert parse_policy("# declared by the operator\n\n" + policy.text()) == policy


def test_cosigner_needs_a_supplied_timestamp() -> None:
    with pytest.raises(NoteError, match="timestamp"):
        WITNESSES["audit"].sign_line(TEXT)
