"""verify/merkle.py: every genuine proof verifies, and every refusal names its evidence.

Written against the mutants mutmut left alive (bench/mutation-survivors.md): a verifier that
refuses the genuine proof of a tree's last leaf, one that accepts a consistency proof from a
larger tree to a smaller one or refuses the empty tree's, and errors that lose their evidence
(what failed, the sizes, the expected and the computed root).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.support.rfc9162 import mth, path, subproof
from verify.merkle import (
    EMPTY_ROOT,
    CompactRange,
    ProofError,
    RootMismatch,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)  # fmt: skip

LEAVES = [f"leaf {i}".encode() for i in range(70)]
ROOTS = [mth(LEAVES[:n]) for n in range(len(LEAVES) + 1)]
H = bytes(range(32))  # some hash
OTHER = bytes(32)


def test_every_genuine_proof_verifies_for_every_index_and_size() -> None:
    """Exhaustive up to 69 leaves: the rightmost leaves (fn == sn) included."""
    for size in range(1, 70):
        for index in range(size):
            proof = path(index, LEAVES[:size])
            verify_inclusion(index, size, leaf_hash(LEAVES[index]), proof, ROOTS[size])
        for old in range(1, size):
            proof = subproof(old, LEAVES[:size], True)
            verify_consistency(old, size, proof, ROOTS[old], ROOTS[size])


def test_consistency_between_two_empty_trees_holds() -> None:
    verify_consistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT)


def test_consistency_between_equal_empty_sizes_with_another_root_is_refused() -> None:
    with pytest.raises(RootMismatch) as e:
        verify_consistency(0, 0, [], H, H)
    assert (e.value.expected, e.value.computed) == (EMPTY_ROOT, H)


def test_consistency_from_a_larger_to_a_smaller_tree_is_refused() -> None:
    proof = subproof(3, LEAVES[:5], True)
    with pytest.raises(ProofError, match=r"^first size 5 must be between 0 and second size 3$"):
        verify_consistency(5, 3, proof, ROOTS[5], ROOTS[3])


def _inclusion(**change: Any) -> Callable[[], None]:
    args = dict(index=2, size=5, leaf=leaf_hash(LEAVES[2]), proof=path(2, LEAVES[:5]))
    args |= dict(root=ROOTS[5]) | change
    return lambda: verify_inclusion(**args)


def _consistency(**change: Any) -> Callable[[], None]:
    args = dict(size1=3, size2=5, proof=subproof(3, LEAVES[:5], True))
    args |= dict(root1=ROOTS[3], root2=ROOTS[5]) | change
    return lambda: verify_consistency(**args)


REFUSALS = {
    "leaf hash of 31 bytes": (_inclusion(leaf=H[:31]), "leaf hash must be a 32-byte hash, got 31"),
    "root not bytes": (_inclusion(root=H.hex()), "root must be a 32-byte hash, got str"),
    "proof hash of 33 bytes": (
        _inclusion(proof=[H, H + b"\0"]),
        "proof[1] must be a 32-byte hash, got 33",
    ),
    "index outside the tree": (_inclusion(index=5), "index 5 is not in a tree of size 5"),
    "inclusion proof too long": (
        _inclusion(proof=[*path(2, LEAVES[:5]), H]),
        "inclusion proof is longer than the path to the root",
    ),
    "inclusion proof too short": (
        _inclusion(proof=path(2, LEAVES[:5])[:-1]),
        "inclusion proof is shorter than the path to the root",
    ),
    "inclusion under another root": (
        _inclusion(root=OTHER),
        f"inclusion proof root: expected {OTHER.hex()}, computed {ROOTS[5].hex()}",
    ),
    "first root of 0 bytes": (_consistency(root1=b""), "first root must be a 32-byte hash, got 0"),
    "second root not bytes": (
        _consistency(root2=None),
        "second root must be a 32-byte hash, got NoneType",
    ),
    "consistency proof hash of 1 byte": (
        _consistency(proof=[b"\1"]),
        "proof[0] must be a 32-byte hash, got 1",
    ),
    "negative first size": (
        _consistency(size1=-1),
        "first size -1 must be between 0 and second size 5",
    ),
    "equal sizes with a proof": (
        _consistency(size1=5, root1=ROOTS[5], proof=[H]),
        "equal sizes need an empty proof",
    ),
    "equal sizes, other roots": (
        _consistency(size1=5, root1=ROOTS[5], root2=OTHER, proof=[]),
        f"equal sizes, second root: expected {ROOTS[5].hex()}, computed {OTHER.hex()}",
    ),
    "empty trees, other root": (
        _consistency(size1=0, size2=0, root1=H, root2=H, proof=[]),
        f"empty tree root: expected {EMPTY_ROOT.hex()}, computed {H.hex()}",
    ),
    "from the empty tree": (
        _consistency(size1=0, root1=EMPTY_ROOT),
        "a consistency proof from the empty tree is meaningless",
    ),
    "no proof for different sizes": (
        _consistency(proof=[]),
        "empty consistency proof for different sizes",
    ),
    "consistency proof too long": (
        _consistency(proof=[*subproof(3, LEAVES[:5], True), H]),
        "consistency proof is longer than needed",
    ),
    "consistency proof too short": (
        _consistency(proof=subproof(3, LEAVES[:5], True)[:-1]),
        "consistency proof is shorter than needed",
    ),
    "consistency from another first tree": (
        _consistency(root1=OTHER),
        f"consistency proof, first root: expected {OTHER.hex()}, computed {ROOTS[3].hex()}",
    ),
    "consistency to another second tree": (
        _consistency(root2=OTHER),
        f"consistency proof, second root: expected {OTHER.hex()}, computed {ROOTS[5].hex()}",
    ),
}


@pytest.mark.parametrize("refusal", REFUSALS, ids=list(REFUSALS))
def test_proof_refusals_carry_their_evidence(refusal: str) -> None:
    call, message = REFUSALS[refusal]
    with pytest.raises(ProofError) as e:
        call()
    assert str(e.value) == message


def test_root_mismatch_keeps_expected_and_computed_roots() -> None:
    with pytest.raises(RootMismatch) as e:
        _inclusion(root=OTHER)()
    assert (e.value.expected, e.value.computed) == (OTHER, ROOTS[5])


def test_compact_range_with_the_wrong_number_of_edge_hashes_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^size 5 needs 2 hashes, got 1$"):
        CompactRange(5, [H])
