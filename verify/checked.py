"""A checkpoint note opened under the auditor's policy, its problems as Failure values.

Every checkpoint the verifier relies on (a bundle's ``checkpoint`` and ``checkpoints/*``, a
``--since`` checkpoint, a tlog-proof's, both of a consistency check) must be a well-formed
note whose origin is a log of the policy (and, when given, the expected origin), signed by
that log, with no known key's signature failing. Only the checkpoint a verdict rests on must
also meet the quorum (``quorum=True``).
"""

from __future__ import annotations

from verify.checkpoint import parse_checkpoint
from verify.failure import Failure
from verify.note import NoteError, parse_note
from verify.policy import CheckedCheckpoint, Policy, PolicyError, open_under_policy


def check_checkpoint(
    note: str,
    where: str,
    policy: Policy,
    now: int | None,
    *,
    quorum: bool,
    origin: str | None = None,
) -> tuple[CheckedCheckpoint | None, list[Failure]]:
    """Open ``note`` under ``policy`` at ``now`` (POSIX seconds); the checkpoint (None if it
    can't be trusted at all) and the failures. Rules: ``checkpoint.note`` (malformed),
    ``checkpoint.origin``, ``checkpoint.signature`` (a known key's line fails, or no known
    key signed), ``checkpoint.log_signature``, ``policy.quorum``."""
    try:
        claimed = parse_checkpoint(parse_note(note).text).origin
    except NoteError as e:
        return None, [Failure(where, "checkpoint.note", f"not a signed checkpoint: {e}")]
    names = sorted(log.verifier.name for log in policy.logs)
    if not policy.logs_for(claimed):
        message = "the origin is no log of the policy"
        return None, [Failure(where, "checkpoint.origin", message, " or ".join(names), claimed)]
    if origin is not None and claimed != origin:
        message = "another log's checkpoint"
        return None, [Failure(where, "checkpoint.origin", message, origin, claimed)]
    try:
        checked = open_under_policy(note, policy, now)
    except NoteError as e:
        return None, [Failure(where, "checkpoint.signature", str(e))]
    except PolicyError as e:
        return None, [Failure(where, "checkpoint.log_signature", str(e))]
    if quorum and not checked.quorum_met:
        cosigners = ", ".join(checked.cosigners) or "none"
        set_aside = "".join(f"; set aside {s}" for s in checked.set_aside)
        message = f"{len(checked.cosigners)} witness cosignatures do not satisfy the quorum"
        computed = f"cosigned by {cosigners}{set_aside}"
        return checked, [Failure(where, "policy.quorum", message, policy.quorum, computed)]
    return checked, []
