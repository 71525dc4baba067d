"""gongshi check finds every change to a stored event and names the record (both backends)."""

from __future__ import annotations

import io
import os
from contextlib import redirect_stdout
from typing import Any
from unittest import mock

import pytest

from api.cli import main
from ledger.check import check_store
from ledger.ledger import Ledger
from ledger.settings import Database, Settings
from tests.integration.helpers import INTAKE, disbursed, funded
from tests.integration.store_access import delete, rows, update

# The log's mechanics over any records: no registry, actors not checked (tests/conftest.py).
pytestmark = pytest.mark.registry("unchecked")


def _filled(ledger: Ledger) -> None:
    fund = funded(ledger)
    case = disbursed(fund)
    fund.follow_up(case, "2023-03-01", "stable", "回访", INTAKE)


def _first_break(ledger: Ledger) -> Any:
    report = check_store(ledger.app.recorder)
    assert not report.ok, "tampering was not detected"
    return report.breaks[0]


def _target(database: Database) -> tuple[int, str, int, str, bytes]:
    """A record in the middle of a stream: the application's approval."""
    return next(r for r in rows(database) if r[3] == "carefund.ApplicationApproved")


def test_untouched_store_checks_ok(ledger: Ledger) -> None:
    _filled(ledger)
    report = check_store(ledger.app.recorder)
    assert report.ok and report.records == len(rows(ledger.db.database))
    assert report.streams == 3  # fund year, subject, application


def test_every_single_byte_flip_in_state_is_detected(ledger: Ledger, settings: Settings) -> None:
    _filled(ledger)
    nid, stream, version, _, state = _target(settings.database)
    for offset in range(len(state)):
        flipped = bytearray(state)
        flipped[offset] ^= 0x01
        update(settings.database, nid, state=bytes(flipped))
        brk = _first_break(ledger)
        assert (brk.stream, brk.version) == (stream, version), f"offset {offset}: {brk}"
    update(settings.database, nid, state=state)
    assert check_store(ledger.app.recorder).ok


def test_changed_amount_in_record_is_hash_mismatch(ledger: Ledger, settings: Settings) -> None:
    _filled(ledger)
    nid, stream, version, _, state = _target(settings.database)
    update(
        settings.database, nid, state=state.replace(b'"amount_fen":50000', b'"amount_fen":90000')
    )
    brk = _first_break(ledger)
    assert (brk.stream, brk.version, brk.reason) == (stream, version, "record hash mismatch")
    assert brk.expected == state[:64].decode() and brk.computed != brk.expected


def test_rehashed_forged_record_breaks_the_next_link(ledger: Ledger, settings: Settings) -> None:
    import hashlib

    _filled(ledger)
    nid, stream, version, _, state = _target(settings.database)
    record = state[65:].replace(b'"amount_fen":50000', b'"amount_fen":90000')
    forged = hashlib.sha256(record).hexdigest().encode() + b"\n" + record
    update(settings.database, nid, state=forged)
    brk = _first_break(ledger)
    assert (brk.stream, brk.version, brk.reason) == (stream, version + 1, "prev mismatch")


def test_changed_topic_is_detected(ledger: Ledger, settings: Settings) -> None:
    _filled(ledger)
    nid, stream, version, _, _ = _target(settings.database)
    update(settings.database, nid, topic="carefund.ApplicationRejected")
    brk = _first_break(ledger)
    assert (brk.stream, brk.version) == (stream, version)
    assert "type" in brk.reason


def test_changed_version_column_is_detected(ledger: Ledger, settings: Settings) -> None:
    _filled(ledger)
    nid, stream, version, _, _ = _target(settings.database)
    update(settings.database, nid, originator_version=version + 100)
    brk = _first_break(ledger)
    assert brk.stream == stream and "version" in brk.reason


