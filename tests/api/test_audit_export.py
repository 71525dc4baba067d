"""The audit role downloads the bundle as a tar; gongshi-verify finds it valid."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

from fastapi.testclient import TestClient

from ledger.ledger import Ledger
from ledger.log.checkpoints import sign_checkpoint
from ledger.log.keys import create_log_key, load_signer
from ledger.log.witnesses import declared_policy
from ledger.settings import Settings
from tests.api.conftest import settle
from tests.integration.helpers import disbursed, funded
from verify.bundle import own_policy, verify_bundle
from verify.params import LISTS


def test_audit_export_is_a_valid_bundle(
    ledger: Ledger, settings: Settings, client: TestClient, tokens: dict[str, dict[str, str]],
    tmp_path: Path,
) -> None:  # fmt: skip
    no_key = client.get("/api/v1/audit/export", headers=tokens["audit"])
    assert no_key.status_code == 409 and "no log key" in no_key.json()["detail"]
    create_log_key(settings.log_skey_path, settings.log_vkey_path, settings.origin)
    no_checkpoint = client.get("/api/v1/audit/export", headers=tokens["audit"])
    assert no_checkpoint.status_code == 409 and "checkpoint" in no_checkpoint.json()["detail"]
    disbursed(funded(ledger))
    settle(client)
    signer = load_signer(settings.log_skey_path, settings.origin)
    policy = declared_policy(settings.home, signer.verifier)  # no witness keys: quorum none
    assert sign_checkpoint(ledger.log, signer, settings.origin, ledger.clock, policy) is not None
    assert client.get("/api/v1/audit/export", headers=tokens["finance"]).status_code == 403
    assert client.get("/api/v1/audit/export").status_code == 401
    response = client.get("/api/v1/audit/export", headers=tokens["audit"])
    assert response.status_code == 200 and response.headers["content-type"] == "application/x-tar"
    with tarfile.open(fileobj=io.BytesIO(response.content)) as tar:
        tar.extractall(tmp_path / "out", filter="data")
    (bundle,) = (tmp_path / "out").iterdir()
    assert (bundle / "published" / "disbursements.jsonl").exists()
    report = verify_bundle(bundle, own_policy(bundle))  # the operator's own: UNANCHORED
    assert report.ok, report.failures
    assert report.published_lists == len(LISTS)  # every list of §8
