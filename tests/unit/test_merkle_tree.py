"""Proof generation against a naive RFC 9162 reference written from the RFC text, and
property tests: every proof verifies, any one-bit change fails."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.log.tree import NodeId, TreeRangeError, consistency_proof, inclusion_proof, root
from tests.support.rfc9162 import mth, path, subproof
from verify.merkle import (
    EMPTY_ROOT,
    CompactRange,
    ProofError,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)  # fmt: skip

# --- a node store built the way the log builds it ------------------------------------------


def store_for(leaves: list[bytes]) -> dict[NodeId, bytes]:
    nodes: dict[NodeId, bytes] = {}
    tree = CompactRange()
    for data in leaves:
        tree.append(leaf_hash(data), lambda lv, ix, h: nodes.__setitem__((lv, ix), h))
    return nodes


def fetcher(nodes: dict[NodeId, bytes]):  # type: ignore[no-untyped-def]
    def fetch(ids: Iterable[NodeId]) -> dict[NodeId, bytes]:
        return {i: nodes[i] for i in ids if i in nodes}

    return fetch


LEAVES = [f"leaf {i}".encode() for i in range(70)]
NODES = store_for(LEAVES)
FETCH = fetcher(NODES)


@pytest.mark.parametrize("size", range(0, 71))
def test_root_equals_reference_mth(size: int) -> None:
    assert root(size, FETCH) == mth(LEAVES[:size])
    tree = CompactRange()
    for data in LEAVES[:size]:
        tree.append(leaf_hash(data))
    assert tree.root() == mth(LEAVES[:size])


def test_proofs_equal_reference_for_every_index_and_pair() -> None:
    for size in range(1, 40):
        for index in range(size):
            assert inclusion_proof(index, size, FETCH) == path(index, LEAVES[:size])
        for old in range(1, size + 1):
            expected = [] if old == size else subproof(old, LEAVES[:size], True)
            assert consistency_proof(old, size, FETCH) == expected


def test_empty_root_constant() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@pytest.mark.parametrize(
    ("call", "args"),
    [(inclusion_proof, (5, 5)), (inclusion_proof, (-1, 5)), (inclusion_proof, (0, 0)),
     (consistency_proof, (6, 5)), (consistency_proof, (0, 5)), (root, (-1,))],
    ids=["index=size", "negative-index", "empty-tree", "old>new", "old=0", "negative-size"],
)  # fmt: skip
def test_requests_outside_the_tree_rejected(call, args) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TreeRangeError):
        call(*args, FETCH)


def test_missing_nodes_are_reported() -> None:
    with pytest.raises(TreeRangeError, match="not stored"):
        root(71, FETCH)


def _flip(value: bytes, bit: int) -> bytes:
    out = bytearray(value)
    out[bit // 8 % len(out)] ^= 1 << (bit % 8)
    return bytes(out)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_every_inclusion_proof_verifies_and_any_bit_flip_fails(data: st.DataObject) -> None:
    size = data.draw(st.integers(1, 70))
    index = data.draw(st.integers(0, size - 1))
    leaf, top = leaf_hash(LEAVES[index]), root(size, FETCH)
    proof = inclusion_proof(index, size, FETCH)
    verify_inclusion(index, size, leaf, proof, top)
    target = data.draw(st.integers(0, len(proof) + 1))
    bit = data.draw(st.integers(0, 255))
    if target < len(proof):
        proof = [*proof[:target], _flip(proof[target], bit), *proof[target + 1 :]]
    elif target == len(proof):
        leaf = _flip(leaf, bit)
    else:
        top = _flip(top, bit)
    with pytest.raises(ProofError):
        verify_inclusion(index, size, leaf, proof, top)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_every_consistency_proof_verifies_and_any_bit_flip_fails(data: st.DataObject) -> None:
    new = data.draw(st.integers(2, 70))
    old = data.draw(st.integers(1, new - 1))
    r1, r2 = root(old, FETCH), root(new, FETCH)
    proof = consistency_proof(old, new, FETCH)
    verify_consistency(old, new, proof, r1, r2)
    target = data.draw(st.integers(0, len(proof) + 1))
    bit = data.draw(st.integers(0, 255))
    if target < len(proof):
        proof = [*proof[:target], _flip(proof[target], bit), *proof[target + 1 :]]
    elif target == len(proof):
        r1 = _flip(r1, bit)
    else:
        r2 = _flip(r2, bit)
    with pytest.raises(ProofError):
        verify_consistency(old, new, proof, r1, r2)


def test_wrong_sizes_fail() -> None:
    # (For leaf 3 the paths in trees of 10 and 11 leaves have the same shape: a proof can't
    # bind the size; the signed checkpoint binds size and root together.)
    proof = inclusion_proof(9, 10, FETCH)
    with pytest.raises(ProofError):
        verify_inclusion(9, 11, leaf_hash(LEAVES[9]), proof, root(10, FETCH))
    cproof = consistency_proof(4, 10, FETCH)
    with pytest.raises(ProofError):
        verify_consistency(5, 10, cproof, root(4, FETCH), root(10, FETCH))
