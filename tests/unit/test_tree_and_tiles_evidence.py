"""ledger/log/tree.py and ledger/log/tiles.py: boundaries and evidence the mutation run found
untested (bench/mutation-survivors.md), with a store and recorder faked in memory."""

from __future__ import annotations

import contextlib
import struct
from dataclasses import dataclass
from pathlib import Path

import pytest

from ledger.errors import LedgerError
from ledger.log.tiles import (
    TileId,
    TileNotFound,
    encode_index,
    entry_bundle,
    hash_tile,
    parse_tile_path,
    write_tiles,
)  # fmt: skip
from ledger.log.tree import TreeRangeError, consistency_proof, inclusion_proof, root

# --- tree ------------------------------------------------------------------------------


def _nothing_stored(ids: object) -> dict[tuple[int, int], bytes]:
    return {}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: root(15, _nothing_stored), "nodes [(0, 14), (1, 6), (2, 2)] are not stored"),
        (lambda: root(-1, _nothing_stored), "size -1 is negative"),
        (lambda: inclusion_proof(5, 5, _nothing_stored), "index 5 is outside a tree of size 5"),
        (
            lambda: consistency_proof(6, 5, _nothing_stored),
            "a consistency proof needs 0 < old <= new, got 6 and 5",
        ),
    ],
    ids=["missing-nodes-first-three", "negative-size", "index-outside", "old-after-new"],
)
def test_tree_refusals_name_the_sizes_and_nodes(call: object, message: str) -> None:
    with pytest.raises(TreeRangeError) as e:
        call()  # type: ignore[operator]
    assert str(e.value) == message


# --- tile paths ------------------------------------------------------------------------


def test_the_largest_partial_width_and_tile_level_are_paths() -> None:
    assert parse_tile_path("0/000.p/255") == TileId(0, 0, 255)
    assert parse_tile_path("63/000") == TileId(63, 0, 256)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("64/000", "bad tile level in '64/000'"),
        ("0/000.p/256", "bad partial width in '0/000.p/256'"),
        ("0/0001", "bad tile index in '0/0001'"),
    ],
)
def test_tile_path_refusals_quote_the_path(path: str, message: str) -> None:
    with pytest.raises(TileNotFound) as e:
        parse_tile_path(path)
    assert str(e.value) == message


def test_negative_tile_index_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^a tile index is >= 0$"):
        encode_index(-1)


# --- tiles from a store faked in memory -------------------------------------------------


@dataclass
class _State:
    size: int


class _Store:
    """The parts of LogStore the tile functions read: leaf i is notification i + 1."""

    def __init__(self, leaves: list[bytes], tiles: dict[tuple[int, int], bytes]) -> None:
        self.leaves, self.stored = leaves, tiles

    def state(self) -> _State:
        return _State(len(self.leaves))

    def notification_of(self, index: int) -> int:
        return index + 1

    def tile(self, level: int, index: int) -> bytes | None:
        return self.stored.get((level, index))

    def tile_prefix(self, level: int, index: int, width: int) -> bytes | None:
        stored = self.stored.get((level, index), b"")
        return stored[: width * 32] if len(stored) >= width * 32 else None

    def leaves_data(self, start: int, stop: int) -> list[bytes]:
        return self.leaves[start:stop]

    def reading(self) -> contextlib.nullcontext[None]:
        return contextlib.nullcontext()


def test_hash_tile_wider_than_stored_names_what_the_log_holds() -> None:
    store = _Store([b"x"] * 3, {(0, 0): bytes(96)})
    with pytest.raises(TileNotFound) as e:
        hash_tile(store, TileId(0, 0, 4))  # type: ignore[arg-type]
    assert str(e.value) == "tile/0/000.p/4: the log holds 3 hashes"


def test_entry_bundle_beyond_the_log_is_not_found() -> None:
    store = _Store([b"x"] * 3, {})
    with pytest.raises(TileNotFound) as e:
        entry_bundle(store, store, TileId(None, 0, 4))  # type: ignore[arg-type]
    assert str(e.value) == "tile/entries/000.p/4: the log has 3 leaves"


def test_a_leaf_of_65535_bytes_fits_an_entry_bundle_and_one_more_does_not() -> None:
    largest = b"a" * 0xFFFF
    store = _Store([b"{}", largest], {})
    bundle = entry_bundle(store, store, TileId(None, 0, 2))  # type: ignore[arg-type]
    assert bundle == struct.pack(">H", 2) + b"{}" + b"\xff\xff" + largest
    store = _Store([largest + b"a"], {})
    with pytest.raises(LedgerError, match=r"^leaf of 65536 bytes can't be in an entry bundle$"):
        entry_bundle(store, store, TileId(None, 0, 1))  # type: ignore[arg-type]


def test_write_tiles_into_a_new_nested_or_an_existing_directory(tmp_path: Path) -> None:
    """600 leaves: three level-0 tiles side by side in tile/0/, two entry bundles."""
    leaves = [b"%d" % i for i in range(600)]
    full = bytes(256 * 32)
    store = _Store(leaves, {(0, 0): full, (0, 1): full, (0, 2): bytes(88 * 32), (1, 0): bytes(64)})
    note = "gongshi.example/test\n600\nroot\n\n— sig\n"
    out = tmp_path / "not" / "yet" / "there"
    for _ in range(2):  # the second time into the directory the first one made
        count = write_tiles(store, store, out, 600, note)  # type: ignore[arg-type]
        assert count == 7
        assert (out / "checkpoint").read_bytes() == note.encode("utf-8")
        assert sorted(p.name for p in (out / "tile" / "0").iterdir()) == ["000", "001", "002.p"]
        assert (out / "tile" / "entries" / "001").read_bytes()[:5] == b"\x00\x03256"
