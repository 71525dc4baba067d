"""The log re-derivation (ledger/log/rederive.py) names each kind of tampering, on both backends.

On PostgreSQL the record chains can't see a deleted last record of a stream (notification ids
may have gaps there): the re-derivation is the only control, so each of its mismatch paths
has a test here, named after the tampering, asserting the exact evidence it reports.
"""

from __future__ import annotations

import hashlib
import io
import os
from contextlib import redirect_stdout
from unittest import mock
from uuid import UUID

import pytest

from api.cli import main
from ledger.check import check_store
from ledger.clock import SteppingClock
from ledger.db import SqlDatabase
from ledger.ledger import Ledger
from ledger.log.checkpoints import sign_checkpoint
from ledger.log.keys import create_log_key, load_signer
from ledger.log.rederive import rederive_log
from ledger.log.store import tile_key
from ledger.settings import Settings
from tests.integration.helpers import INTAKE, erase
from tests.integration.store_access import delete, rows, update
from tests.support.rfc9162 import mth
from verify.merkle import leaf_hash

# The log's mechanics over any records: no registry, actors not checked (tests/conftest.py).
pytestmark = pytest.mark.registry("unchecked")

ORIGIN = "gongshi.example/test"


def _subjects(ledger: Ledger, names: list[str]) -> list[UUID]:
    """Register one subject per name; returns their stream ids."""
    return [ledger.register_subject({"name": n}, "worker", INTAKE) for n in names]


def _leaf_data(settings: Settings) -> list[bytes]:
    return [state[65:] for *_, state in rows(settings.database)]


def _root_hex(settings: Settings) -> str:
    """The RFC 9162 root of the stored records, by the naive reference."""
    return mth(_leaf_data(settings)).hex()


