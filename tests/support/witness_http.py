"""An add-checkpoint client for the witness tests (http.client, one connection per call)."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

from tests.support.witness_log import add_checkpoint_body, checkpoint_note, consistency, leaves

DATA = leaves(40)
Answer = tuple[int, str, str]  # status, content type, body


def request(url: str, method: str, path: str, body: bytes | None = None) -> Answer:
    split = urlsplit(url)
    conn = http.client.HTTPConnection(split.hostname or "", split.port, timeout=30)
    try:
        conn.request(method, path, body=body)
        response = conn.getresponse()
        text = response.read().decode()
        return response.status, response.getheader("Content-Type") or "", text
    finally:
        conn.close()


def add(url: str, old: int, size: int, proof_from: int | None = None, note: str = "") -> Answer:
    """add-checkpoint of the checkpoint of DATA's first ``size`` leaves (or ``note``) with
    ``old``, and the consistency proof from ``proof_from`` (by default from ``old``)."""
    note = note or checkpoint_note(DATA[:size])
    proof = consistency(old if proof_from is None else proof_from, DATA[:size])
    return request(url, "POST", "/add-checkpoint", add_checkpoint_body(old, proof, note))
