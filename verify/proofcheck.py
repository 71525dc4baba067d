"""Offline checks of a record's tlog-proof and of a consistency proof, under a policy.

A proof is only as good as the checkpoint it ends in: the log signs whatever the operator
asks it to, so a checkpoint counts only when the log signed it *and* its witnesses'
cosignatures meet the auditor's quorum (c2sp.org/tlog-proof, "Verifying a tlog proof",
steps 2 and 3). For a consistency check the newer checkpoint must meet the quorum and the
older one must carry the log's signature (a witness may not have cosigned it yet).
"""

from __future__ import annotations

import base64
import binascii
import json

from verify.checked import check_checkpoint
from verify.failure import Failure
from verify.merkle import ProofError, leaf_hash, verify_consistency, verify_inclusion
from verify.note import NoteError
from verify.policy import CheckedCheckpoint, Policy
from verify.report import Report
from verify.tlogproof import parse_tlog_proof


def record_leaf(data: bytes) -> bytes:
    """The leaf data in a record file: its bytes, without one final LF if there is one
    (``gongshi proof record --out DIR`` writes DIR/record without it,
    ``/log/v1/entries?start=INDEX&limit=1`` and a bundle's line with it)."""
    return data[:-1] if data.endswith(b"\n") else data


def _opened(report: Report, checked: CheckedCheckpoint | None, problems: list[Failure]) -> None:
    for failure in problems:
        report.fail(failure)
    if checked is not None:
        report.checkpoint = checked.checkpoint
        report.cosigners, report.times = checked.cosigners, checked.times
        report.set_aside = checked.set_aside


def check_record_proof(
    proof_text: str, record: bytes, policy: Policy, now: int | None, source: str
) -> Report:
    """Check that ``record`` (the leaf's bytes, see ``record_leaf``) is in the checkpoint
    of tlog-proof ``proof_text``, and that this checkpoint meets ``policy`` at ``now``."""
    report = Report(policy_source=source)
    try:
        proof = parse_tlog_proof(proof_text)
    except NoteError as e:
        report.fail(Failure("proof", "tlog_proof.format", str(e)))
        return report
    checked, problems = check_checkpoint(proof.checkpoint, "proof checkpoint", policy, now,
                                         quorum=True)  # fmt: skip
    _opened(report, checked, problems)
    if checked is None:
        return report
    cp = checked.checkpoint
    try:
        verify_inclusion(proof.index, cp.size, leaf_hash(record_leaf(record)), proof.proof, cp.root)
    except ProofError as e:
        report.fail(Failure(f"proof index {proof.index}", "tlog_proof.inclusion", str(e)))
    else:
        report.summary.append(f"the record is leaf {proof.index} of the tree of {cp.size}")
    return report


def parse_consistency_json(text: str) -> list[bytes]:
    """The hashes of ``gongshi proof consistency``'s JSON (``{"proof": [base64, ...]}``);
    ValueError if it is not that."""
    try:
        body = json.loads(text)
        hashes = body["proof"]
        if not isinstance(hashes, list):
            raise TypeError("proof is not a list")
        return [base64.b64decode(h, validate=True) for h in hashes]
    except (KeyError, TypeError, binascii.Error) as e:
        raise ValueError(f"not a consistency proof ({e})") from None


def check_consistency(
    old_note: str, new_note: str, hashes: list[bytes], policy: Policy, now: int | None,
    source: str,
) -> Report:  # fmt: skip
    """Check that the tree of ``new_note`` extends that of ``old_note``: the new one meets
    the quorum, the old one carries the log's signature, both of the same log."""
    report = Report(policy_source=source)
    new, problems = check_checkpoint(new_note, "new checkpoint", policy, now, quorum=True)
    _opened(report, new, problems)
    origin = None if new is None else new.checkpoint.origin
    old, problems = check_checkpoint(old_note, "old checkpoint", policy, now, quorum=False,
                                     origin=origin)  # fmt: skip
    for failure in problems:
        report.fail(failure)
    if old is None or new is None:
        return report
    o, n = old.checkpoint, new.checkpoint
    try:
        verify_consistency(o.size, n.size, hashes, o.root, n.root)
    except ProofError as e:
        report.fail(Failure("consistency proof", "consistency.proof", str(e)))
    else:
        report.summary.append(f"the tree of {n.size} extends the tree of {o.size}")
    return report
