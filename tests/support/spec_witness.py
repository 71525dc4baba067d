"""A minimal witness written from the text of c2sp.org/tlog-witness alone (add-checkpoint),
for the log's submission tests. It shares nothing with verify/witness*.py but the note and
Merkle primitives; it keeps its state in memory.

The spec's rules, in its order: the body is an old size line, proof lines, an empty line,
the checkpoint; unknown origin 404; no trusted log signature (or a failing one) 403; old size
greater than the checkpoint's 400; old size other than the latest cosigned size 409 with the
size and ``text/x.tlog.size``; a size-0 checkpoint needs the empty root, a proof from 0 must be
empty, a bad proof or the same size with another root 422; otherwise persist (here: under
the lock) and answer the cosignature line.
"""

from __future__ import annotations

import base64
import binascii
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from verify.checkpoint import parse_checkpoint
from verify.merkle import EMPTY_ROOT, ProofError, verify_consistency
from verify.note import MLDSA44_COSIGNATURE, NoteError, Signer, Verifier, open_note, parse_note


class SpecWitness:
    """``forked``: answer every submission 422 (what a witness holding another history does)."""

    def __init__(self, name: str, log: Verifier, sig_type: int = MLDSA44_COSIGNATURE,
                 forked: bool = False) -> None:  # fmt: skip
        self.signer = Signer.generate(f"witness.spec.example/{name}", sig_type)
        self.log = log
        self.forked = forked
        self.size, self.root = 0, EMPTY_ROOT
        self.answers: list[int] = []  # the status of every request, in order
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> SpecWitness:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def add_checkpoint(self, body: bytes) -> tuple[int, str, bytes]:
        head, sep, note = body.decode("utf-8", "replace").partition("\n\n")
        lines = head.split("\n")
        old = re.fullmatch(r"old (0|[1-9][0-9]*)", lines[0])
        if not sep or old is None or len(lines) > 64:
            return 400, "text/plain", b"malformed body\n"
        try:
            proof = [base64.b64decode(x, validate=True) for x in lines[1:]]
            parsed = parse_note(note)
        except (binascii.Error, NoteError):
            return 400, "text/plain", b"malformed proof or checkpoint\n"
        if parsed.text.split("\n", 1)[0] != self.log.name:
            return 404, "text/plain", b"unknown origin\n"
        try:
            open_note(note, [self.log])
            checkpoint = parse_checkpoint(parsed.text)
        except (NoteError, ValueError):
            return 403, "text/plain", b"no valid log signature\n"
        old_size = int(old.group(1))
        if old_size > checkpoint.size:
            return 400, "text/plain", b"old size above the checkpoint's\n"
        with self.lock:
            if old_size != self.size:
                return 409, "text/x.tlog.size", f"{self.size}\n".encode()
            if self.forked:
                return 422, "text/plain", b"not consistent with what this witness saw\n"
            if checkpoint.size == 0 and checkpoint.root != EMPTY_ROOT:
                return 422, "text/plain", b"size 0 with a non-empty root\n"
            if old_size == 0 and proof:
                return 422, "text/plain", b"a proof from size 0 must be empty\n"
            try:
                if old_size == checkpoint.size and checkpoint.root != self.root and old_size:
                    raise ProofError("same size, another root")
                if 0 < old_size < checkpoint.size:
                    verify_consistency(old_size, checkpoint.size, proof, self.root,
                                       checkpoint.root)  # fmt: skip
            except ProofError as e:
                return 422, "text/plain", f"{e}\n".encode()
            self.size, self.root = checkpoint.size, checkpoint.root
            line = self.signer.sign_line(checkpoint.text(), int(time.time()))
        return 200, "text/plain; charset=utf-8", line.encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        witness = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the spec recommends

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.path != "/add-checkpoint":
                    status, kind, answer = 404, "text/plain", b"no such endpoint\n"
                else:
                    status, kind, answer = witness.add_checkpoint(body)
                witness.answers.append(status)
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *_: object) -> None:
                pass

        return Handler
