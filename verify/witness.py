"""A witness (a department) cosigns a log's checkpoints, each proven consistent with the last.

The decision follows c2sp.org/tlog-witness (add-checkpoint) in every mode, HTTP or pull:

1. the note must parse as a signed checkpoint (else 400), its origin must be the log's key
   name (else 404), and the log's key must have signed it with no failing line (else 403);
2. the client's old size (HTTP; in pull mode it is the stored size) must not exceed the
   checkpoint's size (else 400) and must equal the size this witness last cosigned, 0 if
   none (else 409, answering that size); in pull mode a smaller checkpoint is a rollback (409);
3. a size-0 checkpoint must carry the empty tree's root; at the stored size the root must be
   the stored root, with an empty proof; from size 0 the proof must be empty; above it, an
   RFC 9162 consistency proof from the stored size, or, in pull mode with ``--bundle``, the
   whole records.jsonl: its root must be the new checkpoint's and the root of its first
   stored-size leaves the stored root (else 422). Records, when given, are checked on a
   first cosignature too.

Only then does the witness sign, and it persists the new state before it answers; the check
of the stored size and the write are one step under the state's lock. Cosignature times
never go backwards and are never 0. Refusals once the log's signature held (a rollback, a
fork, a bad proof) keep their evidence under ``evidence/``; a routine 409 does not.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from verify.checkpoint import Checkpoint, parse_checkpoint
from verify.merkle import EMPTY_ROOT, ProofError, verify_consistency
from verify.note import COSIGNATURE_TYPES, NoteError, Signer, Verifier, open_note, parse_note
from verify.witness_state import (
    WitnessState,
    keep_evidence,
    locked,
    read_state,
    write_state,
)

__all__ = [
    "RecordsTree",
    "Submission",
    "WitnessRefusal",
    "WitnessState",
    "add_checkpoint",
    "cosign",
    "decide",
    "read_state",
]

BAD_REQUEST, FORBIDDEN, NOT_FOUND, CONFLICT, UNPROCESSABLE = 400, 403, 404, 409, 422


class WitnessRefusal(Exception):
    """The witness won't cosign. ``status``: the add-checkpoint HTTP status; ``latest_size``:
    the size it last cosigned (for a 409); ``evidence``: the reason and both checkpoints;
    ``keep``: whether the refusal may show the log misbehaving (its evidence is kept)."""

    def __init__(
        self,
        status: int,
        reason: str,
        evidence: dict[str, object],
        keep: bool = False,
        latest_size: int | None = None,
    ) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.evidence = {"reason": reason, **evidence}
        self.keep = keep
        self.latest_size = latest_size


@dataclass(frozen=True)
class RecordsTree:
    """Roots recomputed from a bundle's records: all ``size`` of them (``root``) and their
    first ``prefix_size`` (``prefix_root``, None if there are fewer records)."""

    size: int
    root: bytes
    prefix_size: int
    prefix_root: bytes | None


@dataclass(frozen=True)
class Submission:
    """A checkpoint note to cosign and what shows it consistent with the witness's state.

    ``old_size``: the size the client says the witness last cosigned (add-checkpoint's
    ``old`` line), or None in pull mode; ``proof``: RFC 9162 consistency proof hashes from
    that size; ``records``: roots recomputed from a bundle's records.jsonl."""

    note: str
    old_size: int | None = None
    proof: tuple[bytes, ...] | None = None
    records: RecordsTree | None = None


def _b64(value: bytes | None) -> str | None:
    return None if value is None else base64.b64encode(value).decode()


def decide(state: WitnessState | None, log: Verifier, submission: Submission) -> Checkpoint:
    """Whether to cosign ``submission`` given the stored ``state``: returns the checkpoint,
    or raises WitnessRefusal (rules in the module docstring, checked in that order)."""
    note, old = submission.note, submission.old_size
    evidence: dict[str, object] = {"new_checkpoint": note}
    if state is not None:
        evidence["old_checkpoint"] = state.note
    if old is not None:
        evidence["old_size"] = old
    try:
        checkpoint = parse_checkpoint(parse_note(note).text)
    except NoteError as e:
        raise WitnessRefusal(BAD_REQUEST, f"malformed: {e}", evidence) from None
    if checkpoint.origin != log.name:
        raise WitnessRefusal(
            NOT_FOUND, f"unknown origin {checkpoint.origin!r}: this witness follows {log.name!r}",
            evidence,
        )  # fmt: skip
    try:
        open_note(note, [log])
    except NoteError as e:
        raise WitnessRefusal(
            FORBIDDEN, f"the log's signature does not hold: {e}", evidence
        ) from None
    if state is not None and state.log_vkey.strip() != log.vkey():
        raise WitnessRefusal(
            FORBIDDEN, "the log key differs from the one this witness follows", evidence
        )
    stored = state.checkpoint if state is not None else Checkpoint(log.name, 0, EMPTY_ROOT)
    if old is not None and old > checkpoint.size:
        raise WitnessRefusal(
            BAD_REQUEST, f"old size {old} > checkpoint size {checkpoint.size}", evidence
        )
    if old is not None and old != stored.size:
        raise WitnessRefusal(
            CONFLICT, f"conflict: old size {old}, but the latest cosigned is {stored.size}",
            evidence, latest_size=stored.size,
        )  # fmt: skip
    if checkpoint.size < stored.size:
        raise WitnessRefusal(
            CONFLICT, f"rollback: size {checkpoint.size} is smaller than the {stored.size} "
            "already cosigned", evidence, keep=True, latest_size=stored.size,
        )  # fmt: skip
    _check_consistency(stored, checkpoint, submission, evidence)
    return checkpoint


