"""C2SP signed notes (c2sp.org/signed-note), and the vkey/skey formats.

    note      = text (ending in LF) || LF || signature lines
    signature = "— " || key name || " " || base64(key ID (4 bytes, big-endian) || signature) || LF
    key ID    = SHA-256(key name || 0x0A || type || public key)[:4]
    vkey      = name "+" hex8(key ID) "+" base64(type || public key)
    skey      = "PRIVATE+KEY+" name "+" hex8(key ID) "+" base64(type || private key seed)

Three signature types:
- 0x01: an Ed25519 signature over the note text (the log's key);
- 0x04: a c2sp.org/tlog-cosignature cosignature/v1: u64 big-endian POSIX timestamp ||
  Ed25519 signature over "cosignature/v1" LF "time " decimal(timestamp) LF || note text;
- 0x06: a c2sp.org/tlog-cosignature ML-DSA-44 cosignature: u64 timestamp || ML-DSA-44
  signature (2,420 bytes, empty context) over the subtree/v1 ``cosigned_message`` with
  start 0 and end = the checkpoint's size (public key 1,312 bytes; the skey holds the
  32-byte FIPS 204 seed).

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
from cryptography.hazmat.primitives.asymmetric.mldsa import MLDSA44PrivateKey, MLDSA44PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

ED25519 = 0x01
COSIGNATURE_V1 = 0x04
MLDSA44_COSIGNATURE = 0x06
COSIGNATURE_TYPES = (COSIGNATURE_V1, MLDSA44_COSIGNATURE)
PUBLIC_KEY_SIZE = {ED25519: 32, COSIGNATURE_V1: 32, MLDSA44_COSIGNATURE: 1312}
SIGNATURE_SIZE = {ED25519: 64, COSIGNATURE_V1: 8 + 64, MLDSA44_COSIGNATURE: 8 + 2420}
SEED_SIZE = 32
SUBTREE_LABEL = b"subtree/v1\n\x00"
MAX_TIMESTAMP = 2**63 - 1
EM_DASH = "\u2014"
MAX_SIGNATURES = 100
NAME_PATTERN = re.compile(r"[^\s+]+")
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")


class NoteError(ValueError):
    """A note, key or signature is malformed, or the note fails verification."""


def key_id(name: str, public_key: bytes, sig_type: int = ED25519) -> int:
    """The C2SP key ID: SHA-256(name || LF || type || public key), first 4 bytes, big-endian.
    (The public key is 32 bytes for types 0x01 and 0x04, 1,312 bytes for 0x06.)"""
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


def subtree_message(
    cosigner: str, timestamp: int, origin: str, start: int, end: int, root: bytes
) -> bytes:
    """The ML-DSA-44 ``cosigned_message`` (c2sp.org/tlog-cosignature): label "subtree/v1" LF
    0x00, the cosigner name and the log origin each with a one-byte length (1..255), and
    u64 big-endian timestamp, start and end, then the 32-byte root.

    Requires 0 <= timestamp <= 2^63-1, 0 <= start <= end < 2^64, a 32-byte root, names of
    1..255 UTF-8 bytes; NoteError otherwise."""
    name_bytes, origin_bytes = cosigner.encode(), origin.encode()
    if not (1 <= len(name_bytes) <= 255 and 1 <= len(origin_bytes) <= 255):
        raise NoteError("cosigner name and origin must each be 1..255 bytes")
    if not (0 <= timestamp <= MAX_TIMESTAMP and 0 <= start <= end < 2**64 and len(root) == 32):
        raise NoteError("timestamp, start, end or root out of range")
    return (
        SUBTREE_LABEL
        + bytes([len(name_bytes)]) + name_bytes
        + struct.pack(">Q", timestamp)
        + bytes([len(origin_bytes)]) + origin_bytes
        + struct.pack(">QQ", start, end)
        + root
    )  # fmt: skip


def checkpoint_head(text: str) -> tuple[str, int, bytes]:
    """Origin, size and root of checkpoint note ``text`` (its first three lines), as an
    ML-DSA-44 cosignature signs them; NoteError if they are not a well-formed checkpoint."""
    lines = text.split("\n")
    if len(lines) < 4 or not lines[0] or not re.fullmatch(r"0|[1-9][0-9]{0,19}", lines[1]):
        raise NoteError("not a checkpoint: origin, decimal size and root lines expected")
    root = _b64(lines[2], "checkpoint root")
    if len(root) != 32 or int(lines[1]) >= 2**64:
        raise NoteError("not a checkpoint: the root is not 32 bytes or the size is not a u64")
    return lines[0], int(lines[1]), root


def signed_message(sig_type: int, name: str, text: str, timestamp: int) -> bytes:
    """What a key of ``sig_type`` named ``name`` signs for note ``text`` at ``timestamp``."""
    if sig_type == COSIGNATURE_V1:
        return cosigned_message(text, timestamp)
    if sig_type == MLDSA44_COSIGNATURE:
        origin, size, root = checkpoint_head(text)
        return subtree_message(name, timestamp, origin, 0, size, root)
    return text.encode()


@dataclass(frozen=True)
class Verifier:
    """A known note key: name, key ID, public key and signature type (0x01, 0x04, 0x06)."""

    name: str
    key_id: int
    public_key: bytes
    sig_type: int = ED25519

    def verify(self, text: bytes, signature: bytes) -> bool:
        """Whether ``signature`` (the bytes after the key ID) signs note ``text``."""
        if len(signature) != SIGNATURE_SIZE[self.sig_type]:
            return False
        timestamp = 0
        if self.sig_type in COSIGNATURE_TYPES:
            timestamp = struct.unpack(">Q", signature[:8])[0]
            if timestamp > MAX_TIMESTAMP:
                return False
            signature = signature[8:]
        try:
            message = signed_message(self.sig_type, self.name, text.decode(), timestamp)
            if self.sig_type == MLDSA44_COSIGNATURE:
                MLDSA44PublicKey.from_public_bytes(self.public_key).verify(signature, message)
            else:
                Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except (InvalidSignature, NoteError, UnicodeDecodeError):
            return False
        return True

    def vkey(self) -> str:
        encoded = base64.b64encode(bytes([self.sig_type]) + self.public_key).decode()
        return f"{self.name}+{self.key_id:08x}+{encoded}"


def cosignature_time(signature: Signature) -> int:
    """The POSIX timestamp of a cosignature line (type 0x04 or 0x06)."""
    if len(signature.signature) not in (SIGNATURE_SIZE[t] for t in COSIGNATURE_TYPES):
        raise NoteError(f"cosignature by {signature.name} is not 8 + 64 or 8 + 2420 bytes")
    value: int = struct.unpack(">Q", signature.signature[:8])[0]
    return value


def parse_vkey(vkey: str) -> Verifier:
    """Parse ``name+hex8+base64(type || key)`` (type 0x01, 0x04 or 0x06); the key ID must match.

    The text is split at its first two '+' (a name has none; the base64 key may)."""
    parts = vkey.strip().split("+", 2)
    if len(parts) != 3:
        raise NoteError("a vkey is name+keyid+key")
    name, hex_id, encoded = parts
    _check_name(name)
    if not re.fullmatch(r"[0-9a-f]{8}", hex_id):
        raise NoteError(f"vkey key ID {hex_id!r} is not 8 lower-case hex digits")
    raw = _b64(encoded, "vkey key")
    if not raw or raw[0] not in PUBLIC_KEY_SIZE or len(raw) != 1 + PUBLIC_KEY_SIZE[raw[0]]:
        raise NoteError(
            "vkey key is not type 0x01 or 0x04 with a 32-byte Ed25519 key, "
            "or type 0x06 with a 1312-byte ML-DSA-44 key"
        )
    verifier = Verifier(name, int(hex_id, 16), raw[1:], raw[0])
    if key_id(name, raw[1:], raw[0]) != verifier.key_id:
        raise NoteError(f"vkey key ID {hex_id} does not match its key")
    return verifier


PrivateKey = Ed25519PrivateKey | MLDSA44PrivateKey


@dataclass(frozen=True)
class Signer:
    """A note signing key: the log's Ed25519 key (0x01) or a witness's cosigning key, Ed25519
    (0x04) or ML-DSA-44 (0x06)."""

    name: str
    private_key: PrivateKey
    sig_type: int = ED25519

    def __post_init__(self) -> None:
        _check_name(self.name)
        wants_mldsa = self.sig_type == MLDSA44_COSIGNATURE
        if self.sig_type not in PUBLIC_KEY_SIZE or wants_mldsa != isinstance(
            self.private_key, MLDSA44PrivateKey
        ):
            raise NoteError(f"a type {self.sig_type:#04x} key can't be {type(self.private_key)}")

    @classmethod
    def generate(cls, name: str, sig_type: int = ED25519) -> Signer:
        """A new random key of ``sig_type`` named ``name``."""
        if sig_type == MLDSA44_COSIGNATURE:
            return cls(name, MLDSA44PrivateKey.generate(), sig_type)
        return cls(name, Ed25519PrivateKey.generate(), sig_type)

    @property
    def verifier(self) -> Verifier:
        public = self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return Verifier(self.name, key_id(self.name, public, self.sig_type), public, self.sig_type)

    def sign_line(self, text: str, timestamp: int | None = None) -> str:
        """The signature line for note ``text`` (ending in LF); a cosigner needs ``timestamp``
        (POSIX seconds, supplied by the caller), and an ML-DSA-44 cosigner a checkpoint."""
        if self.sig_type in COSIGNATURE_TYPES:
            if timestamp is None or not 0 <= timestamp <= MAX_TIMESTAMP:
                raise NoteError(f"a cosignature needs a timestamp in 0..2^63-1, got {timestamp}")
            message = signed_message(self.sig_type, self.name, text, timestamp)
            signature = struct.pack(">Q", timestamp) + self.private_key.sign(message)
        else:
            signature = self.private_key.sign(text.encode())
        blob = struct.pack(">I", self.verifier.key_id) + signature
        return f"{EM_DASH} {self.name} {base64.b64encode(blob).decode()}\n"

    def skey(self) -> str:
        if isinstance(self.private_key, MLDSA44PrivateKey):
            seed = self.private_key.private_bytes_raw()
        else:
            seed = self.private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        encoded = base64.b64encode(bytes([self.sig_type]) + seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.verifier.key_id:08x}+{encoded}"


def parse_skey(skey: str) -> Signer:
    """Parse ``PRIVATE+KEY+name+hex8+base64(type || 32-byte seed)`` (type 0x01, 0x04 or
    0x06); the key ID must match."""
    parts = skey.strip().split("+", 4)
    if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
        raise NoteError("an skey is PRIVATE+KEY+name+keyid+key")
    name, hex_id, encoded = parts[2:]
    _check_name(name)
    raw = _b64(encoded, "skey key")
    if len(raw) != 1 + SEED_SIZE or raw[0] not in PUBLIC_KEY_SIZE:
        raise NoteError("skey key is not type 0x01, 0x04 or 0x06 followed by a 32-byte seed")
    private: PrivateKey
    if raw[0] == MLDSA44_COSIGNATURE:
        private = MLDSA44PrivateKey.from_seed_bytes(raw[1:])
    else:
        private = Ed25519PrivateKey.from_private_bytes(raw[1:])
    signer = Signer(name, private, raw[0])
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
