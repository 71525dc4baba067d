"""C2SP signed-note vectors made with Go's golang.org/x/mod/sumdb/note, and our own notes."""

from __future__ import annotations

import base64
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


def _two_keys() -> tuple[Signer, Signer]:
    a = Signer("a.example/log", Ed25519PrivateKey.from_private_bytes(bytes([1]) * 32))
    b = Signer("b.example/w", Ed25519PrivateKey.from_private_bytes(bytes([2]) * 32))
    return a, b


def test_a_failing_known_signature_rejects_even_beside_a_good_one() -> None:
    a, b = _two_keys()
    text = "hello\n"
    bad = b.sign_line("other text\n")
    note = text + "\n" + a.sign_line(text) + bad
    with pytest.raises(NoteError, match=r"b\.example/w"):
        open_note(note, [a.verifier, b.verifier])
    open_note(note, [a.verifier])  # b unknown: ignored


def test_same_key_id_different_name_is_an_unknown_key() -> None:
    a, _ = _two_keys()
    text = "hello\n"
    line = a.sign_line(text).replace("a.example/log", "c.example/log")
    with pytest.raises(NoteError, match="no signature by a known key"):
        open_note(text + "\n" + line, [a.verifier])


@pytest.mark.parametrize(
    "note",
    ["t\r\n\n\u2014 n AAAAAAA=\n", "t\n\n" + "\u2014 n AAAAAAA=\n" * 101],
    ids=["carriage-return", "too-many-signatures"],
)
def test_more_malformed_notes(note: str) -> None:
    with pytest.raises(NoteError):
        parse_note(note)


def test_wrong_length_signature_by_a_known_key_fails() -> None:
    a, _ = _two_keys()
    text = "hello\n"
    blob = base64.b64decode(a.sign_line(text).split()[-1])[:-1]
    line = f"\u2014 a.example/log {base64.b64encode(blob).decode()}\n"
    with pytest.raises(NoteError, match="does not verify"):
        open_note(text + "\n" + line, [a.verifier])


def test_skey_with_wrong_key_id_rejected() -> None:
    skey = DATA["keys"][0]["Skey"]
    parts = skey.split("+", 4)
    parts[3] = f"{int(parts[3], 16) ^ 1:08x}"
    with pytest.raises(NoteError, match="does not match"):
        parse_skey("+".join(parts))


def test_checkpoint_empty_extension_line_and_huge_size_rejected() -> None:
    root = base64.b64encode(bytes(32)).decode()
    for bad in (f"o\n1\n{root}\n\n", f"o\n{2**64}\n{root}\n"):
        with pytest.raises(NoteError):
            parse_checkpoint(bad)


@pytest.mark.parametrize(
    "text",
    ["c2sp.org/tlog-proof@v2\nindex 1\n\ncp\n", "c2sp.org/tlog-proof@v1\nindex 01\n\ncp\n",
     "c2sp.org/tlog-proof@v1\nindex 1\nAAAA\n\ncp\n", "c2sp.org/tlog-proof@v1\nindex 1\n",
     "c2sp.org/tlog-proof@v1\nindex 1\nextra AAAA\n\ncp\n", "c2sp.org/tlog-proof@v1\nindex 1\n\n"],
    ids=["bad-header", "leading-zero", "short-hash", "no-blank-line", "misplaced-extra",
         "empty-checkpoint"],
)  # fmt: skip
def test_malformed_tlog_proofs_rejected(text: str) -> None:
    from verify.tlogproof import parse_tlog_proof

    with pytest.raises(NoteError):
        parse_tlog_proof(text)
