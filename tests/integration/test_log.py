"""The transparency log on SQLite and PostgreSQL: exactly-once integration, roots equal to the
RFC reference over the records, checkpoints, proofs, the export bundle."""

from __future__ import annotations

import base64
import json
import re
import stat
from pathlib import Path

import pytest

from ledger.check import iter_notifications
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.log import tree
from ledger.log.checkpoints import all_checkpoints, covering, latest, sign_checkpoint
from ledger.log.export import ExportError, export_bundle
from ledger.log.keys import LogKeyError, create_log_key, load_signer
from ledger.log.store import LogIntegrityError
from ledger.settings import Settings
from tests.integration.helpers import INTAKE, log_signer, registered
from tests.integration.store_access import rows, update
from tests.support.rfc9162 import mth
from verify.checkpoint import open_checkpoint
from verify.merkle import leaf_hash, verify_consistency, verify_inclusion
from verify.note import COSIGNATURE_V1, MLDSA44_COSIGNATURE, Signer, parse_vkey
from verify.policy import Policy, departments_policy
from verify.tlogproof import parse_tlog_proof

# The log's mechanics over any records: no registry, actors not checked (tests/conftest.py).
pytestmark = pytest.mark.registry("unchecked")

ORIGIN = "gongshi.example/test"


def _no_witnesses(signer: Signer) -> Policy:
    """A policy that needs no cosignature: every checkpoint is witnessed when signed."""
    return departments_policy(signer.verifier, {})


def _leaf_data(ledger: Ledger) -> list[bytes]:
    return [n.state[65:] for n in iter_notifications(ledger.app.recorder)]


def test_every_record_becomes_the_next_leaf_exactly_once(ledger: Ledger) -> None:
    registered(ledger, 25, "测试")
    assert ledger.log.integrate(batch=7) == 25
    assert ledger.log.integrate() == 0
    registered(ledger, 6, "测试")
    assert ledger.log.integrate(batch=4) == 6
    state = ledger.log.state()
    data = _leaf_data(ledger)
    assert state.size == len(data) == 31
    assert tree.root(31, ledger.log.fetch) == mth(data)
    indexes = list(ledger.log.leaf_notifications())
    assert [i for i, _ in indexes] == list(range(31))
    ids = [n for _, n in indexes]
    assert ids == sorted(ids) and len(set(ids)) == 31
    assert state.position == ids[-1]


def test_every_historic_root_equals_the_reference(ledger: Ledger) -> None:
    registered(ledger, 20, "测试")
    ledger.log.integrate(batch=3)
    data = _leaf_data(ledger)
    for size in range(21):
        assert tree.root(size, ledger.log.fetch) == mth(data[:size])


def test_tampered_record_is_never_integrated(ledger: Ledger, settings: Settings) -> None:
    registered(ledger, 3, "测试")
    nid, _, _, _, state = rows(settings.database)[1]
    update(settings.database, nid, state=state.replace(b"worker", b"wOrker"))
    with pytest.raises(LogIntegrityError, match="stored hash"):
        ledger.log.integrate()
    assert ledger.log.state().size == 0  # the whole step rolled back


def test_checkpoints_signed_when_the_tree_grew_and_all_kept(
    ledger: Ledger, settings: Settings, clock: SteppingClock
) -> None:
    signer = log_signer(settings, ORIGIN)
    assert sign_checkpoint(ledger.log, signer, ORIGIN, clock) is None  # empty tree
    registered(ledger, 5, "测试")
    first = sign_checkpoint(ledger.log, signer, ORIGIN, clock)
    assert first is not None and first.checkpoint.size == 5
    assert sign_checkpoint(ledger.log, signer, ORIGIN, clock) is None  # no growth
    registered(ledger, 4, "测试")
    second = sign_checkpoint(ledger.log, signer, ORIGIN, clock)
    assert second is not None and second.checkpoint.size == 9
    assert [c.checkpoint.size for c in all_checkpoints(ledger.log)] == [5, 9]
    assert latest(ledger.log) == second
    assert covering(ledger.log, 4) == first and covering(ledger.log, 5) == second
    vkey = parse_vkey(settings.log_vkey_path.read_text())
    for signed in (first, second):
        assert open_checkpoint(signed.note, ORIGIN, vkey) == signed.checkpoint
    proof = tree.consistency_proof(5, 9, ledger.log.fetch)
    verify_consistency(5, 9, proof, first.checkpoint.root, second.checkpoint.root)
    assert second.checkpoint.root == mth(_leaf_data(ledger))


def test_log_key_file_modes_and_origin(settings: Settings) -> None:
    created, vkey = create_log_key(settings.log_skey_path, settings.log_vkey_path, ORIGIN)
    assert created and vkey.startswith(ORIGIN + "+")
    assert stat.S_IMODE(settings.log_skey_path.stat().st_mode) == 0o600
    assert settings.log_vkey_path.read_text().strip() == vkey
    assert create_log_key(settings.log_skey_path, settings.log_vkey_path, ORIGIN) == (False, vkey)
    with pytest.raises(LogKeyError, match="origin"):
        load_signer(settings.log_skey_path, "other.example/log")
    with pytest.raises(LogKeyError, match="keys init"):
        load_signer(settings.home / "nowhere.skey", ORIGIN)


