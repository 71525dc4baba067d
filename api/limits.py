"""Request body limit: a body over ``max_bytes`` is refused with 413 before it is parsed."""

from __future__ import annotations

import contextlib
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.messages import message
from api.problems import PROBLEM, TYPE_BASE, title_of
from api.spreadsheets.read import MAX_BYTES as UPLOAD_BYTES

# Paths whose bodies may be larger: an uploaded spreadsheet (api/routes/imports.py, and the
# console's multipart form, api/console/imports.py, with room for the form's own fields), up
# to the import's own file limit (api/spreadsheets/read.py), whatever ``max_bytes`` is.
LARGER = (("/api/v1/imports/", UPLOAD_BYTES), ("/console/import", UPLOAD_BYTES + 16 * 1024))


class BodyLimit:
    """ASGI middleware: Content-Length over the limit, or a streamed body that grows past it.

    A body without Content-Length (``Transfer-Encoding: chunked``) is counted as it arrives; once
    it passes the limit the app's own answer is dropped and 413 is sent instead. FastAPI turns
    any exception raised while it reads the body (ours included) into its own 400, so the
    exception alone can't carry the refusal out: the flag ``over`` does. The route never runs,
    so nothing is stored.
    """

    def __init__(
        self, app: ASGIApp, max_bytes: int, larger: tuple[tuple[str, int], ...] = LARGER
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = larger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        limit = max([self.max_bytes, *(n for p, n in self.larger if path.startswith(p))])
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._refuse(send, limit)
            return
        seen = 0
        over = False
        started = False

        async def limited() -> Message:
            nonlocal seen, over
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                over = True
                raise _TooLarge
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if over:
                return  # the app's answer to a body it could not read (FastAPI's 400)
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        with contextlib.suppress(_TooLarge):
            await self.app(scope, limited, guarded)
        if over and not started:
            await self._refuse(send, limit)

    async def _refuse(self, send: Send, limit: int) -> None:
        code = "input.body_too_large"
        body = json.dumps({
            "type": TYPE_BASE + code, "title": title_of(code, 413), "status": 413,
            "detail": message(code, limit=limit), "code": code,
            "evidence": f"request bodies are limited to {limit} bytes",
        }, ensure_ascii=False).encode()  # fmt: skip
        await send({
            "type": "http.response.start", "status": 413,
            "headers": [(b"content-type", PROBLEM.encode()),
                        (b"content-length", str(len(body)).encode())],
        })  # fmt: skip
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass
