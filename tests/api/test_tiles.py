"""The log as tlog-tiles resources: path encoding, hash tiles and entry bundles that give the
checkpoint's root, partial widths, and refusals."""

from __future__ import annotations

import base64
import struct
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ledger.ledger import Ledger
from ledger.log.tiles import TileId, TileNotFound, encode_index, parse_tile_path, tiles_for_size
from tests.api.conftest import settle
from tests.api.test_log_http import ORIGIN, _signed
from tests.integration.helpers import INTAKE
from verify.merkle import CompactRange, leaf_hash, node_hash

# The log's mechanics over any records: no registry, actors not checked (tests/conftest.py).
pytestmark = pytest.mark.registry("unchecked")


@pytest.mark.parametrize(
    ("index", "text"),
    [(0, "000"), (7, "007"), (999, "999"), (1000, "x001/000"), (1234067, "x001/x234/067")],
)
def test_index_encoding_round_trips(index: int, text: str) -> None:
    assert encode_index(index) == text
    assert parse_tile_path(f"0/{text}") == TileId(0, index, 256)


@pytest.mark.parametrize(
    "bad", ["00/000", "64/000", "0/0", "0/1000", "0/x1/000", "0/000.p/0", "0/000.p/256",
            "0/000.p/07", "entries/01", "x/000", "0/000/", "-1/000"],
)  # fmt: skip
def test_malformed_tile_paths_are_refused(bad: str) -> None:
    with pytest.raises(TileNotFound):
        parse_tile_path(bad)


def test_tiles_for_sizes_follow_the_spec_examples() -> None:
    paths = {t.path() for t in tiles_for_size(70_000)}
    assert "tile/0/272" in paths and "tile/0/273.p/112" in paths and "tile/0/274" not in paths
    assert "tile/1/000" in paths and "tile/1/001.p/17" in paths and "tile/2/000.p/1" in paths
    assert "tile/entries/273.p/112" in paths
    assert {t.path() for t in tiles_for_size(256)} == {
        "tile/0/000", "tile/entries/000", "tile/1/000.p/1",
    }  # fmt: skip


def _entries(bundle: bytes) -> list[bytes]:
    found, at = [], 0
    while at < len(bundle):
        (length,) = struct.unpack(">H", bundle[at : at + 2])
        found.append(bundle[at + 2 : at + 2 + length])
        at += 2 + length
    return found


def test_tiles_give_the_checkpoint_root(ledger: Ledger, client: TestClient) -> None:
    for n in range(300):  # a full level-0 tile, a partial one, a level-1 tile
        ledger.register_subject({"name": f"瓦片{n}"}, "worker", INTAKE)
    settle(client)
    _signed(ledger)
    note = client.get("/checkpoint").text
    assert note.startswith(ORIGIN + "\n") and note == client.get("/log/v1/checkpoint").text
    size, root = int(note.split("\n")[1]), base64.b64decode(note.split("\n")[2])
    assert size == 300
    full = client.get("/tile/entries/000")
    partial = client.get(f"/tile/entries/001.p/{size - 256}")
    assert full.headers["content-type"] == "application/octet-stream"
    assert "immutable" in full.headers["cache-control"]
    leaves = _entries(full.content) + _entries(partial.content)
    tree = CompactRange()
    for leaf in leaves:
        tree.append(leaf_hash(leaf))
    assert tree.root() == root
    level0 = client.get("/tile/0/000").content + client.get(f"/tile/0/001.p/{size - 256}").content
    assert level0 == b"".join(leaf_hash(leaf) for leaf in leaves)
    level1 = client.get("/tile/1/000.p/1").content
    hashes = [level0[i : i + 32] for i in range(0, 256 * 32, 32)]
    while len(hashes) > 1:
        hashes = [node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes), 2)]
    assert level1 == hashes[0]
    for missing in ("/tile/0/001", "/tile/entries/002.p/1", "/tile/0/001.p/45", "/tile/9/000",
                    "/tile/0/0001", "/tile/entries"):  # fmt: skip
        response = client.get(missing)
        assert response.status_code == 404, missing
        assert response.headers["content-type"] == "application/problem+json"


def test_exported_tiles_equal_the_served_ones(
    ledger: Ledger, client: TestClient, tmp_path: Path
) -> None:
    from ledger.log.checkpoints import latest
    from ledger.log.tiles import write_tiles

    for n in range(260):
        ledger.register_subject({"name": f"静态{n}"}, "worker", INTAKE)
    settle(client)
    _signed(ledger)
    signed = latest(ledger.log)
    assert signed is not None
    out = tmp_path / "tiles"
    count = write_tiles(ledger.log, ledger.app.recorder, out, 260, signed.note)
    files = sorted(p for p in out.rglob("*") if p.is_file())
    assert len(files) == count + 1 == 6  # checkpoint; 0/000, 0/001.p/4, 1/000.p/1, 2 bundles
    for path in files:
        served = client.get("/" + path.relative_to(out).as_posix())
        assert served.status_code == 200 and served.content == path.read_bytes(), path
