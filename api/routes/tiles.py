"""The log as static resources (c2sp.org/tlog-tiles) with the server root as the prefix:
``/checkpoint``, ``/tile/<L>/<N>[.p/<W>]``, ``/tile/entries/<N>[.p/<W>]``. The same files
come out of ``gongshi export --tiles DIR`` for a file server or a CDN."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, Response

from api.http_cache import Rendered, answer_async, answer_content, cache_key
from api.problems import Refused
from api.services import Services, services
from ledger.log.checkpoints import latest_witnessed
from ledger.log.tiles import TileNotFound, entry_bundle, hash_tile, parse_tile_path

router = APIRouter(tags=["log"])
IMMUTABLE = 31536000  # seconds (tlog-tiles: "This endpoint is immutable")


@router.get("/checkpoint", response_class=PlainTextResponse,
            summary="the newest witnessed checkpoint (tlog-tiles prefix: server root)")  # fmt: skip
def checkpoint(request: Request, s: Annotated[Services, Depends(services)]) -> Response:
    """最新的已见证检查点（tlog-tiles 的根路径），供按 tlog-tiles 读取日志的客户端使用。

    Public: no token."""
    signed = latest_witnessed(s.read.log)
    if signed is None:
        raise Refused(404, "log.no_checkpoint", "no witnessed checkpoint yet")
    return answer_content(request, signed.note.encode(), "text/plain; charset=utf-8", 5)


@router.get("/tile/{path:path}", summary="a hash tile or an entry bundle (tlog-tiles)",
            response_class=Response)  # fmt: skip
async def tile(path: str, request: Request) -> Response:
    """Exactly a tlog-tiles path (ledger.log.tiles.parse_tile_path) and inside the log, else
    404. Starlette's path pattern ends in ``$``, which also matches before a final newline:
    ``/tile/0/000%0A`` arrives as ``path == "0/000"``, so the whole request path is compared.
    A tile, full or partial (``.p/<W>``: the first W hashes, fixed once the log has them), and
    an entry bundle never change: kept in the rendered cache once read, with an ETag."""
    s: Services = request.app.state.services
    try:
        if not request.scope["path"].endswith("/tile/" + path):
            raise TileNotFound(f"not a tile path: {request.scope['path']!r}")
        wanted = parse_tile_path(path)
    except TileNotFound as e:
        raise Refused(404, "log.no_tile", str(e)) from None

    def render() -> Rendered:
        try:
            if wanted.level is None:
                data = entry_bundle(s.read.log, s.read.log.recorder, wanted)
            else:
                data = hash_tile(s.read.log, wanted)
        except TileNotFound as e:
            raise Refused(404, "log.no_tile", str(e)) from None
        return Rendered(data, "application/octet-stream")

    return await answer_async(request, cache_key("/tile/" + path, ""), render, max_age=IMMUTABLE)
