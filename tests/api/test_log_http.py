"""The log over HTTP: the checkpoint, proofs that verify with verify/, entries, record
proofs; health and metrics."""

from __future__ import annotations

import base64

from fastapi.testclient import TestClient

from ledger.ledger import Ledger
from ledger.log.checkpoints import sign_checkpoint
from tests.api.conftest import settle
from tests.integration.helpers import disbursed, funded
from verify.merkle import leaf_hash, verify_consistency, verify_inclusion
from verify.note import Signer as NoteSigner
from verify.policy import departments_policy

ORIGIN = "gongshi.example/test"


def _signed(ledger: Ledger) -> None:
    """A checkpoint signed under a policy that needs no cosignature (witnessed at once)."""
    signer = NoteSigner.generate(ORIGIN)
    policy = departments_policy(signer.verifier, {})
    assert sign_checkpoint(ledger.log, signer, ORIGIN, ledger.clock, policy) is not None


def test_checkpoint_proofs_and_entries_verify(ledger: Ledger, client: TestClient) -> None:
    assert client.get("/log/v1/checkpoint").status_code == 404  # nothing signed yet
    fund = funded(ledger)
    disbursed(fund)
    settle(client)
    _signed(ledger)
    note = client.get("/log/v1/checkpoint")
    assert note.status_code == 200 and note.text.startswith(ORIGIN + "\n")
    size = int(note.text.split("\n")[1])
    root = base64.b64decode(note.text.split("\n")[2])
    lines = client.get("/log/v1/entries", params={"start": 0, "limit": 1000}).content
    leaves = lines.split(b"\n")[:-1]
    assert len(leaves) == size
    proof = client.get("/log/v1/proof/inclusion", params={"index": 3, "size": size}).json()
    verify_inclusion(3, size, leaf_hash(leaves[3]),
                     [base64.b64decode(h) for h in proof["proof"]], root)  # fmt: skip
    old = client.get("/log/v1/proof/consistency", params={"old": 2, "new": size}).json()
    verify_consistency(2, size, [base64.b64decode(h) for h in old["proof"]],
                       base64.b64decode(old["old_root"]), root)  # fmt: skip
    for path, params in (("/log/v1/proof/inclusion", {"index": size, "size": size}),
                         ("/log/v1/proof/consistency", {"old": 0, "new": size}),
                         ("/log/v1/proof/consistency", {"old": 3, "new": 2})):  # fmt: skip
        refused = client.get(path, params=params)
        assert refused.status_code == 422 and "need" in refused.json()["detail"], params
    assert client.get("/log/v1/entries", params={"start": size}).status_code == 404


def test_record_proof_is_tlog_proof(ledger: Ledger, client: TestClient) -> None:
    fund = funded(ledger)
    case = disbursed(fund)
    settle(client)
    _signed(ledger)
    text = client.get(f"/log/v1/records/{case}/4/proof").text
    assert text.startswith("c2sp.org/tlog-proof@v1\n")
    assert client.get(f"/log/v1/records/{case}/99/proof").status_code == 422
    assert client.get("/log/v1/records/not-a-uuid/1/proof").status_code == 422


def test_health_and_metrics(client: TestClient) -> None:
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    client.get("/api/v1/public/points")
    text = client.get("/metrics").text
    assert (
        'gongshi_http_requests_total{method="GET",route="/api/v1/public/points",status="200"} 1.0'
        in text
    )
    assert "gongshi_log_size " in text and 'gongshi_projection_lag{projection="points"}' in text
