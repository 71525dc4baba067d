"""TileCache: subtrees of a tile prefix, prefix length wins, bounded by bytes (LRU)."""

from __future__ import annotations

import hashlib

from ledger.log.tilecache import TILE_WIDTH, TileCache, TileLayers
from verify.merkle import node_hash


def _hashes(n: int, salt: str = "") -> bytes:
    return b"".join(hashlib.sha256(f"{salt}{i}".encode()).digest() for i in range(n))


def test_subtrees_are_the_pairwise_hashes_and_only_complete_ones() -> None:
    hashes = _hashes(6)
    h = [hashes[i * 32 : (i + 1) * 32] for i in range(6)]
    layers = TileLayers(hashes)
    assert layers.subtree(5, 1) == h[5]
    assert layers.subtree(4, 2) == node_hash(h[4], h[5])
    assert layers.subtree(0, 4) == node_hash(node_hash(h[0], h[1]), node_hash(h[2], h[3]))
    assert layers.subtree(4, 4) is None  # needs hashes 6 and 7
    assert layers.subtree(6, 1) is None


def test_a_prefix_answers_only_within_its_width_and_the_longer_one_is_kept() -> None:
    cache = TileCache()
    full = _hashes(TILE_WIDTH)
    cache.put(7, full[: 10 * 32])
    assert cache.get(7, 10) is not None
    assert cache.get(7, 11) is None
    assert cache.get(7, TILE_WIDTH) is None
    cache.put(7, full)
    found = cache.get(7, TILE_WIDTH)
    assert found is not None and found.hashes == full
    cache.put(7, full[:32])  # an older, shorter read does not replace the full tile
    found = cache.get(7, TILE_WIDTH)
    assert found is not None and found.hashes == full


def test_least_recently_used_tiles_go_first_within_the_byte_bound() -> None:
    one = TileLayers(_hashes(TILE_WIDTH)).size()
    cache = TileCache(max_bytes=3 * one)
    for key in range(3):
        cache.put(key, _hashes(TILE_WIDTH, str(key)))
    assert cache.get(0, TILE_WIDTH) is not None  # 0 is now the most recent
    cache.put(3, _hashes(TILE_WIDTH, "3"))
    assert cache.get(1, TILE_WIDTH) is None  # the least recently used
    assert all(cache.get(k, TILE_WIDTH) is not None for k in (0, 2, 3))
    assert len(cache) == 3 and cache.held_bytes() <= 3 * one
