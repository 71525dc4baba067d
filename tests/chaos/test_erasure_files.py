"""Erasure through the API with the server running leaves nothing on disk, on both backends.

A cadre registered with canary personal data gets a points book (so the full name reaches
the points projection table; no open supervision case, which would hold the erasure); once
the projections show it, the raw files are searched for the canaries and the subject's vault
bytes (wrapped key, ciphertext) — they must be found there, which proves the search sees
what it looks for. Then the erasure is requested (data_protection, POST
/api/v1/subjects/{id}/erasure) and approved by a second principal (audit, .../approval),
which answers ``erased: true``; once ``gongshi erase --run`` (the batched job) compacted the
files, the same search must find nothing: not in the SQLite file, its WAL or shared memory,
not in a dead PostgreSQL tuple of any table or index of the schema."""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
import urllib.error
import urllib.request
from typing import Any

import psycopg
import pytest

from ledger.settings import parse_database_url
from tests.chaos.conftest import report
from tests.chaos.raw_files import database_files, search
from tests.chaos.servers import Home, Server

pytestmark = pytest.mark.chaos
SCHEME = "/api/v1/points/taihu/2024"  # the test principals' county (tests/support)
PATIENCE = 30.0
ROLES = ("intake", "township_party_committee", "village_committee", "data_protection", "audit",
         "organisation_department")  # fmt: skip


def _post(base: str, path: str, body: dict[str, Any], token: str) -> dict[str, Any]:
    headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
    request = urllib.request.Request(base + path, json.dumps(body).encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            found: dict[str, Any] = json.loads(response.read())
            return found
    except urllib.error.HTTPError as e:
        raise AssertionError(f"POST {path}: {e.code} {e.read()[:500]!r}") from None


def _settled(server: Server, size: int) -> dict[str, object]:
    """Wait until the log has ``size`` leaves and every projection has caught up."""
    deadline = time.monotonic() + PATIENCE
    while True:
        health = server.health()
        if health is not None:
            body = health[1]
            lags = body.get("projection_lag")
            log_size = body.get("log_size")
            caught_up = isinstance(lags, dict) and all(lag == 0 for lag in lags.values())
            if caught_up and isinstance(log_size, int) and log_size >= size:
                return body
        assert time.monotonic() < deadline, f"projections not caught up: {health}"
        time.sleep(0.1)


def _vault_bytes(url: str, subject: str) -> dict[str, bytes]:
    """The subject's vault values as stored (every binary column of its rows)."""
    database = parse_database_url(url)
    queries = [f"SELECT * FROM {t} WHERE subject_id = ?"
               for t in ("gongshi_vault_subjects", "gongshi_vault_documents")]  # fmt: skip
    rows: list[tuple[Any, ...]] = []
    if database.kind == "sqlite":
        conn = sqlite3.connect(f"file:{database.sqlite_path}?mode=ro", uri=True, timeout=30)
        try:
            for q in queries:
                rows += conn.execute(q, (subject,)).fetchall()
        finally:
            conn.close()
    else:
        with psycopg.connect(database.psycopg_conninfo()) as pg:
            pg.execute(f'SET search_path TO "{database.schema}"')
            for q in queries:
                rows += pg.execute(q.replace("?", "%s"), (subject,)).fetchall()
    values = [bytes(v) for row in rows for v in row if isinstance(v, bytes | memoryview)]
    return {f"vault value {i} ({len(v)} bytes)": v for i, v in enumerate(values) if len(v) >= 16}


def test_erasure_through_the_api_leaves_no_canary_in_the_raw_files(
    home: Home, servers: list[Server]
) -> None:
    tokens = home.make_tokens(*ROLES)
    tag = secrets.token_hex(4)
    digits = f"{int(tag, 16) % 10**8:08d}"
    canary = {"name": f"金丝雀{tag}", "id_number": f"3408111990{digits}",
              "phone": f"139{digits}", "address": f"安庆市金丝雀路{tag}号"}  # fmt: skip
    server = Server(home)
    servers.append(server)
    server.start()
    base, tpc, vc = server.base, tokens["township_party_committee"], tokens["village_committee"]
    cadre = _post(base, "/api/v1/subjects", {"kind": "cadre", "personal": canary}, tpc)
    subject = cadre["evidence"]["stream"]
    _post(base, SCHEME + "/scheme", {}, tokens["organisation_department"])
    _post(base, SCHEME + "/books", {"cadre": subject, "township": "th01", "village": "晋熙镇01村",
                                    "category": "principal"}, vc)  # fmt: skip
    before = _settled(server, 3)
    needles = {f"canary {k}": v.encode() for k, v in canary.items()}
    needles.update(_vault_bytes(home.url, subject))
    assert len(needles) > len(canary), "the subject's vault rows were not found"
    seen = search(database_files(home.url, home.path), needles)
    seen_labels = {f.needle for f in seen}
    assert {"canary name", *(k for k in needles if k.startswith("vault"))} <= seen_labels, (
        f"the search does not see the data before erasure: found only {sorted(seen_labels)}"
    )
    _post(base, f"/api/v1/subjects/{subject}/erasure", {"reason": "本人申请删除"},
          tokens["data_protection"])  # fmt: skip
    erased = _post(base, f"/api/v1/subjects/{subject}/erasure/approval", {}, tokens["audit"])
    assert erased["evidence"]["stream"] == subject
    assert erased["result"]["erased"] is True, f"erasure answered {erased['result']}"
    after = _settled(server, int(str(before["log_size"])) + 3)
    home.run_ok("erase", "--run")  # the batched job compacts the files
    files = database_files(home.url, home.path)
    left = search(files, needles)
    where = sorted({(f.what, f.needle, f.offset) for f in left})
    report("erasure-files", home, f"files={len(files)} needles={len(needles)} "
           f"found-before={len(seen)} found-after={len(left)} log={after['log_size']}")  # fmt: skip
    assert not left, f"after erasure, still on disk: {where}"
