"""An in-process cache of hash tiles as read from the database, bounded by bytes (LRU).

What is cached never changes: every hash a tile holds is the root of a complete subtree,
so the first W hashes of a tile are final once stored (c2sp.org/tlog-tiles, "Partial
Tiles"). An entry is the tile's prefix as it was read, ``width`` hashes (256 for a full
tile), with the subtrees inside it hashed once: ``layers[r][j]`` is the hash of the tile's
hashes ``j·2^r .. (j+1)·2^r - 1``. A lookup that needs more hashes than an entry holds is a
miss (the caller reads the tile again and ``put`` replaces the entry with the longer
prefix); a partial entry never answers for the full tile.

Only tiles read outside a transaction (committed) are put here; writers (integration,
checkpoint signing) and ``gongshi check`` read the database itself.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from verify.merkle import HASH_SIZE, node_hash

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
LEVEL_SHIFT = 48
DEFAULT_BYTES = 32 << 20  # a full tile's entry is about 16 KiB: ~2,000 tiles


def tile_key(level: int, index: int) -> int:
    """The key of tile (tile level, tile index) in gongshi_log_tiles and in the cache."""
    return level << LEVEL_SHIFT | index


class TileLayers:
    """A tile's prefix of ``width`` hashes and every complete subtree inside it."""

    __slots__ = ("_layers", "hashes", "width")

    def __init__(self, hashes: bytes) -> None:
        self.hashes = hashes
        self.width = len(hashes) // HASH_SIZE
        self._layers: list[list[bytes]] | None = None  # hashed on the first subtree asked

    def _hashed(self) -> list[list[bytes]]:
        if self._layers is None:
            hashes = self.hashes
            layer = [hashes[i * HASH_SIZE : (i + 1) * HASH_SIZE] for i in range(self.width)]
            layers = [layer]
            while len(layer) > 1:
                layer = [node_hash(layer[i], layer[i + 1]) for i in range(0, len(layer) - 1, 2)]
                layers.append(layer)
            self._layers = layers  # one assignment: a racing thread computes the same
        return self._layers

    def subtree(self, position: int, count: int) -> bytes | None:
        """The hash of hashes ``position .. position + count - 1`` (count a power of two,
        position a multiple of it); None unless the prefix holds them all."""
        if position + count > self.width:
            return None
        rise = count.bit_length() - 1
        return self._hashed()[rise][position >> rise]

    def size(self) -> int:
        """Bytes held, roughly: the prefix and its internal nodes."""
        return 2 * len(self.hashes) + 64


class TileCache:
    """Tiles by key, least recently used dropped first once over ``max_bytes``."""

    def __init__(self, max_bytes: int = DEFAULT_BYTES) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[int, TileLayers] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: int, width: int) -> TileLayers | None:
        """The entry for ``key`` if it holds at least ``width`` hashes (else None, a miss)."""
        with self._lock:
            found = self._entries.get(key)
            if found is None or found.width < width:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: int, hashes: bytes) -> TileLayers:
        """Cache the tile ``key`` as read (committed): its first len(hashes)/32 hashes. A
        shorter prefix than the one held is ignored (the longer one is kept)."""
        entry = TileLayers(hashes)
        if self.max_bytes <= 0:
            return entry
        with self._lock:
            held = self._entries.pop(key, None)
            if held is not None:
                self._bytes -= held.size()
                if held.width >= entry.width:
                    entry = held
            self._entries[key] = entry
            self._bytes += entry.size()
            while self._bytes > self.max_bytes and len(self._entries) > 1:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= dropped.size()
        return entry

    def __len__(self) -> int:
        return len(self._entries)

    def held_bytes(self) -> int:
        return self._bytes

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0
