"""C2SP signed-note vectors made with Go's golang.org/x/mod/sumdb/note, and our own notes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from verify.checkpoint import Checkpoint, open_checkpoint, parse_checkpoint
from verify.note import NoteError, Signer, open_note, parse_note, parse_skey, parse_vkey

DATA = json.loads(
    (Path(__file__).resolve().parents[1] / "vectors" / "note" / "signed-notes.json").read_text()
)


def _cases() -> list[Any]:
    return [pytest.param(v, id=v["desc"]) for v in DATA["vectors"]]


@pytest.mark.parametrize("vector", _cases())
def test_note_vector(vector: dict[str, Any]) -> None:
    verifiers = [parse_vkey(k) for k in vector["vkeys"]]
    if vector["wantErr"]:
        with pytest.raises(NoteError):
            open_note(vector["note"], verifiers)
        return
    note, verified = open_note(vector["note"], verifiers)
    assert note.text == vector["text"]
    assert verified  # at least the log key
    parse_checkpoint(note.text)


@pytest.mark.parametrize("key", DATA["keys"], ids=lambda k: k["Name"])
def test_skey_and_vkey_round_trip_with_go(key: dict[str, str]) -> None:
    signer = parse_skey(key["Skey"])
    assert signer.skey() == key["Skey"]
    assert signer.verifier.vkey() == key["Vkey"] == parse_vkey(key["Vkey"]).vkey()


def test_our_signature_equals_go_for_the_same_key_and_text() -> None:
    signer = parse_skey(DATA["keys"][0]["Skey"])
    vector = DATA["vectors"][0]
    line = signer.sign_line(vector["text"])  # Ed25519 is deterministic
    assert vector["note"] == vector["text"] + "\n" + line


def test_vkey_with_wrong_key_id_rejected() -> None:
    vkey = DATA["keys"][0]["Vkey"]
    name, hex_id, key = vkey.split("+")
    with pytest.raises(NoteError, match="does not match"):
        parse_vkey(f"{name}+{int(hex_id, 16) ^ 1:08x}+{key}")


@pytest.mark.parametrize(
    "note",
    ["no final newline", "text\n\n", "text\n\u2014 name c2ln\n", "te\x01xt\n\n\u2014 n AAAAAAA=\n",
     "text\n\n\u2014 bad+name AAAAAAAA\n", "text\n\n\u2014 n !!!!\n"],
    ids=["no-newline", "no-signatures", "no-blank-line", "control-char", "plus-in-name", "bad-b64"],
)  # fmt: skip
def test_malformed_notes_rejected(note: str) -> None:
    with pytest.raises(NoteError):
        parse_note(note)


def test_text_with_blank_lines_splits_at_the_last_one() -> None:
    signer = Signer("example.com/log", Ed25519PrivateKey.from_private_bytes(bytes(32)))
    text = "line one\n\nline three\n"
    note = text + "\n" + signer.sign_line(text)
    parsed, verified = open_note(note, [signer.verifier])
    assert parsed.text == text and verified == [signer.verifier]


def test_checkpoint_round_trip_and_rules() -> None:
    cp = Checkpoint("gongshi.example/anqing", 19615, bytes(range(32)))
    assert parse_checkpoint(cp.text()) == cp
    signer = Signer("gongshi.example/anqing", Ed25519PrivateKey.from_private_bytes(bytes(32)))
    note = cp.text() + "\n" + signer.sign_line(cp.text())
    assert open_checkpoint(note, "gongshi.example/anqing", signer.verifier) == cp
    with pytest.raises(NoteError, match="origin"):
        open_checkpoint(note, "other.example/log", signer.verifier)
    for bad in ("o\n012\nAAAA\n", "o\n1\n", "\n1\n" + cp.text().split("\n")[2] + "\n",
                "o\n1\n" + "A" * 43 + "=\n\n"):  # fmt: skip
        with pytest.raises(NoteError):
            parse_checkpoint(bad)
