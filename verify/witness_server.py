"""``gongshi-verify witness serve``: the c2sp.org/tlog-witness HTTP interface, standard library.

    POST /add-checkpoint        body: "old <size>" LF, 0..63 base64 proof lines, LF, checkpoint
        200 text/plain          the witness's cosignature line(s), one per key
        400                     malformed body, or old size > checkpoint size
        403                     no valid signature by the log's key (or one that fails)
        404                     the checkpoint's origin is not the log this witness follows
        409 text/x.tlog.size    "<latest cosigned size>" LF: the old size is not it
        411 / 413               no Content-Length / a body over MAX_BODY bytes
        422                     bad proof, another root at the same size, size 0 with a
                                non-empty tree's root, a proof from old size 0
    GET /<sha256 hex of origin>/checkpoint
        200 text/plain          the latest cosigned checkpoint: the log's and the witness's lines
        404                     another origin, or nothing cosigned yet

HTTP/1.1 with keep-alive, one thread per connection; the decision and the persisted state
are verify/witness.py's (one locked step per request). Each request is logged in one line
on stderr.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TextIO

from verify.merkle import HASH_SIZE
from verify.note import Signer, Verifier
from verify.witness import Submission, WitnessRefusal, add_checkpoint
from verify.witness_state import read_state

MAX_BODY = 128 * 1024  # 16+ ML-DSA-44 signature lines and 63 proof lines fit with room
DRAIN_LIMIT = 8 * 1024 * 1024  # larger bodies are not read before answering 413
MAX_PROOF_LINES = 63
OLD_LINE = re.compile(r"old (0|[1-9][0-9]{0,19})")
TLOG_SIZE = "text/x.tlog.size"
TEXT = "text/plain; charset=utf-8"


class MalformedRequest(ValueError):
    """An add-checkpoint body that is not what c2sp.org/tlog-witness prescribes (400)."""


def parse_add_checkpoint(body: bytes) -> Submission:
    """Split an add-checkpoint body into old size, proof hashes and checkpoint note; the
    note itself is checked by ``decide``. MalformedRequest names what is wrong."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedRequest("the body is not UTF-8") from None
    first, newline, rest = text.partition("\n")
    match = OLD_LINE.fullmatch(first)
    if not newline or not match or int(match.group(1)) >= 2**64:
        raise MalformedRequest("the first line must be 'old <size>' (decimal, no leading zeros)")
    proof: list[bytes] = []
    while True:
        line, newline, rest = rest.partition("\n")
        if not newline:
            raise MalformedRequest("no empty line between the proof and the checkpoint")
        if not line:
            break
        if len(proof) == MAX_PROOF_LINES:
            raise MalformedRequest(f"more than {MAX_PROOF_LINES} consistency proof lines")
        try:
            value = base64.b64decode(line, validate=True)
        except (binascii.Error, ValueError):
            value = b""
        if len(value) != HASH_SIZE or base64.b64encode(value).decode() != line:
            raise MalformedRequest(f"proof line {len(proof) + 1} is not a base64 32-byte hash")
        proof.append(value)
    return Submission(rest, int(match.group(1)), tuple(proof))


@dataclass
class WitnessService:
    """What the handler threads share: the keys, the state file, the log followed, the
    clock (POSIX seconds) and where request lines go. ``pause_before_answer`` (seconds) is
    a fault-injection hook for tests: the state is persisted, the answer not yet sent."""

    state_path: Path
    signers: Sequence[Signer]
    log: Verifier
    clock: Callable[[], int] = field(default=lambda: int(time.time()))
    log_to: TextIO = sys.stderr
    pause_before_answer: float = 0.0

    def origin_hash(self) -> str:
        return hashlib.sha256(self.log.name.encode()).hexdigest()


class WitnessServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], service: WitnessService) -> None:
        self.service = service
        super().__init__(address, WitnessHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class WitnessHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "gongshi-witness"
    timeout = 30  # an idle or stalled keep-alive connection is dropped
    disable_nagle_algorithm = True  # headers and body are two writes: no delayed-ACK stall

    @property
    def service(self) -> WitnessService:
        assert isinstance(self.server, WitnessServer)
        return self.server.service

    def do_POST(self) -> None:
        started = time.monotonic()
        if self.path != "/add-checkpoint":
            self._answer(404, "not found\n", started)
            return
        body = self._read_body(started)
        if body is None:
            return
        try:
            submission = parse_add_checkpoint(body)
            cosigned = add_checkpoint(
                self.service.state_path,
                self.service.signers,
                self.service.log,
                submission,
                self.service.clock(),
            )
        except MalformedRequest as e:
            self._answer(400, f"{e}\n", started)
        except WitnessRefusal as refusal:
            if refusal.status == 409:
                answer = f"{refusal.latest_size}\n"
                self._answer(409, answer, started, TLOG_SIZE, refusal.reason)
            else:
                self._answer(refusal.status, refusal.reason + "\n", started)
        else:
            if self.service.pause_before_answer:
                time.sleep(self.service.pause_before_answer)
            detail = f"old {submission.old_size} -> size {cosigned.state.checkpoint.size}"
            self._answer(200, "".join(cosigned.lines), started, TEXT, detail)

    def do_GET(self) -> None:
        started = time.monotonic()
        if self.path == "/add-checkpoint":
            self._answer(405, "add-checkpoint is a POST\n", started, allow="POST")
            return
        match = re.fullmatch(r"/([0-9a-f]{64})/checkpoint", self.path)
        state = read_state(self.service.state_path) if match else None
        if match is None or match.group(1) != self.service.origin_hash():
            self._answer(404, "not a log this witness follows\n", started)
        elif state is None or not state.cosignatures:
            self._answer(404, "nothing cosigned yet\n", started)
        else:
            self._answer(200, state.cosigned_note(), started)

    def _read_body(self, started: float) -> bytes | None:
        """The request body, or None once a 411/413/400 has been answered."""
        if self.headers.get("Transfer-Encoding") or "Content-Length" not in self.headers:
            self.close_connection = True
            self._answer(411, "a Content-Length is required\n", started)
            return None
        try:
            length = int(self.headers["Content-Length"])
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            self._answer(400, "bad Content-Length\n", started)
            return None
        if length > MAX_BODY:
            self.close_connection = True
            remaining = min(length, DRAIN_LIMIT)  # read, so that the client sees the 413
            while remaining > 0:
                chunk = self.rfile.read(min(65536, remaining))
                remaining = remaining - len(chunk) if chunk else 0
            self._answer(413, f"the body is limited to {MAX_BODY} bytes\n", started)
            return None
        return self.rfile.read(length)

    def _answer(
        self,
        status: int,
        body: str,
        started: float,
        content_type: str = TEXT,
        detail: str | None = None,
        allow: str | None = None,
    ) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        if allow is not None:
            self.send_header("Allow", allow)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)
        elapsed = (time.monotonic() - started) * 1000
        note = detail if detail is not None else (body.strip()[:200] if status != 200 else "")
        self.log_message("%s %s %d %.1fms %s", self.command, self.path, status, elapsed, note)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Requests are logged by ``_answer``, once each, with the reason."""

    def log_message(self, format: str, *args: object) -> None:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        line = f"{stamp} {self.client_address[0]} {format % args}".rstrip()
        print(line, file=self.service.log_to, flush=True)
