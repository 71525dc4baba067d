"""C2SP signed notes (c2sp.org/signed-note) with Ed25519 keys, and the vkey/skey formats.

    note      = text (ending in LF) || LF || signature lines
    signature = "— " || key name || " " || base64(key ID (4 bytes, big-endian) || signature) || LF
    key ID    = SHA-256(key name || 0x0A || type || 32-byte Ed25519 public key)[:4]
    vkey      = name "+" hex8(key ID) "+" base64(type || public key)
    skey      = "PRIVATE+KEY+" name "+" hex8(key ID) "+" base64(type || private key seed)

Two signature types: 0x01, an Ed25519 signature over the note text (the log's key), and
0x04, a c2sp.org/tlog-cosignature: the signature is u64 big-endian POSIX timestamp || Ed25519
signature over "cosignature/v1" LF "time " decimal(timestamp) LF || note text (witnesses).

Opening a note: the text is split from the signatures at the last blank line; signatures by
unknown keys (name and ID not both matching) are ignored; a known key's signature that fails
rejects the note; a note with no verified known signature is rejected.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

ED25519 = 0x01
COSIGNATURE_V1 = 0x04
MAX_TIMESTAMP = 2**63 - 1
EM_DASH = "\u2014"
MAX_SIGNATURES = 100
NAME_PATTERN = re.compile(r"[^\s+]+")
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")


class NoteError(ValueError):
    """A note, key or signature is malformed, or the note fails verification."""


def key_id(name: str, public_key: bytes, sig_type: int = ED25519) -> int:
    """The C2SP key ID: SHA-256(name || LF || type || public key), first 4 bytes, big-endian."""
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([sig_type]) + public_key).digest()
    value: int = struct.unpack(">I", digest[:4])[0]
    return value


def _check_name(name: str) -> None:
    if not NAME_PATTERN.fullmatch(name):
        raise NoteError(f"key name {name!r} is empty or has a space or '+'")


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise NoteError(f"{what} is not base64") from None


def cosigned_message(text: str, timestamp: int) -> bytes:
    """What a cosignature/v1 signs: the header line, the time line, the note text."""
    return f"cosignature/v1\ntime {timestamp}\n".encode() + text.encode()


@dataclass(frozen=True)
class Verifier:
    """A known note key: name, key ID, Ed25519 public key and signature type (0x01, 0x04)."""

    name: str
    key_id: int
    public_key: bytes
    sig_type: int = ED25519

    def verify(self, text: bytes, signature: bytes) -> bool:
        """Whether ``signature`` (the bytes after the key ID) signs note ``text``."""
        message = text
        if self.sig_type == COSIGNATURE_V1:
            if len(signature) != 72:
                return False
            timestamp = struct.unpack(">Q", signature[:8])[0]
            if timestamp > MAX_TIMESTAMP:
                return False
            message = cosigned_message(text.decode(), timestamp)
            signature = signature[8:]
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True

    def vkey(self) -> str:
        encoded = base64.b64encode(bytes([self.sig_type]) + self.public_key).decode()
        return f"{self.name}+{self.key_id:08x}+{encoded}"


def cosignature_time(signature: Signature) -> int:
    """The POSIX timestamp of a cosignature/v1 signature line."""
    if len(signature.signature) != 72:
        raise NoteError(f"cosignature by {signature.name} is not 8 + 64 bytes")
    value: int = struct.unpack(">Q", signature.signature[:8])[0]
    return value


def parse_vkey(vkey: str) -> Verifier:
    """Parse ``name+hex8+base64(type || key)`` (type 0x01 or 0x04); the key ID must match."""
    parts = vkey.strip().split("+", 2)  # the base64 key may itself contain '+'
    if len(parts) != 3:
        raise NoteError("a vkey is name+keyid+key")
    name, hex_id, encoded = parts
    _check_name(name)
    if not re.fullmatch(r"[0-9a-f]{8}", hex_id):
        raise NoteError(f"vkey key ID {hex_id!r} is not 8 lower-case hex digits")
    raw = _b64(encoded, "vkey key")
    if len(raw) != 33 or raw[0] not in (ED25519, COSIGNATURE_V1):
        raise NoteError("vkey key is not type 0x01 or 0x04 followed by a 32-byte Ed25519 key")
    verifier = Verifier(name, int(hex_id, 16), raw[1:], raw[0])
    if key_id(name, raw[1:], raw[0]) != verifier.key_id:
        raise NoteError(f"vkey key ID {hex_id} does not match its key")
    return verifier


@dataclass(frozen=True)
class Signer:
    """An Ed25519 note signing key: a log key (0x01) or a witness's cosigning key (0x04)."""

    name: str
    private_key: Ed25519PrivateKey
    sig_type: int = ED25519

    @property
    def verifier(self) -> Verifier:
        public = self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return Verifier(self.name, key_id(self.name, public, self.sig_type), public, self.sig_type)

    def sign_line(self, text: str, timestamp: int | None = None) -> str:
        """The signature line for note ``text`` (ending in LF); a cosigner needs ``timestamp``
        (POSIX seconds, supplied by the caller)."""
        if self.sig_type == COSIGNATURE_V1:
            if timestamp is None or not 0 <= timestamp <= MAX_TIMESTAMP:
                raise NoteError(f"a cosignature needs a timestamp in 0..2^63-1, got {timestamp}")
            signature = struct.pack(">Q", timestamp) + self.private_key.sign(
                cosigned_message(text, timestamp)
            )
        else:
            signature = self.private_key.sign(text.encode())
        blob = struct.pack(">I", self.verifier.key_id) + signature
        return f"{EM_DASH} {self.name} {base64.b64encode(blob).decode()}\n"

    def skey(self) -> str:
        seed = self.private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        encoded = base64.b64encode(bytes([self.sig_type]) + seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.verifier.key_id:08x}+{encoded}"


