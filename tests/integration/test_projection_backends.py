"""The same records give the same digests on SQLite and PostgreSQL (docs/FORMAT.md §8: the
digest is independent of the database)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ledger.clock import SteppingClock
from ledger.demo.ids import seeded_ids
from ledger.ledger import open_ledger
from ledger.settings import Database, Settings
from tests.integration.projection_helpers import projected
from tests.integration.random_history import RandomHistory
from tests.integration.test_published_crosscheck import fixed_operations

# The random history writes no routine-assessment records (issue 14) and no postings or
# objections (issue 15): those lists stay empty.
UNFED = ("lectures", "assessment-loops", "mentoring-pairs", "training-classes", "postings",
         "objections")  # fmt: skip
EMPTY = hashlib.sha256(b"").hexdigest()  # the digest of a list without rows


def _digests(database: Database, home: Path) -> dict[str, str]:
    settings = Settings(home, database, secrets.token_hex(32))
    clock = SteppingClock(datetime(2023, 3, 1, 9, 0, tzinfo=UTC), timedelta(minutes=1))
    ledger = open_ledger(settings, clock=clock, new_id=seeded_ids(11))
    try:
        RandomHistory(ledger, clock).apply(fixed_operations(80, seed=11))
        projections = projected(ledger, settings, batch=13)
        return {s.name: s.digest for s in projections.status()}
    finally:
        ledger.close()


@pytest.mark.postgres
def test_sqlite_and_postgresql_give_the_same_digests(
    sqlite_database: Database, pg_database: Database, tmp_path: Path
) -> None:
    on_sqlite = _digests(sqlite_database, tmp_path / "a")
    fed = {name: digest for name, digest in on_sqlite.items() if name not in UNFED}
    assert len(set(fed.values())) == len(fed) and EMPTY not in fed.values()  # all different
    assert {on_sqlite[name] for name in UNFED} == {EMPTY}
    assert _digests(pg_database, tmp_path / "b") == on_sqlite
