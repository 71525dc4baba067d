"""A log in memory for the witness tests: fixed keys, leaves, signed checkpoints, RFC 9162
consistency proofs from the naive reference, and add-checkpoint bodies."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.mldsa import MLDSA44PrivateKey

from tests.support.rfc9162 import mth, subproof
from verify.checkpoint import Checkpoint
from verify.note import COSIGNATURE_V1, ED25519, MLDSA44_COSIGNATURE, Signer

ORIGIN = "gongshi.example/anqing"
WITNESS_NAME = "witness.gongshi.example/audit"
LOG = Signer(ORIGIN, Ed25519PrivateKey.from_private_bytes(bytes(range(32))), ED25519)
MLDSA_WITNESS = Signer(
    WITNESS_NAME, MLDSA44PrivateKey.from_seed_bytes(bytes(range(32))), MLDSA44_COSIGNATURE
)
ED_WITNESS = Signer(
    WITNESS_NAME, Ed25519PrivateKey.from_private_bytes(bytes([7] * 32)), COSIGNATURE_V1
)
NOW = 1_700_000_000


def leaves(count: int, tag: str = "genuine") -> list[bytes]:
    """``count`` record-like leaves; another ``tag`` is another history."""
    return [f'{{"n":{n},"history":"{tag}"}}'.encode() for n in range(count)]


def checkpoint_note(
    data: Sequence[bytes], origin: str = ORIGIN, signer: Signer = LOG, root: bytes | None = None
) -> str:
    """The checkpoint over ``data`` (or with ``root``), signed by ``signer``."""
    text = Checkpoint(origin, len(data), mth(list(data)) if root is None else root).text()
    return text + "\n" + signer.sign_line(text)


def consistency(old: int, data: Sequence[bytes]) -> tuple[bytes, ...]:
    """RFC 9162 consistency proof from ``old`` leaves to all of ``data`` (empty if equal/0)."""
    if old == 0 or old == len(data):
        return ()
    return tuple(subproof(old, list(data), True))


def add_checkpoint_body(old: int, proof: Sequence[bytes], note: str) -> bytes:
    """A c2sp.org/tlog-witness add-checkpoint request body."""
    lines = "".join(base64.b64encode(h).decode() + "\n" for h in proof)
    return f"old {old}\n{lines}\n{note}".encode()


def write_records(path: Path, data: Sequence[bytes]) -> Path:
    """A bundle's records.jsonl holding ``data``, one LF-terminated line each."""
    path.write_bytes(b"".join(line + b"\n" for line in data))
    return path


def write_keys(folder: Path, *signers: Signer) -> list[str]:
    """skey files for ``signers`` and the log's vkey (``log.vkey``); returns the skey paths."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "log.vkey").write_text(LOG.verifier.vkey() + "\n")
    paths = []
    for n, signer in enumerate(signers):
        path = folder / f"witness-{n}.skey"
        path.write_text(signer.skey() + "\n")
        paths.append(str(path))
    return paths
