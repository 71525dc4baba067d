"""The log store's in-process caches hold only what never changes: full tiles are the tiles
the store holds, a partial tile never answers for the full one, leaf lookups are cached only
once they are leaves, and a proof beyond the log is refused whatever is cached."""

from __future__ import annotations

import pytest

from ledger.ledger import Ledger
from ledger.log import proofs, tree
from ledger.log.proofs import ProofRequestError
from ledger.log.store import TILE_HEIGHT, TILE_WIDTH, LogStore, tile_key
from ledger.log.tiles import TileId, TileNotFound, hash_tile
from ledger.log.tree import TreeRangeError
from tests.integration.helpers import registered
from verify.merkle import CompactRange, leaf_hash, verify_consistency, verify_inclusion

pytestmark = pytest.mark.registry("unchecked")


def _tiles(size: int) -> tuple[dict[int, bytes], bytes]:
    """Hash tiles of leaves ``leaf {i}`` (i < size) and their root, by CompactRange."""
    compact = CompactRange()
    tiles: dict[int, bytearray] = {}

    def on_node(level: int, index: int, value: bytes) -> None:
        if level % TILE_HEIGHT == 0:
            key = tile_key(level // TILE_HEIGHT, index // TILE_WIDTH)
            tiles.setdefault(key, bytearray()).extend(value)

    for i in range(size):
        compact.append(leaf_hash(f"leaf {i}".encode()), on_node)
    return {k: bytes(v) for k, v in tiles.items()}, compact.root()


def _grow_to(store: LogStore, size: int) -> bytes:
    """Make the store's tiles and size those of a ``size``-leaf synthetic log (tiles are
    rewritten whole, as integration does); returns its root."""
    tiles, root = _tiles(size)
    with store.db.transaction() as cur:
        cur.executemany(
            "INSERT INTO gongshi_log_tiles (id, hashes) VALUES (?, ?)"
            " ON CONFLICT (id) DO UPDATE SET hashes = excluded.hashes",
            sorted(tiles.items()),
        )
        cur.execute("UPDATE gongshi_log_state SET size = ? WHERE id = 1", (size,))
    return root


def test_a_cached_full_tile_is_the_tile_the_store_holds(ledger: Ledger) -> None:
    store = ledger.log
    root = _grow_to(store, 600)
    for index in (0, 255, 256, 511, 599):
        proof = tree.inclusion_proof(index, 600, store.fetch)
        verify_inclusion(index, 600, leaf_hash(f"leaf {index}".encode()), proof, root)
        assert proof == tree.inclusion_proof(index, 600, lambda n: store.fetch(n, cached=False))
    for n in (0, 1):
        cached = store.tile_cache.get(tile_key(0, n), TILE_WIDTH)
        assert cached is not None and cached.hashes == store.tile(0, n)
        assert hash_tile(store, TileId(0, n, TILE_WIDTH)) == store.tile(0, n)
    hits = store.tile_cache.hits
    assert tree.root(600, store.fetch) == root
    assert store.tile_cache.hits > hits  # answered from the cache


def test_a_partial_tile_is_never_cached_as_full(ledger: Ledger) -> None:
    store = ledger.log
    root_300 = _grow_to(store, 300)
    assert tree.root(300, store.fetch) == root_300  # reads partial tile 0/1 (44 hashes)
    key = tile_key(0, 1)
    held = store.tile_cache.get(key, 44)
    assert held is not None and held.width == 44
    assert store.tile_cache.get(key, TILE_WIDTH) is None
    with pytest.raises(TileNotFound, match=r"^tile/0/001: the log holds 44 hashes$"):
        hash_tile(store, TileId(0, 1, TILE_WIDTH))
    assert hash_tile(store, TileId(0, 1, 44)) == store.tile(0, 1)

    root_600 = _grow_to(store, 600)  # tile 0/1 is now full in the database
    assert hash_tile(store, TileId(0, 1, TILE_WIDTH)) == store.tile(0, 1)
    assert tree.root(600, store.fetch) == root_600
    for index in (299, 300, 511):
        proof = tree.inclusion_proof(index, 600, store.fetch)
        verify_inclusion(index, 600, leaf_hash(f"leaf {index}".encode()), proof, root_600)
    proof = tree.consistency_proof(300, 600, store.fetch)
    verify_consistency(300, 600, proof, root_300, root_600)
    full = store.tile_cache.get(key, TILE_WIDTH)
    assert full is not None and full.hashes == store.tile(0, 1)


def test_a_proof_beyond_the_log_is_refused_whatever_is_cached(ledger: Ledger) -> None:
    store = ledger.log
    _grow_to(store, 600)
    tree.root(600, store.fetch)  # the full tiles and the partial ones, cached
    with pytest.raises(ProofRequestError, match="size 601 <= 600"):
        proofs.inclusion(store, ledger.app.recorder, 0, 601)
    with pytest.raises(ProofRequestError, match="new 601 <= 600"):
        proofs.consistency(store, 256, 601)
    with pytest.raises(TreeRangeError, match="not stored"):
        tree.inclusion_proof(0, 700, store.fetch)
    with pytest.raises(TreeRangeError, match="not stored"):
        tree.root(601, store.fetch)
    with pytest.raises(TileNotFound):
        hash_tile(store, TileId(0, 2, 89))


def test_leaf_lookups_are_cached_only_once_they_are_leaves(ledger: Ledger) -> None:
    store = ledger.log
    registered(ledger, 3, "缓存")
    store.integrate()
    pairs = list(store.leaf_notifications())
    assert [store.notification_of(i) for i in range(3)] == [n for _, n in pairs]
    assert store.notification_of(3) is None
    stream = [n for n in ledger.app.recorder.select_notifications(1, 10)][-1]
    registered(ledger, 2, "缓存")
    newest = ledger.app.recorder.select_notifications(stream.id + 1, 10)[-1]
    newest_stream, version = str(newest.originator_id), newest.originator_version
    assert store.leaf_of(newest_stream, version) is None  # not yet a leaf: not remembered
    store.integrate()
    assert store.notification_of(3) is not None
    assert store.leaf_of(newest_stream, version) == 4
    assert store.leaf_of(newest_stream, version) == 4  # from the cache
    data = store.leaves_data(0, 5)
    assert data == [store.leaf_data(i) for i in range(5)]
    assert proofs.leaves_data(store, 1, 3) == data[1:3]
    with pytest.raises(ProofRequestError, match="stop 6 <= 5"):
        proofs.leaves_data(store, 0, 6)


def test_cache_off_still_answers(ledger: Ledger) -> None:
    store = LogStore(ledger.db, ledger.app.recorder, cache_bytes=0)
    root = _grow_to(store, 300)
    assert tree.root(300, store.fetch) == root
    assert len(store.tile_cache) == 0
