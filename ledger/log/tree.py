"""Roots and proofs from stored perfect subtrees, in O(log n) node reads (one query).

A perfect subtree is node (level, index): the hash of leaves [index·2^level, (index+1)·2^level).
Every hash an RFC 9162 proof or root needs is the Merkle tree hash of a range [a, b) that the
RFC's recursion produces by splitting at powers of two; such a range is a run of perfect
subtrees of decreasing size starting at ``a``. The functions below first plan the ranges,
then read all their perfect subtrees at once through ``fetch``, then hash.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from verify.merkle import EMPTY_ROOT, node_hash

NodeId = tuple[int, int]  # (level, index)
Fetch = Callable[[Iterable[NodeId]], dict[NodeId, bytes]]
Range = tuple[int, int]  # [a, b)


class TreeRangeError(ValueError):
    """A proof or root was asked for outside the tree (with the sizes involved)."""


def _split(n: int) -> int:
    """The largest power of two smaller than n (requires n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def _pieces(a: int, b: int) -> list[NodeId]:
    """The perfect subtrees of range [a, b), largest first (requires an RFC-aligned range)."""
    pieces = []
    while a < b:
        level = (b - a).bit_length() - 1
        pieces.append((level, a >> level))
        a += 1 << level
    return pieces


def _range_hash(a: int, b: int, nodes: dict[NodeId, bytes]) -> bytes:
    pieces = _pieces(a, b)
    value = nodes[pieces[-1]]
    for piece in reversed(pieces[:-1]):
        value = node_hash(nodes[piece], value)
    return value


def _inclusion_ranges(m: int, a: int, b: int) -> list[Range]:
    """RFC 9162 §2.1.3.1 PATH(m, D[a:b]) as the ranges whose hashes form the path."""
    ranges: list[Range] = []
    while b - a > 1:
        k = _split(b - a)
        if m - a < k:
            ranges.append((a + k, b))
            b = a + k
        else:
            ranges.append((a, a + k))
            a = a + k
    return list(reversed(ranges))


def _consistency_ranges(m: int, a: int, b: int, whole: bool) -> list[Range]:
    """RFC 9162 §2.1.4.1 SUBPROOF(m, D[a:b], whole) as ranges (m counts leaves from a)."""
    ranges: list[Range] = []
    while m != b - a:
        k = _split(b - a)
        if m <= k:
            ranges.append((a + k, b))
            b = a + k
        else:
            ranges.append((a, a + k))
            m, a, whole = m - k, a + k, False
    if not whole:
        ranges.append((a, b))
    return list(reversed(ranges))


def _hashes(ranges: list[Range], fetch: Fetch) -> list[bytes]:
    wanted = _nodes(ranges)
    nodes = fetch(wanted) if wanted else {}
    missing = wanted - set(nodes)
    if missing:
        raise TreeRangeError(f"nodes {sorted(missing)[:3]} are not stored")
    return [_range_hash(a, b, nodes) for a, b in ranges]


def _nodes(ranges: list[Range]) -> set[NodeId]:
    return {piece for a, b in ranges for piece in _pieces(a, b)}


def nodes_for_root(size: int) -> set[NodeId]:
    """The nodes ``root(size)`` reads (requires size >= 0)."""
    return _nodes([(0, size)]) if size > 0 else set()


def nodes_for_inclusion(index: int, size: int) -> set[NodeId]:
    """The nodes ``inclusion_proof(index, size)`` reads (requires 0 <= index < size)."""
    return _nodes(_inclusion_ranges(index, 0, size))


def nodes_for_consistency(old: int, new: int) -> set[NodeId]:
    """The nodes ``consistency_proof(old, new)`` reads (requires 0 < old <= new)."""
    return _nodes(_consistency_ranges(old, 0, new, True)) if old < new else set()


def root(size: int, fetch: Fetch) -> bytes:
    """The root of the first ``size`` leaves (SHA-256 of nothing for 0)."""
    if size < 0:
        raise TreeRangeError(f"size {size} is negative")
    return EMPTY_ROOT if size == 0 else _hashes([(0, size)], fetch)[0]


def inclusion_proof(index: int, size: int, fetch: Fetch) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of ``size`` leaves; 0 <= index < size."""
    if not 0 <= index < size:
        raise TreeRangeError(f"index {index} is outside a tree of size {size}")
    return _hashes(_inclusion_ranges(index, 0, size), fetch)


def consistency_proof(old: int, new: int, fetch: Fetch) -> list[bytes]:
    """The proof that the tree of ``new`` leaves extends the tree of ``old``;
    requires 0 < old <= new (equal sizes give an empty proof)."""
    if not 0 < old <= new:
        raise TreeRangeError(f"a consistency proof needs 0 < old <= new, got {old} and {new}")
    if old == new:
        return []
    return _hashes(_consistency_ranges(old, 0, new, True), fetch)
