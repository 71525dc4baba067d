"""Issue 12 item 7: four concurrent audit exports shared one scratch table per process
(``..._export_<pid>``): one dropped it while another was filling it, and two answered 500
("no such table"). Each export now has its own, dropped afterwards, even on failure.

The four exports are made to overlap where it matters: a barrier holds each one after it has
made its scratch table and before it fills it, until all four are there (on the old code all
four then fill the one shared table and the first to finish drops it under the others)."""

from __future__ import annotations

import io
import tarfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ledger.ledger import Ledger
from ledger.log.checkpoints import sign_checkpoint
from ledger.log.keys import create_log_key, load_signer
from ledger.log.witnesses import declared_policy
from ledger.settings import Settings
from projections.publish import write_published
from projections.registry import projections_of
from projections.runner import Runner
from tests.api.conftest import settle
from tests.integration.helpers import INTAKE, disbursed, funded

EXPORTS = 4


def _checkpoint_then_more(ledger: Ledger, settings: Settings, client: TestClient) -> None:
    """A signed checkpoint, then more records that the projections follow: the live lists are
    past the checkpoint, so every export rebuilds them in scratch tables."""
    create_log_key(settings.log_skey_path, settings.log_vkey_path, settings.origin)
    disbursed(funded(ledger))
    settle(client)
    signer = load_signer(settings.log_skey_path, settings.origin)
    policy = declared_policy(settings.home, signer.verifier)
    assert sign_checkpoint(ledger.log, signer, settings.origin, ledger.clock, policy) is not None
    for n in range(20):
        ledger.register_subject({"name": f"后来{n}"}, "worker", INTAKE)
    settle(client)


def _files(tar_bytes: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(tar_bytes)) as tar:
        return {
            m.name: tar.extractfile(m).read()  # type: ignore[union-attr]
            for m in tar.getmembers()
            if m.isfile()
        }


def _scratch_tables(client: TestClient) -> list[str]:
    """Scratch tables of exports (``..._export_...``) and their positions rows left behind."""
    db = client.app.state.services.ledger.log.db  # type: ignore[attr-defined]
    tables = (
        "SELECT tablename FROM pg_tables WHERE tablename LIKE ? AND schemaname = current_schema()"
        if db.is_postgres
        else "SELECT name FROM sqlite_master WHERE name LIKE ?"
    )
    pattern = ("%_export_%",)
    rows = db.execute(tables, pattern)
    rows += db.execute("SELECT name FROM gongshi_proj_positions WHERE name LIKE ?", pattern)
    return [str(r[0]) for r in rows]


def test_concurrent_audit_exports_all_succeed_with_the_same_content(
    ledger: Ledger,
    settings: Settings,
    client: TestClient,
    tokens: dict[str, dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _checkpoint_then_more(ledger, settings, client)
    together = threading.Barrier(EXPORTS, timeout=30)
    met: list[str] = []
    catch_up = Runner.catch_up

    def meet_then_catch_up(self: Runner, *args: Any, **kwargs: Any) -> int:
        if "_export_" in self.table:  # a scratch table, made and not yet filled
            together.wait()
            met.append(self.table)
        return catch_up(self, *args, **kwargs)

    monkeypatch.setattr(Runner, "catch_up", meet_then_catch_up)

    def export(_: int) -> Any:
        return client.get("/api/v1/audit/export", headers=tokens["audit"])

    with ThreadPoolExecutor(EXPORTS) as pool:
        answers = list(pool.map(export, range(EXPORTS)))
    assert [a.status_code for a in answers] == [200] * EXPORTS, [a.text for a in answers]
    assert met and len(met) % EXPORTS == 0, met  # every rebuilt list: all four met there
    contents = [_files(a.content) for a in answers]
    assert all(c == contents[0] for c in contents)
    assert any(name.endswith("/published/disbursements.jsonl") for name in contents[0])
    assert _scratch_tables(client) == []


def test_scratch_table_is_dropped_when_the_export_fails(
    ledger: Ledger, settings: Settings, client: TestClient, tmp_path: Path
) -> None:
    _checkpoint_then_more(ledger, settings, client)
    services = client.app.state.services  # type: ignore[attr-defined]
    out = tmp_path / "out"
    (out / "published").mkdir(parents=True)
    (out / "published" / "disbursements.jsonl").mkdir()  # writing the list fails
    with projections_of(services.ledger, settings) as projections:
        size = services.ledger.log.state().size - 20
        with pytest.raises(IsADirectoryError):
            write_published(projections, out, size)
    assert _scratch_tables(client) == []
