"""Issue 12 item 7: tile paths are exactly c2sp.org/tlog-tiles paths or 404. Unicode digits
were read as digits (``/tile/0/٠٠٠.p/4`` answered 200), an index of 2^48 named another
level's tile (``/tile/0/x281/x474/x976/x710/656.p/4`` gave the bytes of ``/tile/1/000.p/4``,
marked immutable for a year), a non-canonical index (``x000/001``) named tile 1, and huge
indexes gave 500."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from ledger.ledger import Ledger
from ledger.log.tiles import MAX_INDEX, TileId, TileNotFound, encode_index, parse_tile_path
from tests.api.conftest import settle
from tests.api.test_log_http import _signed
from tests.integration.helpers import INTAKE

# The log's mechanics over any records: no registry, actors not checked (tests/conftest.py).
pytestmark = pytest.mark.registry("unchecked")

PROBLEM = "application/problem+json"
LEAVES = 300  # tiles 0/000, 0/001.p/44, 1/000.p/1, entries/000, entries/001.p/44

HOSTILE = [
    "0/x281/x474/x976/x710/656.p/1",  # 2^48: the key of tile 1/000 (which exists, width 1)
    "0/x281/x474/x976/x710/656.p/4",  # the path
    "0/x281/x474/x976/x710/656",
    "entries/x281/x474/x976/x710/656.p/1",
    "0/x999/x999/x999/x999/x999/x999/x999/999",  # 10^24 - 1: was a 500
    "0/x018/x446/x744/x073/x709/x551/615",  # 2^64 - 1
    "0/" + "x001/" * 1500 + "000",  # over int()'s 4,300 digits: was a 500 (ValueError)
    "entries/x999/x999/x999/x999/x999/x999/x999/999",
    "0/\u0660\u0660\u0660.p/4",  # Arabic-Indic zeros
    "0/\u0660\u0660\u0660",
    "entries/\u0660\u0660\u0660.p/4",
    "0/\uff10\uff10\uff10",  # fullwidth zeros
    "\u0660/000",  # level in Arabic-Indic
    "0/000.p/\u0664",  # width in Arabic-Indic
    "0/001.p/\u0664\u0664",
    "0/x000/001.p/4",  # 1 with a leading zero group: not the canonical encoding
    "0/x000/000",
    "entries/x000/001.p/4",
    "0/X001/000", "0/x01/000", "0/x0001/000", "0/0000", "0/00", "0/", "0/000/",
    "00/000", "01/000", "64/000", "-1/000", "+0/000", " 0/000", "0/000 ",
    "0/000.p/0", "0/000.p/256", "0/000.p/007", "0/000.p/", "0/000.p/1/", "0/000.p/1.p/1",
    "0/000.p/+1", "0/000\n", "entries", "entries/", "entries/01", "x/000",
    "0/001.p/45", "entries/001.p/45", "0/001", "entries/001", "1/000", "2/000", "9/000",
]  # fmt: skip


@pytest.mark.parametrize("path", HOSTILE)
def test_hostile_tile_path_is_refused_or_outside_the_log(path: str) -> None:
    """Every hostile path either fails to parse or names a tile the 300-leaf log lacks."""
    try:
        wanted = parse_tile_path(path)
    except TileNotFound:
        return
    assert wanted.index <= MAX_INDEX and wanted.path() == "tile/" + path
    assert path in ("0/001.p/45", "entries/001.p/45", "0/001", "entries/001", "1/000",
                    "2/000", "9/000")  # fmt: skip


@pytest.mark.parametrize(
    ("path", "wanted"),
    [
        ("0/x281/x474/x976/x710/655", TileId(0, MAX_INDEX, 256)),
        ("entries/x281/x474/x976/x710/655.p/255", TileId(None, MAX_INDEX, 255)),
        ("63/x001/000.p/1", TileId(63, 1000, 1)),
        ("0/x001/x234/067", TileId(0, 1234067, 256)),
    ],
)
def test_tile_path_edges_still_parse(path: str, wanted: TileId) -> None:
    assert parse_tile_path(path) == wanted
    assert wanted.path() == "tile/" + path
    assert encode_index(MAX_INDEX) == "x281/x474/x976/x710/655"


def test_hostile_tile_paths_are_404_over_http(ledger: Ledger, client: TestClient) -> None:
    for n in range(LEAVES):
        ledger.register_subject({"name": f"瓦片{n}"}, "worker", INTAKE)
    settle(client)
    _signed(ledger)
    other = client.get("/tile/1/000.p/1")
    assert other.status_code == 200 and len(other.content) == 32
    for path in HOSTILE:
        response = client.get("/tile/" + quote(path, safe="/+"))  # the server decodes %XX
        assert response.status_code == 404, (path, response.status_code, response.content)
        assert response.headers["content-type"] == PROBLEM, path
        assert "immutable" not in response.headers.get("cache-control", ""), path
        assert other.content not in response.content, path
    for path, size in (("0/000", 256 * 32), ("0/001.p/44", 44 * 32), ("1/000.p/1", 32),
                       ("entries/000", None), ("entries/001.p/44", None)):  # fmt: skip
        response = client.get("/tile/" + path)
        assert response.status_code == 200, path
        assert response.headers["content-type"] == "application/octet-stream"
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert size is None or len(response.content) == size, path
