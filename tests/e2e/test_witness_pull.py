"""``witness cosign --log-url`` against a stand-in log over real HTTP: it takes the newest
signed checkpoint (``?unwitnessed=1``, or the plain one from a log that answers 4xx to the
query), proves it consistent with the proof the log serves, and posts one line per request
to ``/log/v1/cosignatures?size=N``."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.witness_log import (
    ED_WITNESS,
    LOG,
    MLDSA_WITNESS,
    checkpoint_note,
    consistency,
    leaves,
    write_keys,
)
from verify.cli import main
from verify.note import open_note

DATA = leaves(20)


@dataclass
class StandInLog:
    size: int
    knows_unwitnessed: bool = True
    forked: bool = False
    posted: list[tuple[str, str]] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)

    def note(self) -> str:
        data = leaves(self.size, "rewritten") if self.forked else DATA[: self.size]
        return checkpoint_note(data)


@contextmanager
def serving(log: StandInLog) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, body: str) -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            log.asked.append(self.path)
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == "/log/v1/checkpoint":
                if "unwitnessed" in query and not log.knows_unwitnessed:
                    self._send(400, "unknown query")
                else:
                    self._send(200, log.note())
            elif url.path == "/log/v1/proof/consistency":
                hashes = consistency(int(query["old"]), DATA[: int(query["new"])])
                self._send(
                    200, json.dumps({"proof": [base64.b64encode(h).decode() for h in hashes]})
                )
            else:
                self._send(404, "")

        def do_POST(self) -> None:
            line = self.rfile.read(int(self.headers["Content-Length"])).decode()
            log.posted.append((self.path, line))
            self._send(200, json.dumps({"tree_size": log.size}))

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _cosign(tmp_path: Path, url: str, *extra: str) -> int:
    keys = write_keys(tmp_path / "keys", MLDSA_WITNESS, ED_WITNESS)
    return main(["witness", "cosign", "--key", keys[0], "--key", keys[1], "--state",
                 str(tmp_path / "state.json"), "--log-url", url, *extra])  # fmt: skip


def test_pull_mode_cosigns_the_newest_checkpoint_and_posts_each_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = StandInLog(size=6)
    with serving(log) as url:
        assert _cosign(tmp_path, url, "--log-vkey", str(tmp_path / "keys" / "log.vkey")) == 0
        log.size = 15
        assert _cosign(tmp_path, url) == 0
    assert log.asked[0] == "/log/v1/checkpoint?unwitnessed=1"
    assert "/log/v1/proof/consistency?old=6&new=15" in log.asked
    assert [p for p, _ in log.posted] == ["/log/v1/cosignatures?size=6"] * 2 + [
        "/log/v1/cosignatures?size=15"
    ] * 2
    keys = [LOG.verifier, MLDSA_WITNESS.verifier, ED_WITNESS.verifier]
    lines = "".join(line for _, line in log.posted[2:])
    assert open_note(checkpoint_note(DATA[:15]) + lines, keys)[1] == keys
    assert "attached to the checkpoint of tree size 15" in capsys.readouterr().out


def test_pull_mode_falls_back_to_the_plain_checkpoint(tmp_path: Path) -> None:
    log = StandInLog(size=6, knows_unwitnessed=False)
    with serving(log) as url:
        assert _cosign(tmp_path, url, "--log-vkey", str(tmp_path / "keys" / "log.vkey")) == 0
    assert log.asked[:2] == ["/log/v1/checkpoint?unwitnessed=1", "/log/v1/checkpoint"]


def test_pull_mode_refuses_a_fork_and_posts_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = StandInLog(size=6)
    with serving(log) as url:
        assert _cosign(tmp_path, url, "--log-vkey", str(tmp_path / "keys" / "log.vkey")) == 0
        log.size, log.forked = 15, True
        assert _cosign(tmp_path, url) == 1
    assert "REFUSED: fork" in capsys.readouterr().out and len(log.posted) == 2
