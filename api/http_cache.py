"""HTTP caching of the public reads, keyed by the log position they are built from.

A public read changes only when its source moves: a list when its projection's position
moves, a log read when the log grows, the page when either does or when its checkpoint box
does. So an answer is keyed by (route path, normalised query, the source's position and
whatever else the answer depends on: the reader's date, the export format); the key gives:

- a strong ``ETag`` (``"<hex>"``, from the key and ``SALT``: the cache format, the
  package version and a digest of the source of the code that renders answers, api/ and
  projections/ (``code_digest``), so a server running other code never reuses a validator,
  while every node running the same code gives the same tag to the same bytes; a process
  start nonce would do the first but not the second: a client's 304 would fail across the
  nodes behind a load balancer, and every restart would invalidate every client's copy);
  an XLSX file is not byte-stable (openpyxl writes the time into it), so its tag is weak;
- ``If-None-Match`` (a list of tags, ``*``, weak tags compared weakly, RFC 9110 §13.1.2)
  answers ``304 Not Modified`` with the tag and no body;
- a bounded in-process cache of the rendered bytes (``RenderedCache``: LRU by total bytes,
  thread-safe), so a repeated request serves bytes without querying or serialising.

An answer is stored only if its source did not move while it was rendered (the position
read again afterwards is the same), so the bytes under a key are the bytes of that position.
``Cache-Control`` is ``public, max-age=N, must-revalidate`` for an anonymous read and
``private`` when the request carried an ``Authorization`` header (an auditor's read is
never put in a shared cache).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

CACHE_FORMAT = "gongshi-http-cache/1"
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
SHORT_MAX_AGE = 2  # seconds: a list or the page, revalidated with its ETag after that
LONG_MAX_AGE = 31536000  # an answer that never changes (a proof, a full batch of leaves, a tile)
IGNORED = frozenset({"min_position"})  # waits for a position; the answer is keyed by the one read


# What renders an answer: the API (routes, listing, exports, templates) and the projections'
# queries and rows. Their files' digest is in the salt (``code_digest``).
RENDERING = (Path(__file__).resolve().parent, Path(__file__).resolve().parents[1] / "projections")
SUFFIXES = frozenset({".py", ".html", ".j2", ".json", ".css", ".txt", ".toml"})


def code_digest(roots: Iterable[Path] = RENDERING) -> str:
    """SHA-256 of the files under ``roots`` that render answers (their paths relative to
    the root and their bytes, in sorted order; caches and compiled files left out): the
    running code's version of the answer format, computed once at import."""
    h = hashlib.sha256()
    for root in roots:
        files = sorted(
            p for p in root.rglob("*")
            if p.is_file() and p.suffix in SUFFIXES and "__pycache__" not in p.parts
        )  # fmt: skip
        for path in files:
            data = path.read_bytes()
            name = f"{root.name}/{path.relative_to(root).as_posix()}"
            h.update(f"{name}\0{len(data)}\0".encode())
            h.update(data)
    return h.hexdigest()


def _salt() -> str:
    try:
        version = metadata.version("gongshi")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return f"{CACHE_FORMAT}\n{version}\n{code_digest()}"


SALT = _salt()


@dataclass(frozen=True)
class Rendered:
    """A rendered answer: its bytes, media type and own headers (Content-Disposition)."""

    body: bytes
    media_type: str
    headers: tuple[tuple[str, str], ...] = ()
    weak: bool = False  # the bytes may differ between two renders of the same key

    @property
    def size(self) -> int:
        return len(self.body) + 256  # the bytes and about what keeping them costs


class RenderedCache:
    """Rendered answers by key, least recently used evicted first once the bodies exceed
    ``max_bytes`` in total. An answer larger than ``max_bytes`` is not kept. Thread-safe."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        if max_bytes < 0:
            raise ValueError("max_bytes must be >= 0")
        self.max_bytes = max_bytes
        self.bytes = 0
        self.hits = self.misses = 0
        self._items: OrderedDict[str, Rendered] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: str) -> Rendered | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: str, rendered: Rendered) -> None:
        if rendered.size > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.bytes -= old.size
            self._items[key] = rendered
            self.bytes += rendered.size
            while self.bytes > self.max_bytes:
                _, evicted = self._items.popitem(last=False)
                self.bytes -= evicted.size


_CREATE = threading.Lock()


def rendered_cache(request: Request) -> RenderedCache:
    """The app's rendered cache (made on first use, one per app and process)."""
    state = request.app.state
    found: RenderedCache | None = getattr(state, "http_cache", None)
    if found is None:
        with _CREATE:
            found = getattr(state, "http_cache", None)
            if found is None:
                found = state.http_cache = RenderedCache()
    return found


def normalised_query(request: Request, ignored: Iterable[str] = IGNORED) -> str:
    """The query string's pairs sorted by name (values of one name keep their order), without
    ``ignored`` names: two spellings of one query share a key, two queries never do."""
    skip = set(ignored)
    pairs = [(k, v) for k, v in request.query_params.multi_items() if k not in skip]
    pairs.sort(key=lambda kv: kv[0])
    return json.dumps(pairs, ensure_ascii=False, separators=(",", ":"))


