"""One checkpoint submitted to one witness, as c2sp.org/tlog-witness add-checkpoint says.

    POST <submission prefix>/add-checkpoint
    old <size the witness last cosigned>     then one base64 consistency proof hash per line,
    <blank line>                             then the checkpoint as the log signed it

200: the body is cosignature lines; those by a key of the policy at that URL are verified
and stored (ledger/log/cosignatures.py), lines from other keys are ignored (as the spec
says). 409 with ``text/x.tlog.size``: the witness is at another size; the size is learnt and
the checkpoint submitted again (at most ``MAX_CONFLICTS`` times). 400/403/404/422: refused,
with the witness's answer kept as evidence. No answer, or 5xx: unreachable. Standard
library HTTP only, one keep-alive connection per witness.
"""

from __future__ import annotations

import base64
import http.client
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from ledger.log import tree
from ledger.log.checkpoints import SignedCheckpoint
from ledger.log.cosignatures import CosignatureError, add_cosignature, log_note
from ledger.log.store import LogStore
from verify.note import NoteError, parse_note
from verify.policy import Policy

MAX_CONFLICTS = 2
MAX_ANSWER = 64 * 1024
REFUSALS = (400, 403, 404, 422)
SIZE_BODY = re.compile(rb"(0|[1-9][0-9]{0,19})\n")


@dataclass(frozen=True)
class Outcome:
    state: str  # cosigning, refused or unreachable (ledger/log/witness_status.py)
    detail: str
    witness_size: int | None  # the witness's size as now known (None: unknown)
    cosigners: tuple[str, ...] = ()  # policy names whose cosignature was stored


class WitnessClient:
    """A keep-alive HTTP/1.1 connection to one witness's submission prefix."""

    def __init__(self, url: str, timeout: float = 5.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{url!r} is not an http(s) URL")
        self.url = url
        self.path = parts.path.rstrip("/") + "/add-checkpoint"
        self._https = parts.scheme == "https"
        self._host, self._port = parts.hostname, parts.port
        self.timeout = timeout
        self._conn: http.client.HTTPConnection | None = None

    def add_checkpoint(self, body: bytes) -> tuple[int, str, bytes]:
        """POST ``body``; (status, content type, answer). OSError or HTTPException when
        there is no answer (the connection is closed then, and reopened next time)."""
        if self._conn is None:
            kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            self._conn = kind(self._host, self._port, timeout=self.timeout)
        try:
            self._conn.request(
                "POST", self.path, body, {"Content-Type": "text/plain; charset=utf-8"}
            )
            response = self._conn.getresponse()
            answer = response.read(MAX_ANSWER + 1)
            if len(answer) > MAX_ANSWER or response.will_close:
                self.close()
            return response.status, response.getheader("Content-Type", ""), answer
        except (OSError, http.client.HTTPException):
            self.close()
            raise

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def add_checkpoint_body(old: int, proof: list[bytes], note: str) -> bytes:
    """The request body: old size line, proof lines, blank line, checkpoint note."""
    lines = [f"old {old}\n"] + [base64.b64encode(h).decode() + "\n" for h in proof]
    return ("".join(lines) + "\n" + note).encode()


def _evidence(status: int, answer: bytes) -> str:
    return f"HTTP {status}: {answer[:300].decode('utf-8', 'replace').strip()}"


def submit(
    store: LogStore,
    policy: Policy,
    client: WitnessClient,
    signed: SignedCheckpoint,
    old: int,
    at: datetime,
) -> Outcome:
    """Submit ``signed`` to the witness at ``client.url`` believed to be at size ``old``;
    store the cosignatures it returns. Never raises for what the witness does."""
    size = signed.checkpoint.size
    keys = {
        (m.verifier.name, m.verifier.key_id)
        for m in policy.witnesses.values() if m.url == client.url
    }  # fmt: skip
    note = log_note(signed.note)
    for _ in range(MAX_CONFLICTS + 1):
        if not 0 <= old <= size:
            return Outcome("refused", f"the witness is at size {old}, beyond the log's {size}",
                           old)  # fmt: skip
        proof = tree.consistency_proof(old, size, store.fetch) if 0 < old < size else []
        try:
            status, kind, answer = client.add_checkpoint(add_checkpoint_body(old, proof, note))
        except (OSError, http.client.HTTPException) as e:
            return Outcome("unreachable", f"{type(e).__name__}: {e}", None)
        if status == 409 and kind.split(";")[0].strip() == "text/x.tlog.size":
            learnt = SIZE_BODY.fullmatch(answer)
            if learnt is None:
                return Outcome("refused", _evidence(status, answer), None)
            old = int(learnt.group(1))
            continue
        if status in REFUSALS or status == 409:
            return Outcome("refused", _evidence(status, answer), old)
        if status != 200:
            return Outcome("unreachable", _evidence(status, answer), None)
        return _store_answer(store, policy, keys, signed, answer, at)
    return Outcome("refused", f"answered 409 {MAX_CONFLICTS + 1} times", old)


def _store_answer(
    store: LogStore,
    policy: Policy,
    keys: set[tuple[str, int]],
    signed: SignedCheckpoint,
    answer: bytes,
    at: datetime,
) -> Outcome:
    size = signed.checkpoint.size
    try:
        text = answer.decode("utf-8")
        lines = parse_note(signed.checkpoint.text() + "\n" + text).signatures
    except (UnicodeDecodeError, NoteError) as e:
        return Outcome("refused", f"HTTP 200 with no cosignature lines: {e}", None)
    cosigners = []
    for line in lines:
        if (line.name, line.key_id) not in keys:
            continue  # a key the log does not know at this URL: ignored, as the spec says
        try:
            cosigners.append(add_cosignature(store, policy, line.line, at, size).witness)
        except CosignatureError as e:
            return Outcome("refused", f"HTTP 200 with a cosignature that fails: {e}", None)
    if not cosigners:
        return Outcome("refused", "HTTP 200 without a cosignature by its key", None)
    return Outcome("cosigning", f"cosigned size {size}", size, tuple(cosigners))
