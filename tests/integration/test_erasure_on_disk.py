"""After an erasure, no file of the database holds the subject's data (issue 12, item 5).

The erasure is requested by one data_protection principal and approved by another (issue 13
item 11); the cadre's supervision case is closed first (an open one holds the erasure), and
the batched erasure job compacts the files.

The subject's name, phone and id number are random canaries; the name is put into public rows
(a points book and a supervision case), and the subject's wrapped key and ciphertext are read
from the vault before the erasure. The erasure runs while the rest of a server stays open (the
ledger, log and projection followers, another reader's connection), then the raw bytes of
every file of the database are searched: SQLite's ledger.db, -wal, -shm, -journal; every
relation file of the test schema on PostgreSQL. Each test first finds the canaries in the same
files, so a scan that can't see them can't pass.
"""

from __future__ import annotations

import logging
import os
import secrets
import sqlite3
import stat
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest

from api.cli import main as cli_main
from ledger.clock import SteppingClock
from ledger.db import ensure_schema
from ledger.errors import RuleViolation
from ledger.ledger import Ledger, open_ledger
from ledger.log.follower import LogFollower
from ledger.scrub import ScrubIncomplete
from ledger.settings import Database, Settings, load_settings, parse_database_url
from ledger.supervision.case import Reason, TargetKind
from ledger.supervision.service import Supervision
from projections.base import ERASED_NAME
from projections.erasure import ErasureIncomplete, complete_erasure, run_erasure_job
from projections.follow import ProjectionFollower
from projections.registry import ProjectionSet, open_projections, projections_of
from tests.integration.helpers import DATA_PROTECTION, DATA_PROTECTION_2, SUPERVISION
from tests.integration.points_helpers import TOWNSHIP, points_ready
from tests.integration.projection_helpers import rows_of
from tests.support.principals import enrol

READER = "gongshi-test-reader"  # the application_name of the test's extra connection


def _canaries() -> dict[str, str]:
    tag = secrets.token_hex(8)
    digits = str(int(tag[:12], 16)).rjust(15, "0")[-15:]
    return {"name": f"金丝雀{tag}", "phone": f"139{digits[:8]}", "id_number": f"340{digits}"}


class Erasable:
    """A cadre with a points book and a closed supervision case, and its vault bytes."""

    def __init__(self, ledger: Ledger, clock: SteppingClock) -> None:
        self.personal = _canaries()
        points = points_ready(ledger, clock)
        self.subject = ledger.register_subject(dict(self.personal), "cadre", TOWNSHIP)
        points.open_book(self.subject, "th01", "晋熙镇01村", "principal", TOWNSHIP)
        clock.set(datetime(2023, 2, 1, 9, 0, tzinfo=UTC))
        board = Supervision(ledger)
        case = board.open_case(
            target_kind=TargetKind.CADRE, target=str(self.subject), reason=Reason.COMPLAINT,
            detail="群众投诉", county="taihu", actor=SUPERVISION,
        )  # fmt: skip
        board.talk(case, "约谈", SUPERVISION)
        board.report_rectification(case, "已整改", SUPERVISION)
        board.close(case, "太纪监〔2023〕1号", SUPERVISION)  # an open case would hold the erasure
        found = ledger.db.execute(
            "SELECT wrapped_key, ciphertext FROM gongshi_vault_subjects WHERE subject_id = ?",
            (str(self.subject),),
        )
        self.wrapped_key, self.ciphertext = bytes(found[0][0]), bytes(found[0][1])

    def canaries(self) -> dict[str, bytes]:
        """What must not be on disk after the erasure: UTF-8 text and raw vault bytes."""
        text = {field: value.encode() for field, value in self.personal.items()}
        return {**text, "wrapped_key": self.wrapped_key, "ciphertext": self.ciphertext}


def approved(ledger: Ledger, cadre: Erasable) -> None:
    """The cadre's erasure requested and approved by a second principal."""
    ledger.request_erasure(cadre.subject, "本人申请", DATA_PROTECTION)
    ledger.approve_erasure(cadre.subject, DATA_PROTECTION_2)


