"""RFC 9162 §2.1 Merkle tree hashing and proof verification (SHA-256).

    leaf hash  = SHA-256(0x00 || leaf data)
    node hash  = SHA-256(0x01 || left || right)
    empty root = SHA-256("")

Verification follows RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency) step by step
and is strict: every hash must be 32 bytes. Failures raise ProofError (or its subclass
RootMismatch, which carries the expected and the computed root), never return False.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
NodeSink = Callable[[int, int, bytes], None]  # (level, index, hash) of a complete node


class ProofError(ValueError):
    """A proof does not verify, or its inputs are malformed."""


class RootMismatch(ProofError):
    """The root computed from a proof differs from the expected one (evidence attached)."""

    def __init__(self, what: str, expected: bytes, computed: bytes) -> None:
        super().__init__(f"{what}: expected {expected.hex()}, computed {computed.hex()}")
        self.expected = expected
        self.computed = computed


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 leaf hash: SHA-256(0x00 || data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 node hash: SHA-256(0x01 || left || right); both 32 bytes."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _require_hash(value: bytes, what: str) -> None:
    if not isinstance(value, bytes | bytearray) or len(value) != HASH_SIZE:
        size = len(value) if isinstance(value, bytes | bytearray) else type(value).__name__
        raise ProofError(f"{what} must be a {HASH_SIZE}-byte hash, got {size}")


class CompactRange:
    """The right edge of a tree: one perfect-subtree hash per set bit of the size.

    Appending costs O(1) amortised hashes and memory stays O(log n), so a root over any
    number of leaves can be computed while streaming them. ``on_node(level, index, hash)``,
    if given, sees every complete node as it is formed (the log's writer stores them).
    """

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        """``hashes``: the perfect subtrees of [0, size), highest level first."""
        levels = [level for level in range(size.bit_length() - 1, -1, -1) if size >> level & 1]
        if len(levels) != len(hashes):
            raise ValueError(f"size {size} needs {len(levels)} hashes, got {len(hashes)}")
        self.size = size
        self._pending: dict[int, bytes] = dict(zip(levels, hashes, strict=True))

    @staticmethod
    def node_ids(size: int) -> list[tuple[int, int]]:
        """(level, index) of the perfect subtrees covering [0, size), highest level first."""
        return [
            (level, (size >> level) - 1)
            for level in range(size.bit_length() - 1, -1, -1)
            if size >> level & 1
        ]

    def append(self, hash_of_leaf: bytes, on_node: NodeSink | None = None, level: int = 0) -> None:
        """Append a leaf hash, or with ``level`` the hash of a perfect subtree of 2**level
        leaves (the size a multiple of 2**level); ``on_node`` sees every node it completes."""
        index, value, self.size = self.size >> level, hash_of_leaf, self.size + (1 << level)
        if on_node is not None:
            on_node(level, index, value)
        while index & 1:
            value = node_hash(self._pending.pop(level), value)
            index >>= 1
            level += 1
            if on_node is not None:
                on_node(level, index, value)
        self._pending[level] = value

    def edge(self) -> list[tuple[int, bytes]]:
        """(level, hash) of each perfect subtree of the right edge, highest level first."""
        return sorted(self._pending.items(), reverse=True)

    def extend(self, edge: list[tuple[int, bytes]]) -> None:
        """Append the leaves of another range's ``edge()``, a range of fewer than 2**k leaves
        started at 0 when this size is a multiple of 2**k (verify/parallel.py's chunks)."""
        for level, value in edge:
            self.append(value, level=level)

    def root(self) -> bytes:
        """MTH of the leaves appended so far (RFC 9162 §2.1.1)."""
        if self.size == 0:
            return EMPTY_ROOT
        levels = sorted(self._pending)
        value = self._pending[levels[0]]
        for level in levels[1:]:
            value = node_hash(self._pending[level], value)
        return value


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """RFC 9162 §2.1.3.2: ``leaf`` (a leaf hash) is at ``index`` in the tree ``root`` of
    ``size`` leaves. Requires 0 <= index < size. Raises ProofError or RootMismatch."""
    _require_hash(leaf, "leaf hash")
    _require_hash(root, "root")
    for i, p in enumerate(proof):
        _require_hash(p, f"proof[{i}]")
    if not 0 <= index < size:
        raise ProofError(f"index {index} is not in a tree of size {size}")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is shorter than the path to the root")
    if r != root:
        raise RootMismatch("inclusion proof root", root, r)


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """RFC 9162 §2.1.4.2: the tree ``root2`` of ``size2`` leaves extends ``root1`` of
    ``size1``. Equal sizes need an empty proof and equal roots (the empty tree's root is
    SHA-256 of nothing); a proof from size 0 to a larger tree is meaningless and refused.
    Requires 0 <= size1 <= size2. Raises ProofError or RootMismatch."""
    _require_hash(root1, "first root")
    _require_hash(root2, "second root")
    for i, c in enumerate(proof):
        _require_hash(c, f"proof[{i}]")
    if size1 < 0 or size2 < size1:
        raise ProofError(f"first size {size1} must be between 0 and second size {size2}")
    if size1 == size2:
        if proof:
            raise ProofError("equal sizes need an empty proof")
        if root1 != root2:
            raise RootMismatch("equal sizes, second root", root1, root2)
        if size1 == 0 and root1 != EMPTY_ROOT:
            raise RootMismatch("empty tree root", EMPTY_ROOT, root1)
        return
    if size1 == 0:
        raise ProofError("a consistency proof from the empty tree is meaningless")
    if not proof:  # step 1
        raise ProofError("empty consistency proof for different sizes")
    path = list(proof)
    if size1 & (size1 - 1) == 0:  # step 2: first is an exact power of 2
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1  # step 3
    while fn & 1:  # step 4
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]  # step 5
    for c in path[1:]:  # step 6
        if sn == 0:
            raise ProofError("consistency proof is longer than needed")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:  # step 7
        raise ProofError("consistency proof is shorter than needed")
    if fr != root1:
        raise RootMismatch("consistency proof, first root", root1, fr)
    if sr != root2:
        raise RootMismatch("consistency proof, second root", root2, sr)