def _fork(reason: str, evidence: dict[str, object]) -> WitnessRefusal:
    return WitnessRefusal(UNPROCESSABLE, reason, evidence, keep=True)


def _check_consistency(
    stored: Checkpoint, new: Checkpoint, submission: Submission, evidence: dict[str, object]
) -> None:
    """Step 3 of the module docstring; ``stored`` is the empty tree if nothing was cosigned."""
    proof, records = submission.proof, submission.records
    if proof is not None:
        evidence["proof"] = [_b64(h) for h in proof]
    if new.size == 0 and new.root != EMPTY_ROOT:
        raise _fork("fork: a size-0 checkpoint whose root is not the empty tree's", evidence)
    if new.size == stored.size:
        if new.root != stored.root:
            raise _fork(f"fork: two roots for size {stored.size}", evidence)
        if proof:
            raise _fork("bad proof: equal sizes need an empty consistency proof", evidence)
    elif stored.size == 0:
        if proof:
            raise _fork("bad proof: a proof from the empty tree must be empty", evidence)
    elif proof is not None:
        try:
            verify_consistency(stored.size, new.size, proof, stored.root, new.root)
        except ProofError as e:
            raise _fork(f"fork: not consistent with size {stored.size}: {e}", evidence) from None
    elif records is None:
        raise _fork(f"no proof: nothing shows size {new.size} extends {stored.size}", evidence)
    if records is not None:
        _check_records(stored, new, records, evidence)


def _check_records(
    stored: Checkpoint, new: Checkpoint, records: RecordsTree, evidence: dict[str, object]
) -> None:
    """The bundle's records must make the new checkpoint, and their prefix the stored one."""
    evidence["records"] = {
        "size": records.size,
        "root": _b64(records.root),
        "prefix_size": records.prefix_size,
        "prefix_root": _b64(records.prefix_root),
    }
    if (records.size, records.root) != (new.size, new.root):
        raise _fork(
            f"fork: the bundle's {records.size} records have root {_b64(records.root)}, "
            f"the checkpoint says size {new.size} root {_b64(new.root)}",
            evidence,
        )
    if stored.size == 0:
        return
    if records.prefix_size != stored.size:
        raise WitnessRefusal(
            CONFLICT, f"conflict: the records' prefix was taken at size {records.prefix_size}, "
            f"but the latest cosigned is {stored.size}", evidence, latest_size=stored.size,
        )  # fmt: skip
    if records.prefix_root != stored.root:
        raise _fork(
            f"fork: the first {stored.size} leaves have another root than the one cosigned",
            evidence,
        )


@dataclass(frozen=True)
class Cosigned:
    """A successful add-checkpoint: the lines returned and the state persisted first."""

    lines: tuple[str, ...]
    state: WitnessState


def _log_signed_note(note: str, log: Verifier) -> str:
    """``note`` with only the log's signature lines (the ones the witness verified)."""
    parsed = parse_note(note)
    lines = [s.line for s in parsed.signatures if (s.name, s.key_id) == (log.name, log.key_id)]
    return parsed.text + "\n" + "".join(lines)


def add_checkpoint(
    state_path: Path,
    signers: Sequence[Signer],
    log: Verifier,
    submission: Submission,
    timestamp: int,
) -> Cosigned:
    """Decide under the state's lock, persist the new state, then return the lines (one
    per signer, all at one time: ``timestamp``, or the stored one if the clock went back).

    Requires at least one signer, each of type 0x04 or 0x06, and ``timestamp`` >= 1 (POSIX
    seconds, supplied by the caller). On refusal evidence worth keeping is written under
    ``<state dir>/evidence/`` and WitnessRefusal is raised; the state is unchanged.
    """
    if not signers or any(s.sig_type not in COSIGNATURE_TYPES for s in signers):
        raise ValueError("a witness signs with one or more keys of type 0x04 or 0x06")
    if timestamp < 1:
        raise ValueError(f"a cosignature's timestamp must not be 0, got {timestamp}")
    with locked(state_path):
        state = read_state(state_path)
        try:
            checkpoint = decide(state, log, submission)
        except WitnessRefusal as refusal:
            if refusal.keep:
                keep_evidence(state_path, refusal.evidence, timestamp)
            raise
        stamp = max(timestamp, state.timestamp if state is not None else 0)
        lines = tuple(signer.sign_line(checkpoint.text(), stamp) for signer in signers)
        new_state = WitnessState(
            log.vkey(), checkpoint, _log_signed_note(submission.note, log), lines, stamp
        )
        write_state(state_path, new_state)
        return Cosigned(lines, new_state)


def cosign(
    state_path: Path,
    signers: Signer | Sequence[Signer],
    note: str,
    log: Verifier,
    timestamp: int,
    proof: Sequence[bytes] | None = None,
    records: RecordsTree | None = None,
    old_size: int | None = None,
) -> str:
    """Pull mode: ``add_checkpoint`` with the stored size as the old size (unless given);
    returns the cosignature line(s)."""
    keys = [signers] if isinstance(signers, Signer) else list(signers)
    hashes = None if proof is None else tuple(proof)
    submission = Submission(note, old_size, hashes, records)
    return "".join(add_checkpoint(state_path, keys, log, submission, timestamp).lines)
