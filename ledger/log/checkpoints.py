"""Signed checkpoints (c2sp.org/tlog-checkpoint): made when the tree grew, all of them kept.

Before signing, the new tree is proven consistent with the last signed checkpoint, so the
log never signs two checkpoints that can't both be true. Signing is decided under the
integration lock from the stored state: the tree's size and the last checkpoint's size
and ``signed_at`` (with ``min_interval``, the scheduler's rule), so one signer wins across
processes and machines.

Every checkpoint read here carries the cosignatures stored so far (ledger/log/
cosignatures.py); ``witnessed`` says whether they satisfied the log's policy.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from ledger.clock import Clock, format_at, parse_at
from ledger.db import xact_lock
from ledger.log import tree
from ledger.log.cosignatures import log_note, refresh_witnessed, stored_lines
from ledger.log.store import LOCK, LogIntegrityError, LogStore
from ledger.log.tree import NodeId
from verify.checkpoint import Checkpoint, parse_checkpoint
from verify.merkle import ProofError, verify_consistency
from verify.note import Signer, parse_note
from verify.policy import Policy

COLUMNS = (
    "SELECT c.size, c.note, c.signed_at, w.size FROM gongshi_log_checkpoints c"
    " LEFT JOIN gongshi_log_witnessed w ON w.size = c.size"
)


@dataclass(frozen=True)
class SignedCheckpoint:
    checkpoint: Checkpoint
    note: str  # the signed note: text, blank line, the log's signature, the cosignatures
    signed_at: str = ""  # when the log signed it (format_at)
    witnessed: bool = False  # its cosignatures satisfied the log's policy


def _read(store: LogStore, where: str = "", params: tuple[Any, ...] = (),
          order: str = "c.size DESC", limit: int | None = 1) -> list[SignedCheckpoint]:  # fmt: skip
    sql = f"{COLUMNS} {where} ORDER BY {order}" + (f" LIMIT {limit}" if limit else "")
    with store.reading():  # one connection for the checkpoints and their cosignatures
        rows = store.query(sql, params)
        lines = stored_lines(store, (int(r[0]) for r in rows))
    return [
        SignedCheckpoint(
            parse_checkpoint(parse_note(note).text),
            log_note(note) + "".join(lines[int(size)]),
            str(signed_at),
            witnessed is not None,
        )
        for size, note, signed_at, witnessed in rows
    ]


def _one(found: list[SignedCheckpoint]) -> SignedCheckpoint | None:
    return found[0] if found else None


def latest(store: LogStore) -> SignedCheckpoint | None:
    """The largest signed checkpoint, witnessed or not, or None."""
    return _one(_read(store))


def latest_witnessed(store: LogStore) -> SignedCheckpoint | None:
    """The largest checkpoint whose cosignatures satisfied the log's policy, or None."""
    return _one(_read(store, "WHERE w.size IS NOT NULL"))


def checkpoint_at(store: LogStore, size: int) -> SignedCheckpoint | None:
    """The signed checkpoint of tree size ``size``, or None."""
    return _one(_read(store, "WHERE c.size = ?", (size,)))


def covering(store: LogStore, index: int, witnessed: bool = False) -> SignedCheckpoint | None:
    """The smallest signed (with ``witnessed``: witnessed) checkpoint including leaf ``index``."""
    where = "WHERE c.size > ?" + (" AND w.size IS NOT NULL" if witnessed else "")
    return _one(_read(store, where, (index,), order="c.size"))


def all_checkpoints(store: LogStore) -> list[SignedCheckpoint]:
    """Every signed checkpoint, smallest first."""
    return _read(store, order="c.size", limit=None)


def sign_checkpoint(
    store: LogStore,
    signer: Signer,
    origin: str,
    clock: Clock,
    policy: Policy | None = None,
    min_interval: timedelta | None = None,
) -> SignedCheckpoint | None:
    """Integrate, then sign and keep a checkpoint if the tree grew (and, with
    ``min_interval``, that long has passed since the last one was signed); None if not.

    Signing runs under the integration lock, so two signers can't race on one size, and
    only after the new tree is proven consistent with the last signed checkpoint
    (LogIntegrityError, nothing signed, if it is not: the stored tree was changed). With
    ``policy``, a policy that needs no cosignature (``quorum none``) marks it witnessed.
    """
    store.integrate()
    with store.db.transaction() as cur:
        xact_lock(cur, LOCK)
        size = int(cur.execute("SELECT size FROM gongshi_log_state WHERE id = 1")[0][0])
        rows = cur.execute(
            "SELECT note, signed_at FROM gongshi_log_checkpoints ORDER BY size DESC LIMIT 1"
        )
        previous = parse_checkpoint(parse_note(rows[0][0]).text) if rows else None
        if size == 0 or (previous is not None and previous.size >= size):
            return None
        now = clock()
        if min_interval is not None and rows and now - parse_at(rows[0][1]) < min_interval:
            return None

        def fetch(nodes: Iterable[NodeId]) -> dict[NodeId, bytes]:
            return store.fetch(nodes, cur)

        root = tree.root(size, fetch)
        if previous is not None:
            proof = tree.consistency_proof(previous.size, size, fetch)
            try:
                verify_consistency(previous.size, size, proof, previous.root, root)
            except ProofError as e:
                raise LogIntegrityError(
                    f"refusing to sign size {size}: not consistent with the signed checkpoint "
                    f"{previous.size} (signed root {base64.b64encode(previous.root).decode()}, "
                    f"stored tree gives {base64.b64encode(root).decode()} at {size}): {e}"
                ) from None
        checkpoint = Checkpoint(origin, size, root)
        note = checkpoint.text() + "\n" + signer.sign_line(checkpoint.text())
        signed_at = format_at(now)
        cur.execute(
            "INSERT INTO gongshi_log_checkpoints (size, root, note, signed_at) VALUES (?, ?, ?, ?)",
            (size, root, note, signed_at),
        )
        witnessed = policy is not None and refresh_witnessed(cur, policy, size, now)
    return SignedCheckpoint(checkpoint, note, signed_at, witnessed)
