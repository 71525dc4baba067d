"""``witness serve`` over real HTTP (the server in a thread of this process): every status of
c2sp.org/tlog-witness add-checkpoint, the state file untouched by every refusal, keep-alive,
the monitoring endpoint, and the race of the spec's last paragraph made impossible."""

from __future__ import annotations

import hashlib
import http.client
import io
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.witness_http import DATA, add, race_round, request
from tests.support.witness_log import (
    ED_WITNESS,
    LOG,
    MLDSA_WITNESS,
    NOW,
    ORIGIN,
    add_checkpoint_body,
    checkpoint_note,
    consistency,
    leaves,
)
from verify.note import Signer, open_note
from verify.witness import read_state
from verify.witness_server import MAX_BODY, WitnessServer, WitnessService


@contextmanager
def serving(
    state: Path, signers: tuple[Signer, ...] = (MLDSA_WITNESS,)
) -> Iterator[tuple[str, io.StringIO]]:
    log_to = io.StringIO()
    service = WitnessService(state, signers, LOG.verifier, clock=lambda: NOW, log_to=log_to)
    server = WitnessServer(("127.0.0.1", 0), service)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.url, log_to
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "witness" / "audit.json"


def test_add_checkpoint_returns_both_lines_that_verify(state: Path) -> None:
    with serving(state, (MLDSA_WITNESS, ED_WITNESS)) as (url, log_to):
        status, content_type, body = add(url, 0, 7)
    assert status == 200 and content_type.startswith("text/plain")
    lines = body.splitlines(keepends=True)
    assert len(lines) == 2 and all(line.startswith("\u2014 ") for line in lines)
    note = checkpoint_note(DATA[:7])
    keys = [MLDSA_WITNESS.verifier, ED_WITNESS.verifier]
    assert open_note(note + body, [LOG.verifier, *keys])[1] == [LOG.verifier, *keys]
    stored = read_state(state)
    assert (
        stored is not None and stored.checkpoint.size == 7 and "".join(stored.cosignatures) == body
    )
    assert "POST /add-checkpoint 200" in log_to.getvalue()


def test_statuses_of_add_checkpoint(state: Path) -> None:
    other = Signer("gongshi.example/elsewhere", LOG.private_key)
    with serving(state) as (url, log_to):
        assert add(url, 0, 5)[0] == 200
        before = state.read_bytes()
        foreign = checkpoint_note(DATA[:9], other.name, other)
        assert add(url, 5, 9, note=foreign)[0] == 404
        unsigned = checkpoint_note(DATA[:9], signer=Signer.generate(ORIGIN))
        assert add(url, 5, 9, note=unsigned)[0] == 403
        assert add(url, 9, 7, proof_from=5)[0] == 400
        assert add(url, 3, 9) == (409, "text/x.tlog.size", "5\n")
        assert add(url, 0, 9, proof_from=0) == (409, "text/x.tlog.size", "5\n")
        assert add(url, 5, 9, proof_from=4)[0] == 422  # a proof from another size
        assert add(url, 5, 5, note=checkpoint_note(leaves(5, "rewritten")))[0] == 422
        assert add(url, 5, 9, note=checkpoint_note(leaves(9, "rewritten")))[0] == 422
        assert state.read_bytes() == before
        assert add(url, 5, 9)[0] == 200
    lines = log_to.getvalue().splitlines()
    # One line per request; a line is written after its answer is sent, so two lines may swap.
    conflicts = [line for line in lines if " 409 " in line]
    assert len(lines) == 10 and len(conflicts) == 2
    assert all("conflict" in line for line in conflicts)


def test_size_zero_checkpoints(state: Path) -> None:
    with serving(state) as (url, _):
        assert add(url, 0, 0, note=checkpoint_note([], root=bytes(32)))[0] == 422
        assert not state.exists()
        assert add(url, 0, 0)[0] == 200
        body = add_checkpoint_body(0, consistency(2, DATA[:6]), checkpoint_note(DATA[:6]))
        assert request(url, "POST", "/add-checkpoint", body)[0] == 422  # proof from old 0
        assert add(url, 0, 6)[0] == 200