def cache_key(path: str, query: str, *parts: object) -> str:
    """The key of an answer: a digest of ``SALT``, the route path, the normalised query and
    ``parts`` (positions, the reader's date, the format…), each part tagged with its type."""
    text = json.dumps([SALT, path, query, *(f"{type(p).__name__}:{p}" for p in parts)],
                      ensure_ascii=False, separators=(",", ":"))  # fmt: skip
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def etag(key: str, weak: bool = False) -> str:
    return f'{"W/" if weak else ""}"{key}"'


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def not_modified(if_none_match: str | None, tag: str) -> bool:
    """True if ``If-None-Match`` matches ``tag`` (``*``, or any listed tag by weak
    comparison: the opaque parts equal, ``W/`` ignored)."""
    if not if_none_match:
        return False
    wanted = _opaque(tag)
    for given in if_none_match.split(","):
        given = given.strip()
        if given == "*" or (given and _opaque(given) == wanted):
            return True
    return False


def cache_control(request: Request, max_age: int, immutable: bool = False) -> str:
    """``private`` for a request with a token, else ``public``; immutable answers say so."""
    scope = "private" if "authorization" in request.headers else "public"
    if immutable:
        return f"{scope}, max-age={max_age}, immutable"
    return f"{scope}, max-age={max_age}, must-revalidate"


def answer(
    request: Request,
    key: str,
    render: Callable[[], Rendered],
    *,
    max_age: int = SHORT_MAX_AGE,
    immutable: bool = False,
    still: Callable[[], bool] | None = None,
    weak: bool = False,
    vary: str | None = None,
) -> Response:
    """The answer under ``key``: 304 if the request's ``If-None-Match`` holds its tag (nothing
    rendered), the cached bytes if kept, else ``render()``, kept unless ``still()`` says the
    source moved meanwhile (such an answer carries no tag). ``weak``: a weak tag (the bytes
    of two renders may differ)."""
    headers = {"Cache-Control": cache_control(request, max_age, immutable), "ETag": etag(key, weak)}
    if vary:
        headers["Vary"] = vary
    if not_modified(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(status_code=304, headers=headers)
    cache = rendered_cache(request)
    found = cache.get(key)
    if found is None:
        found = render()
        if still is not None and not still():
            del headers["ETag"]
            headers["Cache-Control"] = "no-cache"
            return _response(found, headers)
        cache.put(key, found)
    return _response(found, headers)


async def answer_async(
    request: Request,
    key: str,
    render: Callable[[], Rendered],
    *,
    max_age: int = LONG_MAX_AGE,
    immutable: bool = True,
    still: Callable[[], bool] | None = None,
    weak: bool = False,
    vary: str | None = None,
) -> Response:
    """``answer`` on the event loop: the 304 and the cached bytes are served there, and only
    a miss runs ``render`` (and ``still``, both reading the database) in the thread pool.
    By default for an answer that never changes under ``key`` (a proof for given sizes, a
    tile); ``render`` raises for an answer that does not exist (yet): nothing is kept."""
    headers = {"Cache-Control": cache_control(request, max_age, immutable), "ETag": etag(key, weak)}
    if vary:
        headers["Vary"] = vary
    if not_modified(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(status_code=304, headers=headers)
    cache = rendered_cache(request)
    kept = cache.get(key)
    if kept is not None:
        return _response(kept, headers)
    found, unmoved = await run_in_threadpool(_render, render, still)
    if not unmoved:
        del headers["ETag"]
        headers["Cache-Control"] = "no-cache"
        return _response(found, headers)
    cache.put(key, found)
    return _response(found, headers)


def _render(
    render: Callable[[], Rendered], still: Callable[[], bool] | None
) -> tuple[Rendered, bool]:
    found = render()
    return found, still is None or still()


def cached_answer(
    request: Request, key: str, weak: bool = False, vary: str | None = "Accept",
    max_age: int = SHORT_MAX_AGE, immutable: bool = False,
) -> Response | None:  # fmt: skip
    """The kept answer under ``key`` (304 if If-None-Match holds its tag), None if none is
    kept: ``answer_async``'s hit, for a caller that knows the key before routing."""
    found = rendered_cache(request).get(key)
    if found is None:
        return None
    headers = {"Cache-Control": cache_control(request, max_age, immutable), "ETag": etag(key, weak)}
    if vary:
        headers["Vary"] = vary
    if not_modified(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(status_code=304, headers=headers)
    return _response(found, headers)


def answer_content(
    request: Request, body: bytes, media_type: str, max_age: int = SHORT_MAX_AGE
) -> Response:
    """An answer tagged by its own bytes (a checkpoint, whose cosignatures grow without the
    log growing): the tag and 304, nothing kept."""
    key = cache_key(request.url.path, normalised_query(request), hashlib.sha256(body).hexdigest())
    headers = {"Cache-Control": cache_control(request, max_age), "ETag": etag(key)}
    if not_modified(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def _response(found: Rendered, headers: dict[str, str]) -> Response:
    return Response(found.body, media_type=found.media_type,
                    headers={**dict(found.headers), **headers})  # fmt: skip


def json_bytes(content: Any) -> bytes:
    """The bytes FastAPI's JSONResponse writes for ``content`` (JSON values only)."""
    return json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


def rendered(response: Response | dict[str, Any]) -> Rendered:
    """A route's answer (a JSON object, or an export's Response) as ``Rendered``."""
    if isinstance(response, dict):
        return Rendered(json_bytes(response), "application/json")
    media = response.media_type or "application/octet-stream"
    own = tuple((k, v) for k, v in response.headers.items()
                if k.lower() not in ("content-length", "content-type"))  # fmt: skip
    weak = media.startswith("application/vnd.openxmlformats")
    return Rendered(bytes(response.body), media, own, weak)
