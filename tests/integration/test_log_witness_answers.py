"""What the log does with a witness's 200 answer whose cosignature it can't accept, on
SQLite and PostgreSQL: a line dated beyond MAX_FUTURE_SECONDS after the log's clock, or a
signature of the wrong length, is a refusal with the answer as evidence (the witness is
shown "refused", not "unreachable"), and nothing is stored."""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.log.checkpoints import sign_checkpoint
from ledger.log.cosignatures import cosigned_by
from ledger.log.keys import create_log_key, load_signer
from ledger.log.submitter import WitnessSubmitter
from ledger.log.witness_status import witness_status
from ledger.settings import Settings
from tests.integration.helpers import INTAKE
from verify.note import COSIGNATURE_V1, MLDSA44_COSIGNATURE, Signer
from verify.policy import Group, Member, Policy

ORIGIN = "gongshi.example/anqing"
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
Answer = Callable[[str], str]  # the checkpoint text -> the witness's 200 body


@contextmanager
def answering(answer: Answer) -> Iterator[str]:
    """A witness at a loopback URL that answers every add-checkpoint 200 with ``answer``."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            note = body.partition("\n\n")[2]
            text = note.partition("\n\n")[0] + "\n"
            out = answer(text).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _submit_once(ledger: Ledger, settings: Settings, witness: Signer, url: str) -> Policy:
    create_log_key(settings.log_skey_path, settings.log_vkey_path, ORIGIN)
    log = load_signer(settings.log_skey_path, ORIGIN)
    policy = Policy((Member(log.verifier),), {"audit": Member(witness.verifier, url)},
                    {"departments": Group(1, ("audit",))}, "departments")  # fmt: skip
    ledger.register_subject({"name": "见证"}, "worker", INTAKE)
    clock = SteppingClock(NOW)
    assert sign_checkpoint(ledger.log, log, ORIGIN, clock, policy) is not None
    submitter = WitnessSubmitter(ledger.log, lambda: policy, clock, timeout=5)
    try:
        assert submitter.submit_all(wait=10) == [url]
    finally:
        submitter.stop()
    return policy


@pytest.mark.parametrize("sig_type", [MLDSA44_COSIGNATURE, COSIGNATURE_V1])
def test_witness_answering_a_cosignature_dated_in_the_future_is_refused_with_evidence(
    ledger: Ledger, settings: Settings, sig_type: int
) -> None:
    witness = Signer.generate("witness.gongshi.example/audit", sig_type)
    ahead = int(NOW.timestamp()) + 3600
    with answering(lambda text: witness.sign_line(text, ahead)) as url:
        policy = _submit_once(ledger, settings, witness, url)
    [status] = witness_status(ledger.log, policy)
    assert status.state == "refused", status
    assert f"dated {ahead}, more than 300 s after the log's clock" in status.detail
    assert cosigned_by(ledger.log, 1) == set()


def test_witness_answering_a_signature_of_the_wrong_length_is_refused_not_unreachable(
    ledger: Ledger, settings: Settings
) -> None:
    witness = Signer.generate("witness.gongshi.example/audit", COSIGNATURE_V1)

    def short(text: str) -> str:
        head, blob = witness.sign_line(text, int(NOW.timestamp())).rstrip("\n").rsplit(" ", 1)
        return f"{head} {base64.b64encode(base64.b64decode(blob)[:-1]).decode()}\n"

    with answering(short) as url:
        policy = _submit_once(ledger, settings, witness, url)
    [status] = witness_status(ledger.log, policy)
    assert status.state == "refused", status
    assert "is not 8 + 64 or 8 + 2420 bytes" in status.detail
    assert cosigned_by(ledger.log, 1) == set()