def test_export_bundle_is_enough_to_check_everything(
    ledger: Ledger, settings: Settings, clock: SteppingClock, tmp_path: Path
) -> None:
    signer = log_signer(settings, ORIGIN)
    vkey_text = settings.log_vkey_path.read_text()
    with pytest.raises(ExportError, match="checkpoint"):
        export_bundle(ledger.log, ledger.app.recorder, tmp_path / "none", vkey_text)
    registered(ledger, 12, "测试")
    sign_checkpoint(ledger.log, signer, ORIGIN, clock, _no_witnesses(signer))
    registered(ledger, 5, "测试")
    sign_checkpoint(ledger.log, signer, ORIGIN, clock, _no_witnesses(signer))
    registered(ledger, 2, "测试")  # integrated later, not yet checkpointed: not in the bundle
    out = tmp_path / "bundle"
    summary = export_bundle(ledger.log, ledger.app.recorder, out, vkey_text)
    assert (summary.size, summary.checkpoints) == (17, 2)

    # What an outsider does, with the bundle and docs/FORMAT.md only:
    lines = (out / "records.jsonl").read_bytes().split(b"\n")
    assert lines[-1] == b"" and len(lines) == 18
    vkey = parse_vkey((out / "keys" / "log.vkey").read_text())
    checkpoint = open_checkpoint((out / "checkpoint").read_text(), ORIGIN, vkey)
    assert (checkpoint.size, checkpoint.root) == (17, mth(lines[:-1]))
    old = open_checkpoint((out / "checkpoints" / "12").read_text(), ORIGIN, vkey)
    assert old.root == mth(lines[:12])
    manifest = json.loads((out / "MANIFEST.json").read_text())
    assert manifest["tree_size"] == 17 and base64.b64decode(manifest["root"]) == checkpoint.root
    with pytest.raises(ExportError, match="not an empty directory"):
        export_bundle(ledger.log, ledger.app.recorder, out, vkey_text)


def test_record_proof_verifies_offline(
    ledger: Ledger, settings: Settings, clock: SteppingClock
) -> None:
    signer = log_signer(settings, ORIGIN)
    registered(ledger, 11, "测试")
    signed = sign_checkpoint(ledger.log, signer, ORIGIN, clock)
    assert signed is not None
    stream = rows(settings.database)[6][1]
    index = ledger.log.leaf_of(stream, 1)
    assert index == 6
    from verify.tlogproof import TlogProof

    text = TlogProof(
        index, tuple(tree.inclusion_proof(6, 11, ledger.log.fetch)), signed.note
    ).text()
    parsed = parse_tlog_proof(text)
    checkpoint = open_checkpoint(parsed.checkpoint, ORIGIN, signer.verifier)
    record = _leaf_data(ledger)[6]
    verify_inclusion(
        parsed.index, checkpoint.size, leaf_hash(record), parsed.proof, checkpoint.root
    )


def test_follower_puts_acknowledged_records_in_the_log_within_a_second(ledger: Ledger) -> None:
    import time

    from ledger.log.follower import LogFollower

    follower = LogFollower(ledger.log, interval=0.1).start()
    try:
        subject = ledger.register_subject({"name": "及时"}, "worker", INTAKE)
        acknowledged = time.monotonic()
        while ledger.log.leaf_of(str(subject), 1) is None:
            assert time.monotonic() - acknowledged < 1.0, "not in the log within 1 s"
            time.sleep(0.01)
    finally:
        follower.stop()
    assert follower.error is None


def test_audit_names_a_record_rewritten_after_integration(
    ledger: Ledger, settings: Settings, clock: SteppingClock
) -> None:
    import hashlib

    from ledger.log.rederive import rederive_log

    signer = log_signer(settings, ORIGIN)
    registered(ledger, 6, "测试")
    sign_checkpoint(ledger.log, signer, ORIGIN, clock)
    assert rederive_log(ledger.log, ledger.app.recorder) == []
    nid, _, _, _, state = rows(settings.database)[-1]  # the last record of its stream
    record = state[65:].replace(b'"kind":"worker"', b'"kind":"donor"')
    update(
        settings.database, nid, state=hashlib.sha256(record).hexdigest().encode() + b"\n" + record
    )
    problems = rederive_log(ledger.log, ledger.app.recorder)
    assert any(p.startswith("checkpoint 6: signed root") for p in problems)
    assert any(p.startswith("log root") for p in problems)


def test_tiles_across_boundaries_give_reference_roots_and_proofs(ledger: Ledger) -> None:
    from tests.support.rfc9162 import path, subproof

    registered(ledger, 600, "测试")
    added = 0
    while step := ledger.log.integrate_step(97):
        added += step
    assert added == 600
    data = _leaf_data(ledger)
    for size in (1, 255, 256, 257, 511, 512, 513, 600):
        assert tree.root(size, ledger.log.fetch) == mth(data[:size]), size
    for index in (0, 255, 256, 511, 599):
        assert tree.inclusion_proof(index, 600, ledger.log.fetch) == path(index, data)
    assert tree.consistency_proof(256, 600, ledger.log.fetch) == subproof(256, data, True)
    full = ledger.log.tile(0, 0)
    assert full is not None and len(full) == 256 * 32
    partial = ledger.log.tile(0, 2)
    assert partial is not None and len(partial) == (600 - 512) * 32
    level1 = ledger.log.tile(1, 0)
    assert level1 is not None and len(level1) == 2 * 32  # two full level-0 tiles so far
    assert level1[:32] == mth(data[:256])


