"""Witnesses on the log's side: their keys, the declared policy, attaching cosignatures.

The departments run their witnesses with ``gongshi-verify witness cosign`` (verify/witness.py)
and hand back a cosignature line; ``attach_cosignature`` verifies it against a stored
checkpoint and keeps it on that checkpoint's note, so exports carry every cosignature.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.errors import LedgerError
from ledger.log import tree
from ledger.log.checkpoints import all_checkpoints, latest
from ledger.log.store import LogStore
from verify.note import (
    COSIGNATURE_V1,
    NoteError,
    Signer,
    Verifier,
    parse_note,
    parse_skey,
    parse_vkey,
)
from verify.policy import Policy, departments_policy, parse_policy
from verify.witness import cosign, read_state

DEPARTMENTS = ("finance", "audit", "supervision")
DEFAULT_QUORUM = 2


class WitnessError(LedgerError):
    """A cosignature can't be attached (unknown witness, matches no stored checkpoint)."""


def witness_key_name(name: str) -> str:
    """The note key name of a department's witness."""
    return f"witness.gongshi.example/{name}"


def witness_paths(keys_dir: Path, name: str) -> tuple[Path, Path]:
    """The witness's skey and vkey files under ``keys_dir``."""
    return keys_dir / f"witness-{name}.skey", keys_dir / f"witness-{name}.vkey"


def create_witness_key(keys_dir: Path, name: str) -> tuple[bool, str]:
    """A witness key (type 0x04) for demos and tests; returns (created, vkey).

    In real use each department generates its own and gives the operator only the vkey.
    """
    skey_path, vkey_path = witness_paths(keys_dir, name)
    if skey_path.exists():
        return False, vkey_path.read_text().strip()
    signer = Signer(witness_key_name(name), Ed25519PrivateKey.generate(), COSIGNATURE_V1)
    keys_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(skey_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(signer.skey() + "\n")
    vkey_path.write_text(signer.verifier.vkey() + "\n")
    return True, signer.verifier.vkey()


def witness_verifiers(keys_dir: Path) -> dict[str, Verifier]:
    """The witnesses whose vkeys the operator holds: keys/witness-NAME.vkey."""
    found = {}
    for path in sorted(keys_dir.glob("witness-*.vkey")):
        found[path.stem.removeprefix("witness-")] = parse_vkey(path.read_text())
    return found


def declared_policy(home: Path, log: Verifier) -> Policy:
    """``$GONGSHI_HOME/policy`` if the operator wrote one; else the log key, every witness
    vkey under keys/, and a quorum of 2 (or fewer, if fewer witnesses are known)."""
    path = home / "policy"
    if path.exists():
        return parse_policy(path.read_text())
    witnesses = witness_verifiers(home / "keys")
    return departments_policy(log, witnesses, threshold=DEFAULT_QUORUM)


def attach_cosignature(store: LogStore, line: str, witnesses: dict[str, Verifier]) -> int:
    """Verify ``line`` against the stored checkpoints (newest first) and keep it on the one
    it signs, replacing an older cosignature by the same witness; returns that size."""
    line = line.strip() + "\n"
    for signed in reversed(all_checkpoints(store)):
        parsed = parse_note(signed.note)
        try:
            candidate = parse_note(parsed.text + "\n" + line).signatures[0]
        except NoteError as e:
            raise WitnessError(f"not a cosignature line: {e}") from None
        known = [
            v for v in witnesses.values()
            if (v.name, v.key_id) == (candidate.name, candidate.key_id)
        ]  # fmt: skip
        if not known:
            raise WitnessError(f"{candidate.name} ({candidate.key_id:08x}) is not a known witness")
        if not known[0].verify(parsed.text.encode(), candidate.signature):
            continue
        kept = [
            s for s in parsed.signatures if (s.name, s.key_id) != (candidate.name, candidate.key_id)
        ]
        note = parsed.text + "\n" + "".join(s.line for s in kept) + line
        store.db.execute(
            "UPDATE gongshi_log_checkpoints SET note = ? WHERE size = ?",
            (note, signed.checkpoint.size),
        )
        return signed.checkpoint.size
    raise WitnessError("the cosignature matches no stored checkpoint")


def run_local_witnesses(
    store: LogStore, home: Path, names: tuple[str, ...], timestamp: int
) -> list[str]:
    """For the demo: each named witness, with its key and state under ``home``, cosigns the
    latest checkpoint (given a consistency proof from the size it last cosigned) and the
    cosignature is attached. Returns the names that cosigned."""
    signed = latest(store)
    if signed is None:
        return []
    log_name = signed.checkpoint.origin
    log_vkey = (home / "keys" / "log.vkey").read_text()
    log = parse_vkey(log_vkey)
    if log.name != log_name:
        raise WitnessError(f"log vkey {log.name} does not match origin {log_name}")
    cosigned = []
    for name in names:
        signer = parse_skey(witness_paths(home / "keys", name)[0].read_text())
        state_path = home / "witness" / f"{name}.json"
        state = read_state(state_path)
        proof = None
        if state is not None and state.checkpoint.size < signed.checkpoint.size:
            proof = tree.consistency_proof(
                state.checkpoint.size, signed.checkpoint.size, store.fetch
            )
        line = cosign(state_path, signer, signed.note, log, timestamp, proof)
        attach_cosignature(store, line, witness_verifiers(home / "keys"))
        cosigned.append(name)
    return cosigned
