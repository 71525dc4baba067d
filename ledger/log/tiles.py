"""The log as c2sp.org/tlog-tiles static resources: hash tiles and entry bundles.

    tile/<L>/<N>[.p/<W>]        W (default 256) hashes of tree level 8·L from node N·256
    tile/entries/<N>[.p/<W>]    leaves N·256 .. N·256+W-1, each a big-endian uint16 length
                                then the leaf data (the record's canonical bytes)

<N> is written in zero-padded 3-digit path elements, all but the last prefixed ``x``
(1234067 -> x001/x234/067). A partial tile of width W is the first W hashes of the tile as
the store now holds it: every stored hash is the root of a complete subtree, so the prefix
never changes as the tile fills.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path

from eventsourcing.persistence import ApplicationRecorder

from ledger.errors import LedgerError
from ledger.log.store import LEVEL_SHIFT, TILE_WIDTH, LogStore
from verify.merkle import HASH_SIZE

MAX_LEVEL = 63
MAX_INDEX = (1 << LEVEL_SHIFT) - 1  # a tile's key is level << LEVEL_SHIFT | index
# ASCII digits only ([0-9], never \d: "٠٠٠" is three Arabic-Indic zeros to \d and int()).
_INDEX = re.compile(r"(?:x[0-9]{3}/){0,4}[0-9]{3}", re.ASCII)  # 2^48 - 1 is x281/x474/x976/x710/655
_LEVEL = re.compile(r"0|[1-9][0-9]?", re.ASCII)
_WIDTH = re.compile(r"[1-9][0-9]{0,2}", re.ASCII)
MAX_ENTRY = 0xFFFF


class TileNotFound(LedgerError):
    """The tile does not exist (yet) or its path is not a tlog-tiles path."""


@dataclass(frozen=True)
class TileId:
    level: int | None  # None: an entry bundle
    index: int
    width: int  # 1..256; 256 is a full tile

    def path(self) -> str:
        kind = "entries" if self.level is None else str(self.level)
        suffix = "" if self.width == TILE_WIDTH else f".p/{self.width}"
        return f"tile/{kind}/{encode_index(self.index)}{suffix}"


def encode_index(index: int) -> str:
    """1234067 -> ``x001/x234/067``. Requires index >= 0."""
    if index < 0:
        raise ValueError("a tile index is >= 0")
    groups = []
    while True:
        index, rest = divmod(index, 1000)
        groups.append(f"{rest:03d}")
        if index == 0:
            break
    return "/".join(["x" + g for g in reversed(groups[1:])] + [groups[0]])


def parse_tile_path(path: str) -> TileId:
    """``<L>/<N>[.p/<W>]`` or ``entries/<N>[.p/<W>]`` (after ``tile/``); TileNotFound unless
    exactly in the spec's form: ASCII digits, L in 0..63 and W in 1..255 without leading
    zeros, N in the canonical encoding (``encode_index(N)``: no leading ``x000`` group) and
    below 2^48, the tile keys' index range (a larger N would name a tile of another level)."""
    width = TILE_WIDTH
    main, dot, partial = path.partition(".p/")
    if dot:
        if not _WIDTH.fullmatch(partial) or int(partial) > 255:
            raise TileNotFound(f"bad partial width in {path!r}")
        width = int(partial)
    kind, _, index_text = main.partition("/")
    if not _INDEX.fullmatch(index_text):
        raise TileNotFound(f"bad tile index in {path!r}")
    index = int(index_text.replace("x", "").replace("/", ""))
    if encode_index(index) != index_text:
        raise TileNotFound(f"tile index not in its canonical encoding in {path!r}")
    if index > MAX_INDEX:
        raise TileNotFound(f"tile index {index} over 2^{LEVEL_SHIFT} - 1 in {path!r}")
    if kind == "entries":
        return TileId(None, index, width)
    if not _LEVEL.fullmatch(kind) or int(kind) > MAX_LEVEL:
        raise TileNotFound(f"bad tile level in {path!r}")
    return TileId(int(kind), index, width)


def hash_tile(store: LogStore, tile: TileId) -> bytes:
    """The tile's hashes; TileNotFound unless the log holds at least ``width`` of them."""
    assert tile.level is not None
    with store.reading():
        found = store.tile_prefix(tile.level, tile.index, tile.width)
        if found is None:
            held = len(store.tile(tile.level, tile.index) or b"") // HASH_SIZE
            raise TileNotFound(f"{tile.path()}: the log holds {held} hashes")
    return found


def entry_bundle(store: LogStore, recorder: ApplicationRecorder, tile: TileId) -> bytes:
    """The bundle of leaves ``index·256 ..``; TileNotFound unless all ``width`` are leaves.
    The leaves are read in one query."""
    first = tile.index * TILE_WIDTH
    with store.reading():
        size = store.state().size
        if first + tile.width > size:
            raise TileNotFound(f"{tile.path()}: the log has {size} leaves")
        leaves = store.leaves_data(first, first + tile.width)
    out = bytearray()
    for data in leaves:
        if len(data) > MAX_ENTRY:
            raise LedgerError(f"leaf of {len(data)} bytes can't be in an entry bundle")
        out += struct.pack(">H", len(data)) + data
    return bytes(out)


def tiles_for_size(size: int) -> list[TileId]:
    """Every hash tile and entry bundle a reader needs for a tree of ``size`` leaves: the
    full ones and the partial ones at that size (c2sp.org/tlog-tiles, "Partial Tiles")."""
    found = []
    level, count = 0, size  # count: hashes at tree level 8·level
    while count > 0:
        full, partial = divmod(count, TILE_WIDTH)
        found += [TileId(level, n, TILE_WIDTH) for n in range(full)]
        if partial:
            found.append(TileId(level, full, partial))
        if level == 0:
            found += [TileId(None, t.index, t.width) for t in list(found)]
        level, count = level + 1, full
    return found


def write_tiles(
    store: LogStore, recorder: ApplicationRecorder, out: Path, size: int, note: str
) -> int:
    """Write ``checkpoint`` and every tile of a ``size``-leaf tree under ``out``; returns the
    number of tile files. Requires size <= the log's size and ``note`` signing that size."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "checkpoint").write_text(note, encoding="utf-8")
    tiles = tiles_for_size(size)
    for tile in tiles:
        path = out / tile.path()
        path.parent.mkdir(parents=True, exist_ok=True)
        data = (
            hash_tile(store, tile)
            if tile.level is not None
            else entry_bundle(store, recorder, tile)
        )
        path.write_bytes(data)
    return len(tiles)