def parse_skey(skey: str) -> Signer:
    """Parse ``PRIVATE+KEY+name+hex8+base64(0x01 || seed)``; the key ID must match."""
    parts = skey.strip().split("+", 4)
    if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
        raise NoteError("an skey is PRIVATE+KEY+name+keyid+key")
    name, hex_id, encoded = parts[2:]
    _check_name(name)
    raw = _b64(encoded, "skey key")
    if len(raw) != 33 or raw[0] not in (ED25519, COSIGNATURE_V1):
        raise NoteError("skey key is not type 0x01 or 0x04 followed by a 32-byte Ed25519 seed")
    signer = Signer(name, Ed25519PrivateKey.from_private_bytes(raw[1:]), raw[0])
    if f"{signer.verifier.key_id:08x}" != hex_id:
        raise NoteError(f"skey key ID {hex_id} does not match its key")
    return signer


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: int
    signature: bytes
    line: str


@dataclass(frozen=True)
class Note:
    """A parsed signed note: its text (with the final LF) and its signature lines."""

    text: str
    signatures: tuple[Signature, ...]

    def serialise(self) -> str:
        return self.text + "\n" + "".join(s.line for s in self.signatures)


def parse_note(note: str) -> Note:
    """Split ``note`` at its last blank line into text and signatures (no verification)."""
    if CONTROL.search(note):
        raise NoteError("a note must not contain control characters other than LF")
    if not note.endswith("\n"):
        raise NoteError("a note ends with a newline")
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("a note has a blank line between its text and its signatures")
    text, block = note[: split + 1], note[split + 2 :]
    lines = block.split("\n")[:-1]
    if not lines:
        raise NoteError("a note has at least one signature line")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"more than {MAX_SIGNATURES} signatures")
    signatures = []
    for line in lines:
        match = re.fullmatch(EM_DASH + r" ([^ ]+) ([A-Za-z0-9+/=]+)", line)
        if not match:
            raise NoteError(f"malformed signature line {line[:60]!r}")
        name, blob = match.group(1), _b64(match.group(2), "signature")
        _check_name(name)
        if len(blob) < 5:
            raise NoteError(f"signature by {name} is too short")
        signatures.append(Signature(name, struct.unpack(">I", blob[:4])[0], blob[4:], line + "\n"))
    return Note(text, tuple(signatures))


def open_note(note: str, verifiers: list[Verifier]) -> tuple[Note, list[Verifier]]:
    """Parse and verify ``note``; returns it and the known keys whose signatures verified.

    Raises NoteError if a known key's signature fails or if no known key signed.
    """
    parsed = parse_note(note)
    known = {(v.name, v.key_id): v for v in verifiers}
    verified: list[Verifier] = []
    for sig in parsed.signatures:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            continue
        if not verifier.verify(parsed.text.encode(), sig.signature):
            raise NoteError(f"signature by {sig.name} ({sig.key_id:08x}) does not verify")
        if verifier not in verified:
            verified.append(verifier)
    if not verified:
        raise NoteError("no signature by a known key")
    return parsed, verified
