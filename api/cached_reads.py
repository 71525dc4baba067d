"""The public lists' cached answers served before routing (ASGI middleware, issue 16).

A public list's answer is kept under a key of its path, normalised query, projection
position and generation (``Mark``) and format (api/http_cache.py, api/routes/public.py). A
request whose key is kept was asked, validated and answered before at that same position,
so it is answered here from
the kept bytes (or 304 on If-None-Match) without FastAPI's routing, parameter validation and
dependencies, which cost more than the answer itself. Anything else goes to the app:

- a list decided on the reader's date (its key holds the date the route decides on);
- a request with ``Authorization``, ``today`` or ``min_position`` (the route checks the
  token, decides the date, waits for the position);
- a miss: the route renders the answer and keeps it, the next request is served here.

A position read that fails because the database is unavailable (``ledger.unavailable``) is
answered here, with the route's problem (503, Retry-After, api/problems.py): passing it to
the route would make the request wait once more for a new read of the same outage.

Tiles and proofs never change once kept (api/routes/tiles.py, log.py): a kept one is
answered here too, a proof only when its query is exactly its two numbers in canonical
decimal (anything else goes to the route, which validates it).

The keys are the route's own (``list_key``): a test asks each list twice and checks the
second answer came from here.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from api.http_cache import LONG_MAX_AGE, cache_key, cached_answer, normalised_query
from api.positions import shared_positions
from api.problems import answer_failure
from api.read_side import Mark
from ledger.unavailable import unavailable

PREFIX = "/api/v1/public/"
# the public lists that do not depend on the reader's date: path -> projection
UNDATED = {
    PREFIX + "audit-results": "audit-results",
    PREFIX + "points": "points",
    PREFIX + "lectures": "lectures",
    PREFIX + "mentoring-pairs": "mentoring-pairs",
    PREFIX + "training-classes": "training-classes",
}
FORMATS = {None, "json", "csv", "xlsx"}
PASS = ("today", "min_position")


def list_key(request: Request, mark: Mark, wanted: str, *depends: object) -> str:
    """A public list's cache key (the route's and this middleware's): the projection's
    position and generation (a rebuild may change the rows at the same position)."""
    path, query = request.url.path, normalised_query(request)
    return cache_key(path, query, mark.position, mark.generation, wanted, *depends)


def _route(app: Any, path: str) -> object:
    """The route of template ``path``: what the metrics label the request by."""
    routes: dict[str, object] | None = getattr(app.state, "undated_routes", None)
    if routes is None:
        from api.routes import log, public, tiles  # public imports this module

        every = [*public.router.routes, *log.router.routes, *tiles.router.routes]
        routes = {getattr(r, "path", ""): r for r in every}
        app.state.undated_routes = routes
    return routes.get(path)


class CachedReads:
    """Serves a kept public list answer before routing; everything else passes through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        if scope["path"] not in UNDATED:
            kept = _kept_for_good(scope)
            if kept is None:
                await self.app(scope, receive, send)
            else:
                await _served(scope, kept[0], kept[1], receive, send)
            return
        request = Request(scope)
        query = request.query_params
        if (
            "authorization" in request.headers
            or any(name in query for name in PASS)
            or query.get("format") not in FORMATS
        ):
            await self.app(scope, receive, send)
            return
        from api.spreadsheets.export import wanted_format  # openpyxl: imported on first use

        services = scope["app"].state.services
        try:
            mark = await shared_positions(request, services).get(UNDATED[scope["path"]])
        except Exception as e:
            if unavailable(e) is None:  # not the database's fault: the route answers it
                await self.app(scope, receive, send)
                return
            # the database unavailable: the 503 problem (Retry-After) the route would answer,
            # now, not after the route waits for another read of the same outage
            await _served(scope, scope["path"], answer_failure(e, scope), receive, send)
            return
        wanted = wanted_format(request, query.get("format"))
        found = cached_answer(request, list_key(request, mark, wanted), wanted == "xlsx")
        if found is None:
            await self.app(scope, receive, send)
            return
        await _served(scope, scope["path"], found, receive, send)


async def _served(
    scope: Scope, template: str, found: Response, receive: Receive, send: Send
) -> None:
    state = scope["app"].state
    scope["route"] = _route(scope["app"], template)  # the metrics' route label
    state.served_before_routing = getattr(state, "served_before_routing", 0) + 1  # tests
    await found(scope, receive, send)


PROOFS = {"/log/v1/proof/inclusion": ("index", "size"), "/log/v1/proof/consistency": ("old", "new")}
NUMBER = re.compile(r"0|[1-9][0-9]{0,15}")  # a canonical size or index (the routes: <= 2**53)
TILE = "/tile/{path:path}"


def _kept_for_good(scope: Scope) -> tuple[str, Response] | None:
    """A kept tile or proof (they never change: api/routes/tiles.py, log.py) and its route's
    template, or None. A proof only for exactly its two parameters in canonical decimal."""
    path: str = scope["path"]
    if path.startswith("/tile/"):
        key, template = cache_key(path, ""), TILE
    elif path in PROOFS:
        pairs = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        names = PROOFS[path]
        given = dict(pairs)
        if len(pairs) != 2 or set(given) != set(names):
            return None
        if not all(NUMBER.fullmatch(given[n]) and int(given[n]) <= 2**53 for n in names):
            return None
        key, template = cache_key(path, "", *(int(given[n]) for n in names)), path
    else:
        return None
    found = cached_answer(Request(scope), key, vary=None, max_age=LONG_MAX_AGE, immutable=True)
    return None if found is None else (template, found)
