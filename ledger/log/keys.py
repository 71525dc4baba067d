"""The log's Ed25519 signing key, as C2SP skey/vkey files under $GONGSHI_HOME/keys/."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.errors import LedgerError
from ledger.files import private_dir, private_file
from verify.note import ED25519, NoteError, Signer, parse_skey


class LogKeyError(LedgerError):
    """The log key is missing, unreadable or named differently from the origin."""


def create_log_key(skey_path: Path, vkey_path: Path, origin: str) -> tuple[bool, str]:
    """Create the key (skey and vkey mode 0600, keys/ 0700) unless it exists.

    Returns (created, vkey). The key name is the log's origin.
    """
    if skey_path.exists():
        return False, load_signer(skey_path, origin).verifier.vkey()
    signer = Signer(origin, Ed25519PrivateKey.generate())
    private_dir(skey_path.parent)
    fd = os.open(skey_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(signer.skey() + "\n")
    vkey = signer.verifier.vkey()
    private_file(vkey_path).write_text(vkey + "\n")
    return True, vkey


def load_signer(skey_path: Path, origin: str) -> Signer:
    """The log's signer; its key name must equal ``origin``."""
    if not skey_path.exists():
        raise LogKeyError(
            f"no log key at {skey_path}: if this ledger already holds records, restore the"
            " keys directory from your backup (a new key can't continue its log); for a new,"
            " empty ledger run 'gongshi keys init'"
        )
    try:
        signer = parse_skey(skey_path.read_text())
    except NoteError as e:
        raise LogKeyError(f"{skey_path}: {e}") from None
    if signer.name != origin:
        raise LogKeyError(f"log key is named {signer.name!r} but the origin is {origin!r}")
    if signer.sig_type != ED25519:
        raise LogKeyError(f"{skey_path} is a witness key (type {signer.sig_type:#04x}), not 0x01")
    return signer
