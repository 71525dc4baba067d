"""Signed checkpoints (c2sp.org/tlog-checkpoint): made when the tree grew, all of them kept.

Before signing, the new tree is proven consistent with the last signed checkpoint, so the
log never signs two checkpoints that can't both be true.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ledger.clock import Clock, format_at
from ledger.log import tree
from ledger.log.store import LOCK_KEY, LogStore
from ledger.log.tree import NodeId
from verify.checkpoint import Checkpoint, parse_checkpoint
from verify.merkle import verify_consistency
from verify.note import Signer, parse_note


@dataclass(frozen=True)
class SignedCheckpoint:
    checkpoint: Checkpoint
    note: str  # the full signed note: text, blank line, signatures (log first)


def latest(store: LogStore) -> SignedCheckpoint | None:
    """The largest signed checkpoint, or None."""
    rows = store.db.execute("SELECT note FROM gongshi_log_checkpoints ORDER BY size DESC LIMIT 1")
    return _signed(rows[0][0]) if rows else None


def covering(store: LogStore, index: int) -> SignedCheckpoint | None:
    """The smallest signed checkpoint that includes leaf ``index``."""
    rows = store.db.execute(
        "SELECT note FROM gongshi_log_checkpoints WHERE size > ? ORDER BY size LIMIT 1", (index,)
    )
    return _signed(rows[0][0]) if rows else None


def all_checkpoints(store: LogStore) -> list[SignedCheckpoint]:
    """Every signed checkpoint, smallest first."""
    rows = store.db.execute("SELECT note FROM gongshi_log_checkpoints ORDER BY size")
    return [_signed(r[0]) for r in rows]


def _signed(note: str) -> SignedCheckpoint:
    return SignedCheckpoint(parse_checkpoint(parse_note(note).text), note)


def sign_checkpoint(
    store: LogStore, signer: Signer, origin: str, clock: Clock
) -> SignedCheckpoint | None:
    """Integrate, then sign and keep a checkpoint if the tree grew; None if it did not.

    Signing runs under the integration lock, so two signers can't race on one size, and
    only after the new tree is proven consistent with the last signed checkpoint.
    """
    store.integrate()
    with store.db.transaction() as cur:
        if store.db.is_postgres:
            cur.execute("SELECT pg_advisory_xact_lock(?)", (LOCK_KEY,))
        size = int(cur.execute("SELECT size FROM gongshi_log_state WHERE id = 1")[0][0])
        rows = cur.execute("SELECT note FROM gongshi_log_checkpoints ORDER BY size DESC LIMIT 1")
        previous = _signed(rows[0][0]) if rows else None
        if size == 0 or (previous is not None and previous.checkpoint.size >= size):
            return None

        def fetch(nodes: Iterable[NodeId]) -> dict[NodeId, bytes]:
            return store.fetch(nodes, cur)

        root = tree.root(size, fetch)
        if previous is not None:
            old = previous.checkpoint
            proof = tree.consistency_proof(old.size, size, fetch)
            verify_consistency(old.size, size, proof, old.root, root)
        checkpoint = Checkpoint(origin, size, root)
        note = checkpoint.text() + "\n" + signer.sign_line(checkpoint.text())
        cur.execute(
            "INSERT INTO gongshi_log_checkpoints (size, root, note, signed_at) VALUES (?, ?, ?, ?)",
            (size, root, note, format_at(clock())),
        )
    return SignedCheckpoint(checkpoint, note)