def test_notification_gaps_map_to_gapless_leaves(ledger: Ledger) -> None:
    from eventsourcing.persistence import RecordConflictError

    from ledger.subject import Subject

    first = ledger.register_subject({"name": "甲"}, "worker", INTAKE)
    for _ in range(2):  # a conflicting insert burns a PostgreSQL id (SQLite: no gap)
        clash = ledger.app.get(Subject, first)
        twin = ledger.app.get(Subject, first)
        clash._append(
            Subject.Erased,
            actor=INTAKE,
            moment=clash.modified_on,
            reason="x",
            approved_by="audit-01",
        )
        twin._append(
            Subject.Erased,
            actor=INTAKE,
            moment=twin.modified_on,
            reason="y",
            approved_by="audit-01",
        )
        ledger.app.save(clash)
        with pytest.raises(RecordConflictError):
            ledger.app.save(twin)
        first = ledger.register_subject({"name": "乙"}, "worker", INTAKE)
    ledger.log.integrate()
    pairs = list(ledger.log.leaf_notifications())
    stored = [n.id for n in ledger.app.recorder.select_notifications(1, 100)]
    if ledger.db.is_postgres:
        assert stored[-1] - stored[0] + 1 > len(stored), "no gap was made"
    assert [i for i, _ in pairs] == list(range(len(stored)))
    assert [n for _, n in pairs] == stored
    for index, notification in pairs:
        assert ledger.log.notification_of(index) == notification
        assert ledger.log.leaf_of_notification(notification) == index
    assert ledger.log.leaf_of(str(first), 1) == len(stored) - 1


def test_export_refuses_a_stale_vkey_a_file_target_and_cleans_up_an_interrupted_run(
    ledger: Ledger, settings: Settings, clock: SteppingClock, tmp_path: Path
) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    signer = log_signer(settings, ORIGIN)
    registered(ledger, 3, "测试")
    sign_checkpoint(ledger.log, signer, ORIGIN, clock, _no_witnesses(signer))
    stale = Signer(ORIGIN, Ed25519PrivateKey.generate()).verifier.vkey()
    with pytest.raises(ExportError, match="does not verify"):
        export_bundle(ledger.log, ledger.app.recorder, tmp_path / "a", stale)
    (tmp_path / "file").write_text("x")
    with pytest.raises(ExportError, match="not an empty directory"):
        export_bundle(ledger.log, ledger.app.recorder, tmp_path / "file", signer.verifier.vkey())
    (tmp_path / "b.partial").mkdir()
    (tmp_path / "b.partial" / "junk").write_text("left by a crash")
    export_bundle(ledger.log, ledger.app.recorder, tmp_path / "b", signer.verifier.vkey())
    assert not (tmp_path / "b.partial").exists() and not (tmp_path / "b" / "junk").exists()


def test_concurrent_checkpoint_signers_sign_each_size_once(
    ledger: Ledger, settings: Settings, clock: SteppingClock
) -> None:
    import threading

    from ledger.ledger import open_ledger

    signer = log_signer(settings, ORIGIN)
    registered(ledger, 40, "测试")
    results: list[object] = []
    barrier = threading.Barrier(3)

    def run() -> None:
        own = open_ledger(settings)
        try:
            barrier.wait(timeout=30)
            results.append(sign_checkpoint(own.log, signer, ORIGIN, own.clock))
        finally:
            own.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(results) == 3 and sum(r is not None for r in results) == 1
    assert [c.checkpoint.size for c in all_checkpoints(ledger.log)] == [40]


@pytest.mark.parametrize("sig_type", [COSIGNATURE_V1, MLDSA44_COSIGNATURE])
def test_log_key_must_be_a_log_key(settings: Settings, sig_type: int) -> None:
    """A witness key named like the log passes the name check and must fail the type check."""
    skey = Signer.generate(ORIGIN, sig_type).skey()
    settings.log_skey_path.parent.mkdir(parents=True, exist_ok=True)
    settings.log_skey_path.write_text(skey + "\n")
    with pytest.raises(
        LogKeyError, match=re.escape(f"a witness key (type {sig_type:#04x}), not 0x01")
    ):
        load_signer(settings.log_skey_path, ORIGIN)


def test_log_key_named_after_another_origin_is_refused(settings: Settings) -> None:
    settings.log_skey_path.parent.mkdir(parents=True, exist_ok=True)
    settings.log_skey_path.write_text(Signer.generate("other.example/log").skey() + "\n")
    with pytest.raises(LogKeyError, match=re.escape("named 'other.example/log' but the origin")):
        load_signer(settings.log_skey_path, ORIGIN)
