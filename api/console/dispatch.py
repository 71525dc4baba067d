"""A console form's write (and a console page's read), sent to the API's own route in-process.

Chosen over calling the endpoint function: the request goes through the whole app — the body
limit, the request log and metrics, ``WriteRoute`` (receipts from the write's own saves and
``Idempotency-Key``), the route's validation and its problem answers — exactly as a client's
would, with the session's bearer token in ``Authorization``: the console adds no path of its
own into the domain and can't do what the token can't. Each form carries its own
Idempotency-Key, so a form sent twice (a double click, a reload) writes once. A console page
reads its item through the API's GET route the same way (``method="GET"``), so it shows only
what the API would show the session's principal.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


async def dispatch(
    app: ASGIApp, path: str, token: str, body: dict[str, Any] | None, key: str,
    client: tuple[str, int] | None = None, method: str = "POST",
) -> Answer:  # fmt: skip
    """POST ``body`` (JSON, or none) to ``path`` of ``app`` as the bearer of ``token`` (or
    another ``method``: GET with no body; an empty ``key`` sends no Idempotency-Key)."""
    content = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
    headers = [
        (b"authorization", f"Bearer {token}".encode("ascii")),
        (b"content-length", str(len(content)).encode()),
        (b"accept", b"application/json"),
    ]
    if key:
        headers.append((b"idempotency-key", key.encode("ascii")))
    if body is not None:
        headers.append((b"content-type", b"application/json"))
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": headers, "client": client or ("127.0.0.1", 0),
        "server": ("console.internal", 80), "state": {},
    }  # fmt: skip
    sent = False
    status, answer_headers, chunks = 500, {}, []

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": content, "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
            for name, value in message.get("headers", []):
                answer_headers[name.decode("latin-1").lower()] = value.decode("latin-1")
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    raw = b"".join(chunks)
    try:
        parsed = json.loads(raw) if raw else {}
    except ValueError:
        parsed = {"detail": raw.decode("utf-8", "replace")}
    return Answer(status, parsed if isinstance(parsed, dict) else {"value": parsed}, answer_headers)
