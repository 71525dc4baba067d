"""An add-checkpoint client for the witness tests (http.client, one connection per call),
and the race of c2sp.org/tlog-witness's last paragraph as one round of concurrent requests."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from tests.support.witness_log import add_checkpoint_body, checkpoint_note, consistency, leaves
from verify.witness import read_state

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


def race_round(urls: Sequence[str], state: Path, stored: int, racers: int = 6) -> int:
    """``racers`` add-checkpoint requests from old size ``stored`` (the witness's) to sizes
    stored+1 .. stored+racers, released together and spread over ``urls``: asserts that
    exactly one is cosigned, that every other gets 409 with the winner's size, and that the
    state holds the winner (never a rolled-back size). Returns the winner's size."""
    sizes = [stored + 1 + n for n in range(racers)]
    notes = {size: checkpoint_note(DATA[:size]) for size in sizes}
    proofs = {size: consistency(stored, DATA[:size]) for size in sizes}
    bodies = {size: add_checkpoint_body(stored, proofs[size], notes[size]) for size in sizes}
    answers: dict[int, Answer] = {}
    barrier = threading.Barrier(racers)

    def submit(size: int) -> None:
        barrier.wait()
        answers[size] = request(urls[size % len(urls)], "POST", "/add-checkpoint", bodies[size])

    threads = [threading.Thread(target=submit, args=(size,)) for size in sizes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    winners = [size for size, answer in answers.items() if answer[0] == 200]
    assert len(winners) == 1, answers
    losers = [answer for size, answer in answers.items() if size != winners[0]]
    assert all(a == (409, "text/x.tlog.size", f"{winners[0]}\n") for a in losers), answers
    final = read_state(state)
    assert final is not None and final.checkpoint.size == winners[0]
    return winners[0]