def database_files(database: Database) -> dict[str, bytes]:
    """The raw bytes of every file of the database, by path (PostgreSQL: after CHECKPOINT,
    each relation of the test schema, its TOAST table and their indexes, every fork)."""
    if database.kind == "sqlite":
        assert database.sqlite_path is not None
        paths = [database.sqlite_path.with_name(database.sqlite_path.name + suffix)
                 for suffix in ("", "-wal", "-shm", "-journal")]  # fmt: skip
        return {str(p): p.read_bytes() for p in paths if p.exists()}
    with psycopg.connect(database.psycopg_conninfo(), autocommit=True) as conn:
        data = Path(str(conn.execute("SHOW data_directory").fetchone()[0]))  # type: ignore[index]
        if not data.is_dir() or not (data / "PG_VERSION").exists():
            pytest.skip(f"PostgreSQL's data directory {data} is not readable on this machine")
        conn.execute("CHECKPOINT")  # shared buffers to the files
        relations = conn.execute(
            "WITH own AS (SELECT c.oid, c.reltoastrelid FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s)"
            " SELECT pg_relation_filepath(oid) FROM own"
            " UNION SELECT pg_relation_filepath(reltoastrelid) FROM own WHERE reltoastrelid <> 0"
            " UNION SELECT pg_relation_filepath(i.indexrelid) FROM pg_index i"
            " JOIN own ON i.indrelid = own.reltoastrelid",
            (database.schema,),
        ).fetchall()
    files: dict[str, bytes] = {}
    for (relative,) in relations:
        if relative is None:
            continue
        base = data / str(relative)
        for path in [
            base,
            *base.parent.glob(base.name + ".*"),
            *base.parent.glob(base.name + "_*"),
        ]:
            if path.is_file():
                files[str(path)] = path.read_bytes()
    assert files, "no relation file found for the test schema"
    return files


def found_in_files(database: Database, canaries: dict[str, bytes]) -> dict[str, list[str]]:
    """Canary name -> the files whose bytes contain it."""
    files = database_files(database)
    found = {name: [p for p, data in files.items() if value in data]
             for name, value in canaries.items()}  # fmt: skip
    return {name: paths for name, paths in found.items() if paths}


@pytest.fixture
def running(ledger: Ledger, settings: Settings) -> Iterator[ProjectionSet]:
    """What a server keeps open: the log's and the projections' followers (their own
    threads and connections), and a reader's connection that read the vault."""
    projections = open_projections(ledger, settings)
    followers = [LogFollower(ledger.log, 0.05).start(), ProjectionFollower(projections, 0.05)]
    followers[1].start()
    reader = connect_reader(settings.database)
    _read_vault(reader)
    try:
        yield projections
    finally:
        reader.close()
        for follower in followers:
            follower.stop()
        projections.close()


def connect_reader(database: Database) -> Any:
    """Another client's connection (autocommit; PostgreSQL: application_name READER, the
    test schema), as a reader beside the server would hold one."""
    if database.kind == "sqlite":
        return sqlite3.connect(str(database.sqlite_path), isolation_level=None)
    conn = psycopg.connect(database.psycopg_conninfo(), autocommit=True, application_name=READER)
    conn.execute(f'SET search_path TO "{database.schema}"')
    return conn


def _read_vault(conn: Any) -> None:
    conn.execute("SELECT * FROM gongshi_vault_subjects").fetchall()


def test_erasure_leaves_no_canary_in_any_file_while_the_server_runs(
    ledger: Ledger, settings: Settings, clock: SteppingClock, running: ProjectionSet
) -> None:
    cadre = Erasable(ledger, clock)
    canaries = cadre.canaries()
    with projections_of(ledger, settings) as projections:
        ledger.log.integrate()
        projections.catch_up()
        assert {r["name"] for r in rows_of(projections, "points").values()} == {
            cadre.personal["name"]
        }
        before = found_in_files(settings.database, canaries)
        assert {"name", "wrapped_key", "ciphertext"} <= set(before), before

        approved(ledger, cadre)
        recorded = complete_erasure(ledger, projections, cadre.subject)

        assert [r.domain_event.originator_id for r in recorded] == [cadre.subject]
        assert {r["name"] for r in rows_of(projections, "points").values()} == {ERASED_NAME}
        cases = rows_of(projections, "supervision-cases").values()
        assert {r["target_name"] for r in cases} == {ERASED_NAME}
        assert "name" in found_in_files(settings.database, canaries)  # until the job runs
        assert run_erasure_job(ledger, projections).compacted
        assert found_in_files(settings.database, canaries) == {}
        assert not ledger.vault.has_subject(str(cadre.subject))


