"""Re-derive the log from the stored records and compare: leaves, root, every checkpoint.

Part of ``gongshi check``: a record rewritten after it was integrated (even with a
recomputed record hash) changes the recomputed root and is named here.
"""

from __future__ import annotations

from eventsourcing.persistence import ApplicationRecorder

from ledger.check import iter_notifications
from ledger.log import tree
from ledger.log.checkpoints import all_checkpoints
from ledger.log.store import LogStore
from ledger.mapper import StoredFormatError, unpack_state
from verify.merkle import CompactRange, leaf_hash


def rederive_log(store: LogStore, recorder: ApplicationRecorder) -> list[str]:
    """Problems found (empty when the log matches the records), each with its evidence."""
    state = store.state()
    stored = lambda nodes: store.fetch(nodes, cached=False)  # noqa: E731 the tiles as stored
    checkpoints = {c.checkpoint.size: c.checkpoint.root for c in all_checkpoints(store)}
    problems: list[str] = []
    leaves = store.leaf_notifications()
    recomputed = CompactRange()
    for n in iter_notifications(recorder):
        if n.id > state.position:
            break
        index, notification = next(leaves, (None, None))
        if notification != n.id:
            problems.append(
                f"leaf {recomputed.size}: log has notification {notification}, store has {n.id}"
            )
            return problems
        try:
            _, record = unpack_state(n.state)
        except StoredFormatError as e:
            record = n.state
            problems.append(f"leaf {index}: stored state malformed ({e})")
        recomputed.append(leaf_hash(record))
        expected = checkpoints.get(recomputed.size)
        if expected is not None and recomputed.root() != expected:
            problems.append(
                f"checkpoint {recomputed.size}: signed root {expected.hex()}, records give "
                f"{recomputed.root().hex()}"
            )
    if recomputed.size != state.size:
        problems.append(f"log size {state.size}, records up to its position: {recomputed.size}")
    elif recomputed.root() != tree.root(state.size, stored):
        problems.append(
            f"log root {tree.root(state.size, stored).hex()}, records give "
            f"{recomputed.root().hex()}"
        )
    return problems
