"""Pull mode's inputs: what an air-gapped or polling witness reads before it cosigns.

- ``records_tree``: the roots of a bundle's records.jsonl, all of it and its first N lines;
- ``fetch_from_log``: over HTTP (urllib only), the log's newest signed checkpoint
  (``/log/v1/checkpoint?unwitnessed=1``, or ``/log/v1/checkpoint`` from a log that answers
  the query with a 4xx) and the consistency proof from the size the witness last cosigned;
- ``post_cosignature``: one line per request to ``/log/v1/cosignatures?size=N``.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from verify.merkle import CompactRange, leaf_hash
from verify.note import NoteError, checkpoint_head, parse_note
from verify.usage import UsageError
from verify.witness import RecordsTree


def records_tree(records: Path, prefix_size: int) -> RecordsTree:
    """The root of every line of ``records`` (a records.jsonl, one record per LF-terminated
    line, the leaf is the line without its LF) and of its first ``prefix_size`` lines."""
    tree = CompactRange()
    prefix_root = tree.root() if prefix_size == 0 else None
    try:
        with records.open("rb") as f:
            for line in f:
                tree.append(leaf_hash(line[:-1] if line.endswith(b"\n") else line))
                if tree.size == prefix_size:
                    prefix_root = tree.root()
    except OSError as e:
        raise UsageError(f"{records}: {e}") from None
    return RecordsTree(tree.size, tree.root(), prefix_size, prefix_root)


class HttpStatus(UsageError):
    """The server answered with an HTTP error status (``code``)."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def http(url: str, data: bytes | None = None, timeout: float = 30) -> bytes:
    """GET (or POST ``data`` as text/plain) with the standard library; HttpStatus on an
    error status, UsageError when the server can't be reached."""
    headers = {"Content-Type": "text/plain; charset=utf-8"} if data is not None else {}
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body: bytes = response.read()
            return body
    except urllib.error.HTTPError as e:
        detail = e.read()[:300].decode("utf-8", "replace")
        raise HttpStatus(f"{url}: HTTP {e.code}: {detail}", e.code) from None
    except (urllib.error.URLError, TimeoutError) as e:
        raise UsageError(f"{url}: {e}") from None


def newest_checkpoint(base: str) -> str:
    """The log's newest signed checkpoint, witnessed or not."""
    try:
        return http(f"{base}/log/v1/checkpoint?unwitnessed=1").decode("utf-8")
    except HttpStatus as e:
        if not 400 <= e.code < 500:
            raise
    return http(f"{base}/log/v1/checkpoint").decode("utf-8")


def fetch_from_log(base: str, stored_size: int | None) -> tuple[str, tuple[bytes, ...] | None]:
    """The log's newest checkpoint and, when it is larger than ``stored_size`` (the size
    this witness last cosigned), the consistency proof from that size; otherwise no proof
    (the decision refuses a smaller checkpoint and needs none for the same size)."""
    note = newest_checkpoint(base)
    try:
        size = checkpoint_head(parse_note(note).text)[1]
    except NoteError as e:
        raise UsageError(f"{base}: the checkpoint served is malformed: {e}") from None
    if stored_size is None or stored_size == 0 or size <= stored_size:
        return note, None
    query = urllib.parse.urlencode({"old": stored_size, "new": size})
    try:
        body = json.loads(http(f"{base}/log/v1/proof/consistency?{query}"))
        proof = tuple(base64.b64decode(h, validate=True) for h in body["proof"])
    except (ValueError, KeyError, TypeError) as e:
        raise UsageError(f"{base}: the consistency proof served is malformed: {e}") from None
    return note, proof


def post_cosignature(base: str, size: int, line: str) -> int:
    """Post one cosignature line for the checkpoint of ``size``; the size the log attached it to."""
    answer = json.loads(http(f"{base}/log/v1/cosignatures?size={size}", line.encode("utf-8")))
    attached: int = answer.get("tree_size", size) if isinstance(answer, dict) else size
    return attached
