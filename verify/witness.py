"""A witness (a department) cosigns a log's checkpoints, each consistent with the last.

State (JSON, one file per witness): the log's vkey, origin, and the size, root and note of
the largest checkpoint cosigned so far. A new checkpoint is accepted only if the log signed
it, its origin is the log's, and it is the same as or consistent with the stored one; a
smaller checkpoint (rollback), a different root at the same size, or a failed consistency
proof (fork) is refused with evidence. State changes are atomic (temp file, fsync, rename)
under an exclusive lock, so two concurrent runs can't both advance from the same state.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from verify.checkpoint import Checkpoint, open_checkpoint
from verify.merkle import ProofError, verify_consistency
from verify.note import NoteError, Signer, Verifier, parse_vkey


class WitnessRefusal(Exception):
    """The witness won't cosign; ``evidence`` says why, with both checkpoints."""

    def __init__(self, reason: str, evidence: dict[str, object]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.evidence = {"reason": reason, **evidence}


@dataclass(frozen=True)
class WitnessState:
    log_vkey: str
    checkpoint: Checkpoint
    note: str

    def to_json(self) -> bytes:
        body = {
            "log_vkey": self.log_vkey,
            "origin": self.checkpoint.origin,
            "size": self.checkpoint.size,
            "root": base64.b64encode(self.checkpoint.root).decode(),
            "checkpoint": self.note,
        }
        return json.dumps(body, sort_keys=True, indent=1).encode() + b"\n"


def read_state(path: Path) -> WitnessState | None:
    """The stored state, re-verified (its note must still open with its log key)."""
    if not path.exists():
        return None
    body = json.loads(path.read_text(encoding="utf-8"))
    log = parse_vkey(body["log_vkey"])
    checkpoint = open_checkpoint(body["checkpoint"], log.name, log)
    return WitnessState(body["log_vkey"], checkpoint, body["checkpoint"])


def write_state(path: Path, state: WitnessState) -> None:
    """Replace the state file atomically: temp file, fsync, rename, fsync the directory."""
    temp = path.with_name(path.name + ".tmp")
    with temp.open("wb") as f:
        f.write(state.to_json())
        f.flush()
        os.fsync(f.fileno())
    os.replace(temp, path)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock for the state at ``path`` (held while deciding and writing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def decide(
    state: WitnessState | None,
    note: str,
    log: Verifier,
    proof: list[bytes] | None = None,
    prefix_root: bytes | None = None,
) -> Checkpoint:
    """Whether to cosign ``note``: returns its checkpoint, or raises WitnessRefusal.

    Consistency with the stored checkpoint is shown by ``proof`` (RFC 9162, from the stored
    size to the new one) or by ``prefix_root`` (the root of the first stored-size leaves,
    recomputed from a bundle's records).
    """
    old = {} if state is None else {"old_checkpoint": state.note}
    evidence: dict[str, object] = {**old, "new_checkpoint": note}
    if state is not None and state.log_vkey.strip() != log.vkey():
        raise WitnessRefusal("the log key differs from the one this witness follows", evidence)
    try:
        checkpoint = open_checkpoint(note, log.name, log)
    except NoteError as e:
        raise WitnessRefusal(f"the log's signature does not hold: {e}", evidence) from None
    if state is None:
        return checkpoint
    seen = state.checkpoint
    if checkpoint.size < seen.size:
        raise WitnessRefusal(
            f"rollback: size {checkpoint.size} is smaller than the {seen.size} already cosigned",
            evidence,
        )
    if checkpoint.size == seen.size:
        if checkpoint.root != seen.root:
            raise WitnessRefusal(f"fork: two roots for size {seen.size}", evidence)
        return checkpoint
    if proof is not None:
        evidence["proof"] = [base64.b64encode(h).decode() for h in proof]
        try:
            verify_consistency(seen.size, checkpoint.size, proof, seen.root, checkpoint.root)
        except ProofError as e:
            raise WitnessRefusal(
                f"fork: not consistent with size {seen.size}: {e}", evidence
            ) from None
    elif prefix_root is not None:
        if prefix_root != seen.root:
            evidence["recomputed_prefix_root"] = base64.b64encode(prefix_root).decode()
            raise WitnessRefusal(
                f"fork: the first {seen.size} leaves have another root than the one cosigned",
                evidence,
            )
    else:
        raise WitnessRefusal("no consistency proof from the cosigned size", evidence)
    return checkpoint


def cosign(
    state_path: Path,
    signer: Signer,
    note: str,
    log: Verifier,
    timestamp: int,
    proof: list[bytes] | None = None,
    prefix_root: bytes | None = None,
) -> str:
    """Decide under the lock, advance the state, return the cosignature line.

    ``timestamp`` is supplied by the caller (POSIX seconds). On refusal the evidence is
    written to ``<state dir>/evidence/`` and WitnessRefusal is raised.
    """
    with locked(state_path):
        state = read_state(state_path)
        try:
            checkpoint = decide(state, note, log, proof, prefix_root)
        except WitnessRefusal as refusal:
            keep_evidence(state_path, refusal, timestamp)
            raise
        line = signer.sign_line(checkpoint.text(), timestamp)
        if state is None or checkpoint.size > state.checkpoint.size:
            write_state(state_path, WitnessState(log.vkey(), checkpoint, note))
        return line


def keep_evidence(state_path: Path, refusal: WitnessRefusal, timestamp: int) -> Path:
    """Write a refusal's evidence as JSON under ``<state dir>/evidence/``."""
    folder = state_path.parent / "evidence"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{state_path.stem}-{timestamp}.json"
    path.write_text(json.dumps(refusal.evidence, indent=1, sort_keys=True) + "\n")
    return path