def test_a_reader_holding_old_rows_is_reported_and_erasing_again_finishes(
    ledger: Ledger, settings: Settings, clock: SteppingClock, running: ProjectionSet
) -> None:
    cadre = Erasable(ledger, clock)
    canaries = {k: v for k, v in cadre.canaries().items() if k in ("name", "wrapped_key")}
    blocker = connect_reader(settings.database)
    try:
        with projections_of(ledger, settings) as projections:
            ledger.log.integrate()
            projections.catch_up()
            assert set(found_in_files(settings.database, canaries)) == {"name", "wrapped_key"}
            # A snapshot taken before the erasure, still open, on a table the erasure never
            # touches: no lock stands in the way, only the snapshot that can see old rows.
            postgres = settings.database.kind == "postgresql"
            blocker.execute("BEGIN ISOLATION LEVEL REPEATABLE READ" if postgres else "BEGIN")
            blocker.execute("SELECT count(*) FROM gongshi_proj_positions").fetchall()
            approved(ledger, cadre)
            with pytest.raises(ErasureIncomplete) as e:
                run_erasure_job(ledger, projections, wait=0.3)
            assert e.value.subjects == str(cadre.subject)
            assert "compacts again on its next run" in str(e.value)
            if postgres:
                assert any(READER in b for b in e.value.blockers), e.value.blockers
            else:
                assert e.value.where.endswith("ledger.db-wal")
            assert not ledger.vault.has_subject(str(cadre.subject))  # recorded and deleted
            assert set(found_in_files(settings.database, canaries)) == {"name", "wrapped_key"}
            blocker.execute("ROLLBACK")

            with pytest.raises(RuleViolation, match="was erased"):
                ledger.request_erasure(cadre.subject, "again", DATA_PROTECTION)
            assert run_erasure_job(ledger, projections).compacted  # the next run finishes
            assert found_in_files(settings.database, canaries) == {}
    finally:
        blocker.close()


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_sqlite_erasure_refused_before_erasing_when_secure_delete_is_off(
    ledger: Ledger, settings: Settings
) -> None:
    subject = ledger.register_subject({"name": "钱七"}, "cadre", TOWNSHIP)
    ledger.db.execute("PRAGMA secure_delete = OFF")
    refused = pytest.raises(ScrubIncomplete, match="secure_delete is off")
    ledger.request_erasure(subject, "本人申请", DATA_PROTECTION)
    ledger.approve_erasure(subject, DATA_PROTECTION_2)
    with projections_of(ledger, settings) as projections, refused:
        complete_erasure(ledger, projections, subject)
    assert ledger.vault.has_subject(str(subject))
    assert not ledger.require_subject(subject).erased


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_sqlite_connections_of_every_thread_delete_securely(ledger: Ledger) -> None:
    found: list[object] = []
    thread = threading.Thread(
        target=lambda: found.append(ledger.db.execute("PRAGMA secure_delete"))
    )
    thread.start()
    thread.join()
    assert found == [[(1,)]]
    assert ledger.db.execute("PRAGMA secure_delete") == [(1,)]


# File modes: everything under GONGSHI_HOME is the owner's alone (0700 / 0600).


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The common umask 022, under which a plain create is 0644 / 0755."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _modes(home: Path) -> dict[str, str]:
    found = {".": oct(stat.S_IMODE(home.stat().st_mode))}
    for path in sorted(home.rglob("*")):
        found[str(path.relative_to(home))] = oct(stat.S_IMODE(path.stat().st_mode))
    return found


def test_fresh_home_after_keys_init_and_writes_is_0700_and_0600(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loose_umask: None
) -> None:
    home = tmp_path / "fresh" / "home"
    monkeypatch.setenv("GONGSHI_HOME", str(home))
    for name in ("GONGSHI_DATABASE_URL", "GONGSHI_VAULT_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert cli_main(["keys", "init", "--witness", "finance"]) == 0
    ledger = open_ledger(load_settings())
    try:
        enrol(ledger, TOWNSHIP)
        ledger.register_subject({"name": "钱七"}, "cadre", TOWNSHIP)
        modes = _modes(home)  # while the ledger is open: -wal and -shm exist
    finally:
        ledger.close()
    assert {"ledger.db", "ledger.db-wal", "ledger.db-shm", "keys/vault.key"} <= set(modes)
    dirs = {name for name in modes if (home / name).is_dir()}
    assert {name: mode for name, mode in modes.items() if name in dirs and mode != "0o700"} == {}
    assert {
        name: mode for name, mode in modes.items() if name not in dirs and mode != "0o600"
    } == {}
    assert oct(stat.S_IMODE(home.parent.stat().st_mode)) == "0o700"  # created missing: ours


def test_existing_database_files_with_loose_modes_are_tightened_with_a_warning(
    tmp_path: Path, loose_umask: None, caplog: pytest.LogCaptureFixture
) -> None:
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    for name in ("ledger.db", "ledger.db-wal"):
        (home / name).touch(mode=0o644)
    database = parse_database_url(f"sqlite:///{home / 'ledger.db'}")
    with caplog.at_level(logging.WARNING, logger="ledger.files"):
        ensure_schema(database)
    assert oct(stat.S_IMODE((home / "ledger.db").stat().st_mode)) == "0o600"
    assert oct(stat.S_IMODE((home / "ledger.db-wal").stat().st_mode)) == "0o600"
    # A directory that existed is the operator's choice: reported, not changed.
    assert oct(stat.S_IMODE(home.stat().st_mode)) == "0o755"
    text = caplog.text
    assert "ledger.db had mode 644: tightened to 600" in text
    assert "ledger.db-wal had mode 644" in text
    assert f"{home} has mode 755" in text