def _root_over_leaf_hashes(hashes: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 over given leaf hashes (a tampered tile's)."""
    if len(hashes) == 1:
        return hashes[0]
    k = 1 << ((len(hashes) - 1).bit_length() - 1)
    left, right = _root_over_leaf_hashes(hashes[:k]), _root_over_leaf_hashes(hashes[k:])
    return hashlib.sha256(b"\x01" + left + right).digest()


def _audit(ledger: Ledger) -> list[str]:
    return rederive_log(ledger.log, ledger.app.recorder)


def _sign(ledger: Ledger, settings: Settings, clock: SteppingClock) -> None:
    create_log_key(settings.log_skey_path, settings.log_vkey_path, ORIGIN)
    assert sign_checkpoint(ledger.log, load_signer(settings.log_skey_path, ORIGIN), ORIGIN, clock)


def _rewrite(settings: Settings, notification: int, old: bytes, new: bytes) -> None:
    """Rewrite a stored record and recompute its stored hash (what a careful forger does)."""
    state = next(r[4] for r in rows(settings.database) if r[0] == notification)
    record = state[65:].replace(old, new)
    assert record != state[65:]
    update(settings.database, notification, state=hashlib.sha256(record).hexdigest().encode()
           + b"\n" + record)  # fmt: skip


def test_audit_of_an_untouched_log_finds_nothing(
    ledger: Ledger, settings: Settings, clock: SteppingClock
) -> None:
    _subjects(ledger, ["甲", "乙", "丙"])
    _sign(ledger, settings, clock)
    _subjects(ledger, ["丁"])
    ledger.log.integrate()
    assert _audit(ledger) == []


def test_audit_names_a_deleted_last_record_of_a_stream(ledger: Ledger, settings: Settings) -> None:
    erased, *_ = _subjects(ledger, ["甲", "乙"])
    erase(ledger, erased, "申请删除")  # the last record of its stream ...
    _subjects(ledger, ["丙", "丁"])  # ... with later records after it
    ledger.log.integrate()
    assert _audit(ledger) == []
    stored = rows(settings.database)
    leaf, (notification, *_) = next(
        (i, r) for i, r in enumerate(stored) if r[3] == "subject.Erased"
    )
    delete(settings.database, notification)
    if settings.database.kind == "postgres":  # no chain breaks and ids may have gaps: only
        assert check_store(ledger.app.recorder, database=settings.database).ok  # the log sees it
    assert _audit(ledger) == [
        f"leaf {leaf}: log has notification {notification}, store has {stored[leaf + 1][0]}"
    ]


def test_audit_names_the_deleted_newest_record(ledger: Ledger, settings: Settings) -> None:
    _subjects(ledger, ["甲", "乙", "丙"])
    ledger.log.integrate()
    delete(settings.database, rows(settings.database)[-1][0])
    assert _audit(ledger) == ["log size 3, records up to its position: 2"]


def test_audit_names_a_log_size_rolled_back_to_hide_the_newest_record(
    ledger: Ledger, settings: Settings
) -> None:
    _subjects(ledger, ["甲", "乙", "丙"])
    ledger.log.integrate()
    db = SqlDatabase(settings.database)
    try:
        db.execute("UPDATE gongshi_log_state SET size = 2 WHERE id = 1")
    finally:
        db.close()
    newest = rows(settings.database)[-1][0]
    assert _audit(ledger) == [f"leaf 2: log has notification None, store has {newest}"]


def test_audit_names_a_leaf_whose_data_no_longer_matches(
    ledger: Ledger, settings: Settings
) -> None:
    _subjects(ledger, ["甲", "乙", "丙"])
    ledger.log.integrate()
    logged = _root_hex(settings)
    _rewrite(settings, rows(settings.database)[1][0], b'"kind":"worker"', b'"kind":"donor"')
    assert _audit(ledger) == [f"log root {logged}, records give {_root_hex(settings)}"]


def test_audit_names_the_checkpoints_a_rewritten_leaf_falls_under(
    ledger: Ledger, settings: Settings, clock: SteppingClock
) -> None:
    _subjects(ledger, ["甲", "乙"])
    _sign(ledger, settings, clock)  # size 2: before the rewritten leaf, still matches
    _subjects(ledger, ["丙", "丁"])
    _sign(ledger, settings, clock)  # size 4: includes it
    signed = _root_hex(settings)
    _rewrite(settings, rows(settings.database)[2][0], b'"kind":"worker"', b'"kind":"donor"')
    recomputed = _root_hex(settings)
    assert _audit(ledger) == [
        f"checkpoint 4: signed root {signed}, records give {recomputed}",
        f"log root {signed}, records give {recomputed}",
    ]


def test_audit_names_a_malformed_stored_state(ledger: Ledger, settings: Settings) -> None:
    _subjects(ledger, ["甲", "乙", "丙"])
    ledger.log.integrate()
    logged = _root_hex(settings)
    notification, *_, state = rows(settings.database)[1]
    update(settings.database, notification, state=state.replace(b"\n", b" ", 1))
    problems = _audit(ledger)
    assert problems[0] == "leaf 1: stored state malformed (byte 64 is 0x20, expected 0x0a (LF))"
    assert problems[1].startswith(f"log root {logged}, records give ")
    assert len(problems) == 2


def test_audit_names_a_stored_tile_hash_changed(ledger: Ledger, settings: Settings) -> None:
    _subjects(ledger, ["甲", "乙", "丙"])
    ledger.log.integrate()
    true_root = _root_hex(settings)
    db = SqlDatabase(settings.database)
    try:
        key = tile_key(0, 0)
        sql = "SELECT hashes FROM gongshi_log_tiles WHERE id = ?"
        hashes = bytearray(db.execute(sql, (key,))[0][0])
        hashes[32 + 7] ^= 0x01  # leaf 1's hash, one bit
        db.execute("UPDATE gongshi_log_tiles SET hashes = ? WHERE id = ?", (bytes(hashes), key))
    finally:
        db.close()
    leaves = [bytes(hashes[i : i + 32]) for i in range(0, len(hashes), 32)]
    assert leaves[0] == leaf_hash(_leaf_data(settings)[0])  # the tile holds the leaf hashes
    tampered_root = _root_over_leaf_hashes(leaves).hex()
    assert _audit(ledger) == [f"log root {tampered_root}, records give {true_root}"]


def test_cli_check_exits_1_on_a_deleted_last_record_of_a_stream(
    ledger: Ledger, settings: Settings
) -> None:
    erased, *_ = _subjects(ledger, ["甲", "乙"])
    erase(ledger, erased, "申请删除")
    _subjects(ledger, ["丙"])
    ledger.log.integrate()
    # The erased stream's last record (request, approval, then the erasure itself).
    leaf, notification = next(
        (i, r[0]) for i, r in enumerate(rows(settings.database)) if r[3] == "subject.Erased"
    )
    assert leaf == 4  # 甲, 乙, ErasureRequested, ErasureApproved, Erased: 丙 comes after it
    delete(settings.database, notification)
    env = {"GONGSHI_DATABASE_URL": settings.database.url, "GONGSHI_HOME": str(settings.home)}
    out = io.StringIO()
    with mock.patch.dict(os.environ, env), redirect_stdout(out):
        assert main(["check"]) == 1
    assert f"LOG BROKEN: leaf {leaf}: log has notification {notification}," in out.getvalue()
