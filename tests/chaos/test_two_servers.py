"""Two ``gongshi serve`` processes on one PostgreSQL database (same URL and schema, different
ports), 8 writers split between them. Required: every acknowledged write stored as answered,
one log (``gongshi check`` passes, the bundle verifies), and the two servers' proofs agree:
each one's checkpoint is consistent with the other's by the proofs of both, and records
acknowledged by one are included in the other's tree."""

from __future__ import annotations

import base64
import json
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.chaos.conftest import open_year, report
from tests.chaos.load import Figures, Load, acked
from tests.chaos.servers import Home, Server, explain_errors
from verify.checkpoint import Checkpoint, open_checkpoint
from verify.merkle import leaf_hash, verify_consistency, verify_inclusion
from verify.note import parse_vkey

pytestmark = pytest.mark.chaos
WRITERS = 8
SECONDS = 6.0
ORIGIN = "gongshi.example/anqing"
SAMPLE = 10  # acknowledged writes per server whose inclusion the other server proves


@pytest.fixture
def backend_url(pg_database: object) -> str:
    """PostgreSQL only (this overrides the suite's both-backends fixture)."""
    return str(getattr(pg_database, "url"))  # noqa: B009


def _get(base: str, path: str) -> bytes:
    with urllib.request.urlopen(base + path, timeout=30) as response:
        body: bytes = response.read()
        return body


def _checkpoint(home: Home, base: str) -> Checkpoint:
    vkey = parse_vkey((home.path / "keys" / "log.vkey").read_text())
    return open_checkpoint(_get(base, "/log/v1/checkpoint").decode(), ORIGIN, vkey)


def _json(base: str, path: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(_get(base, path))
    return found


def _b64(values: list[str]) -> list[bytes]:
    return [base64.b64decode(v) for v in values]


@pytest.mark.postgres
def test_two_servers_on_one_database_keep_one_log(
    home: Home, servers: list[Server], tmp_path: Path
) -> None:
    first, second = Server(home, name="first"), Server(home, name="second")
    servers.extend((first, second))
    began = time.monotonic()
    for server in (first, second):
        server.launch()
    for server in (first, second):
        server.wait_ready(began)
    open_year(first.base, home.tokens["finance"])
    load = Load([first.base, second.base], home.tokens, WRITERS, "two").start()
    try:
        time.sleep(SECONDS)
        load.stop()
        time.sleep(1.5)  # both sign on their schedule (GONGSHI_CHECKPOINT_INTERVAL 0.5 s)
        checkpoints = {s.base: _checkpoint(home, s.base) for s in (first, second)}
        proven = _cross_proofs(first, second, checkpoints, load)
    finally:
        load.stop()
        first.stop()
        second.stop()
    verdict = home.judged(load.finals, tmp_path / "bundle")
    figures = Figures.of(load.attempts, load.finals)
    per_server = {s.port: sum(acked(a) for a in load.finals if a.server == s.base)
                  for s in (first, second)}  # fmt: skip
    sizes = [c.size for c in checkpoints.values()]
    report("two-servers", home, f"{figures.line()} acked-per-server={list(per_server.values())} "
           f"checkpoint-sizes={sizes} proofs-checked={proven} {verdict.summary()}")  # fmt: skip
    failures = [
        *([f"{figures.fivexx} answers were 5xx: {figures.line()}\n" + explain_errors(
            servers, [a.answer for a in load.attempts if (a.status or 0) >= 500][:5])]
          if figures.fivexx else []),
        *([f"no answer: {figures.line()}"] if figures.resets or figures.timeouts else []),
        *verdict.problems()[:20],
    ]  # fmt: skip
    assert not failures, "\n".join(failures)
    assert all(n > 0 for n in per_server.values()), per_server


def _cross_proofs(
    first: Server, second: Server, checkpoints: dict[str, Checkpoint], load: Load
) -> int:
    """Verify each server's consistency proof between the two checkpoints and each server's
    inclusion proofs for writes the other acknowledged; returns how many proofs held."""
    small, large = sorted(checkpoints.values(), key=lambda c: c.size)
    proven = 0
    for server in (first, second):
        if small.size < large.size:
            proof = _json(server.base, f"/log/v1/proof/consistency?old={small.size}"
                                       f"&new={large.size}")  # fmt: skip
            verify_consistency(small.size, large.size, _b64(proof["proof"]), small.root,
                               large.root)  # fmt: skip
        else:
            assert small.root == large.root, "two checkpoints of one size with different roots"
        proven += 1
        other = second if server is first else first
        theirs = [a for a in load.finals if a.server == other.base and acked(a)]
        for attempt in theirs[:SAMPLE]:
            evidence = (attempt.answer or {})["evidence"]
            index = evidence["leaf_index"]
            assert index is not None and index < large.size, evidence
            entry = _get(server.base, f"/log/v1/entries?start={index}&limit=1").rstrip(b"\n")
            proof = _json(server.base, f"/log/v1/proof/inclusion?index={index}"
                                       f"&size={large.size}")  # fmt: skip
            verify_inclusion(index, large.size, leaf_hash(entry), _b64(proof["proof"]),
                             large.root)  # fmt: skip
            proven += 1
    return proven