@pytest.mark.parametrize(
    "body",
    [
        add_checkpoint_body(5, [bytes(32)] * 64, checkpoint_note(DATA[:9])),
        b"old 5\nnot base64!\n\n" + checkpoint_note(DATA[:9]).encode(),
        b"old 5\n" + checkpoint_note(DATA[:9]).encode(),
        b"old 05\n\n" + checkpoint_note(DATA[:9]).encode(),
        b"old 5\n\n" + checkpoint_note(DATA[:9]).replace("\n\n", "\n").encode(),
        b"old 5\n\n" + checkpoint_note(DATA[:9]).encode() + b"\xff",
        b"x" * 1_000_000,
    ],
    ids=[
        "64-proof-lines",
        "bad-base64",
        "missing-blank-line",
        "old-05",
        "note-without-blank-line",
        "not-utf8",
        "1MB-body",
    ],
)
def test_malformed_add_checkpoint_leaves_the_state_unchanged(state: Path, body: bytes) -> None:
    with serving(state) as (url, _):
        assert add(url, 0, 5)[0] == 200
        before = state.read_bytes()
        status = request(url, "POST", "/add-checkpoint", body)[0]
        assert status == (413 if len(body) > MAX_BODY else 400)
        assert state.read_bytes() == before
        assert add(url, 5, 9)[0] == 200  # the witness still works


def test_chunked_body_is_refused_even_with_a_length(state: Path) -> None:
    with serving(state) as (url, _):
        split = urlsplit(url)
        with socket.create_connection((split.hostname or "", split.port or 0), timeout=10) as s:
            s.sendall(b"POST /add-checkpoint HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n"
                      b"Transfer-Encoding: chunked\r\n\r\n6\r\nold 0\n\r\n0\r\n\r\n")  # fmt: skip
            assert s.recv(100).startswith(b"HTTP/1.1 411 ")
    assert not state.exists()


def test_keep_alive_serves_several_requests_on_one_connection(state: Path) -> None:
    with serving(state) as (url, _):
        split = urlsplit(url)
        conn = http.client.HTTPConnection(split.hostname or "", split.port, timeout=30)
        sockets = set()
        for old, size in ((0, 3), (3, 8), (8, 8)):
            body = add_checkpoint_body(
                old, consistency(old, DATA[:size]), checkpoint_note(DATA[:size])
            )
            conn.request("POST", "/add-checkpoint", body=body)
            response = conn.getresponse()
            assert response.status == 200 and response.read().startswith("\u2014".encode())
            sockets.add(id(conn.sock))
        conn.close()
    assert len(sockets) == 1


def test_monitoring_endpoint_serves_the_latest_cosigned_checkpoint(state: Path) -> None:
    path = f"/{hashlib.sha256(ORIGIN.encode()).hexdigest()}/checkpoint"
    with serving(state, (MLDSA_WITNESS, ED_WITNESS)) as (url, _):
        assert request(url, "GET", path)[0] == 404  # nothing cosigned yet
        assert add(url, 0, 11)[0] == 200
        status, _, note = request(url, "GET", path)
        other = f"/{hashlib.sha256(b'gongshi.example/elsewhere').hexdigest()}/checkpoint"
        assert request(url, "GET", other)[0] == 404
        assert request(url, "GET", "/add-checkpoint")[0] == 405
        assert request(url, "POST", "/elsewhere", b"old 0\n\n")[0] == 404
    keys = [LOG.verifier, MLDSA_WITNESS.verifier, ED_WITNESS.verifier]
    assert status == 200 and open_note(note, keys)[1] == keys
    assert note.startswith(checkpoint_note(DATA[:11]))


def test_monitoring_endpoint_never_serves_a_checkpoint_without_the_witness_lines(
    state: Path,
) -> None:
    """A state file written before the lines were kept has none to serve: 404, not a
    checkpoint that lacks the witness's cosignature."""
    path = f"/{hashlib.sha256(ORIGIN.encode()).hexdigest()}/checkpoint"
    with serving(state) as (url, _):
        assert add(url, 0, 4)[0] == 200
        body = json.loads(state.read_text())
        del body["cosignatures"], body["timestamp"]
        state.write_text(json.dumps(body))
        assert request(url, "GET", path)[0] == 404
        assert add(url, 4, 6)[0] == 200
        assert request(url, "GET", path)[0] == 200


def test_concurrent_add_checkpoints_never_roll_back(state: Path) -> None:
    """The race of the spec's last paragraph: requests from the same old size race; exactly
    one is cosigned, every other gets 409 with the winner's size, and the state never
    moves back (a check-then-write without the lock fails this within a few rounds)."""
    with serving(state) as (url, _):
        assert add(url, 0, 1)[0] == 200
        stored = 1
        for _ in range(6):
            stored = race_round([url], state, stored)
