"""The log's proofs as served to readers (CLI and HTTP): inclusion, consistency, per record.

Sizes and indexes are checked against the log first, so a bad request is a clear error
(``ProofRequestError``) and never a half-built proof. Hashes are base64 (standard, padded) in
the JSON forms, as in docs/FORMAT.md §6 "CLI proof JSON".
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder

from ledger.errors import LedgerError
from ledger.log import tree
from ledger.log.checkpoints import covering, latest
from ledger.log.store import LogStore
from verify.merkle import leaf_hash
from verify.tlogproof import TlogProof

P = ParamSpec("P")
R = TypeVar("R")


class ProofRequestError(LedgerError):
    """The requested proof can't exist (index or size outside the log): evidence named."""


def _reading(f: Callable[Concatenate[LogStore, P], R]) -> Callable[Concatenate[LogStore, P], R]:
    """Run ``f``'s reads of the log on one connection (``LogStore.reading``)."""

    @functools.wraps(f)
    def wrapped(store: LogStore, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with store.reading():
            return f(store, *args, **kwargs)

    return wrapped


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


@_reading
def leaf_data(
    store: LogStore, recorder: ApplicationRecorder, index: int, size: int | None = None
) -> bytes:
    """Leaf ``index``'s data: the record's canonical bytes. Requires index < the log size
    (``size``: the log's size if the caller just read it)."""
    data = store.leaf_data(index, size)
    if data is None:
        raise ProofRequestError(f"leaf {index} is not in the log ({store.state().size} leaves)")
    return data


@_reading
def leaves_data(store: LogStore, start: int, stop: int) -> list[bytes]:
    """The data of leaves ``start .. stop - 1`` in one query.
    Requires 0 <= start <= stop <= the log size."""
    have = store.state().size
    _require(0 <= start <= stop <= have, f"need 0 <= start {start} <= stop {stop} <= {have}")
    return store.leaves_data(start, stop)


def checkpoint_size(store: LogStore, given: int | None) -> int:
    """``given``, or the latest signed checkpoint's size."""
    if given is not None:
        return given
    signed = latest(store)
    if signed is None:
        raise ProofRequestError("no signed checkpoint yet: run 'gongshi checkpoint'")
    return signed.checkpoint.size


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ProofRequestError(message)


@_reading
def inclusion(
    store: LogStore, recorder: ApplicationRecorder, index: int, size: int | None = None
) -> dict[str, Any]:
    """Requires 0 <= index < size <= the log's size (size: default the latest checkpoint)."""
    size = checkpoint_size(store, size)
    have = store.state().size
    _require(0 <= index < size <= have, f"need 0 <= index {index} < size {size} <= {have}")
    fetch = store.prefetch(tree.nodes_for_inclusion(index, size) | _unless_known(store, size))
    return {
        "index": index, "tree_size": size,
        "leaf_hash": _b64(leaf_hash(leaf_data(store, recorder, index, have))),
        "root": _b64(store.root(size, fetch)),
        "proof": [_b64(h) for h in tree.inclusion_proof(index, size, fetch)],
    }  # fmt: skip


@_reading
def consistency(store: LogStore, old: int, new: int) -> dict[str, Any]:
    """Requires 0 < old <= new <= the log's size."""
    have = store.state().size
    _require(0 < old <= new <= have, f"need 0 < old {old} <= new {new} <= {have}")
    wanted = tree.nodes_for_consistency(old, new)
    fetch = store.prefetch(wanted | _unless_known(store, old) | _unless_known(store, new))
    return {
        "old_size": old, "new_size": new,
        "old_root": _b64(store.root(old, fetch)),
        "new_root": _b64(store.root(new, fetch)),
        "proof": [_b64(h) for h in tree.consistency_proof(old, new, fetch)],
    }  # fmt: skip


def _unless_known(store: LogStore, size: int) -> set[tree.NodeId]:
    """The nodes of root(size) unless that root is cached (read with the proof's)."""
    return set() if store.knows_root(size) else tree.nodes_for_root(size)


@_reading
def record_proof(store: LogStore, stream: UUID, version: int) -> str:
    """The record's c2sp.org/tlog-proof@v1 against the first witnessed checkpoint covering
    it (the one whose cosignatures satisfied the log's policy), cosignatures included."""
    index = store.leaf_of(str(stream), version)
    if index is None:
        raise ProofRequestError(f"record {stream} v{version} is not in the log")
    signed = covering(store, index, witnessed=True)
    if signed is None:
        pending = covering(store, index)
        if pending is not None:
            raise ProofRequestError(
                f"leaf {index} is in checkpoint {pending.checkpoint.size}, not yet witnessed: "
                "its cosignatures are being collected"
            )
        raise ProofRequestError(f"leaf {index} is not yet in a signed checkpoint")
    proof = tree.inclusion_proof(index, signed.checkpoint.size, store.fetch)
    return TlogProof(index, tuple(proof), signed.note).text()