def test_deleted_middle_record_is_a_version_gap(ledger: Ledger, settings: Settings) -> None:
    _filled(ledger)
    nid, stream, version, _, _ = _target(settings.database)
    delete(settings.database, nid)
    brk = _first_break(ledger)
    assert (brk.stream, brk.version, brk.reason) == (stream, version + 1, "version gap")


def test_swapped_records_are_detected(ledger: Ledger, settings: Settings) -> None:
    _filled(ledger)
    nid, stream, version, _, state = _target(settings.database)
    after = next(r for r in rows(settings.database) if r[1] == stream and r[2] == version + 1)
    update(settings.database, nid, state=after[4])
    update(settings.database, after[0], state=state)
    brk = _first_break(ledger)
    assert (brk.stream, brk.version) == (stream, version)


def test_cli_check_exits_1_naming_the_record(ledger: Ledger, settings: Settings) -> None:
    _filled(ledger)
    env = {"GONGSHI_DATABASE_URL": settings.database.url, "GONGSHI_HOME": str(settings.home)}
    with mock.patch.dict(os.environ, env):
        out = io.StringIO()
        with redirect_stdout(out):
            assert main(["check"]) == 0
        assert out.getvalue().startswith("OK: ")
        nid, stream, version, _, state = _target(settings.database)
        update(settings.database, nid, state=state.replace(b"union-01", b"union-09"))
        out = io.StringIO()
        with redirect_stdout(out):
            assert main(["check"]) == 1
    text = out.getvalue()
    assert f"BROKEN: 流 {stream} 第 {version} 版：record hash mismatch" in text
    assert f"应为 {state[:64].decode()}" in text


@pytest.mark.parametrize("column", ["originator_id"])
def test_moved_record_to_another_stream_is_detected(
    ledger: Ledger, settings: Settings, column: str
) -> None:
    _filled(ledger)
    nid = _target(settings.database)[0]
    other = "00000000-0000-4000-8000-0000000000ff"
    update(settings.database, nid, **{column: other})
    report = check_store(ledger.app.recorder)
    assert not report.ok
    assert any(b.stream == other and "stream" in b.reason for b in report.breaks)


def test_respelled_stream_id_is_detected(ledger: Ledger, settings: Settings) -> None:
    """SQLite keeps the id as text: upper case or braces parse to the same UUID."""
    if settings.database.kind != "sqlite":
        pytest.skip("PostgreSQL stores a uuid column: it has one spelling")
    _filled(ledger)
    nid, stream, version, _, _ = _target(settings.database)
    from tests.integration.store_access import update_raw_stream

    for spelling in (stream.replace("-", "").upper(), "{" + stream + "}"):
        update_raw_stream(settings.database, nid, spelling)
        report = check_store(ledger.app.recorder, database=settings.database)
        assert not report.ok
        assert any("32 lower-case hex" in b.reason and b.version == version for b in report.breaks)


def test_deleted_last_record_of_a_stream_is_a_notification_gap(
    ledger: Ledger, settings: Settings
) -> None:
    if settings.database.kind != "sqlite":
        pytest.skip("PostgreSQL ids may have gaps; the Merkle log anchors stream heads")
    _filled(ledger)
    fund_rows = [r for r in rows(settings.database) if r[3].startswith("carefund.Contribution")]
    delete(settings.database, fund_rows[-1][0])
    report = check_store(ledger.app.recorder, database=settings.database)
    assert [b.reason for b in report.breaks][:1] == [
        "notification id gap: stored records were deleted before this one"
    ]


def test_unparseable_record_is_reported_not_crashing(ledger: Ledger, settings: Settings) -> None:
    _filled(ledger)
    nid, stream, version, _, state = _target(settings.database)
    for junk in (b'{"a":' + b"9" * 5000 + b"}", b"[" * 50_000):
        update(settings.database, nid, state=state[:65] + junk)
        brk = _first_break(ledger)
        assert (brk.stream, brk.version) == (stream, version)
        assert brk.reason.startswith("malformed stored record")
