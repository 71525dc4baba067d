"""Issue 12 item 6: ``gongshi keys init`` on a ledger that holds data made new keys when
keys/ was missing (new keys can't decrypt the vault nor continue the log's signatures). It
refuses now, writes nothing and says to restore the keys from the backup; on an empty
database it makes them as before."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ledger.actor import Actor, Role
from ledger.ledger import open_ledger
from ledger.settings import Database, Settings
from tests.integration.test_cli_demo import _gongshi

# The log's mechanics over any records: no registry, actors not checked (tests/conftest.py).
pytestmark = pytest.mark.registry("unchecked")


def _env(home: Path, database: Database) -> dict[str, str]:
    env = {**os.environ, "GONGSHI_HOME": str(home), "GONGSHI_DATABASE_URL": database.url}
    env.pop("GONGSHI_VAULT_KEY", None)
    return env


def _populated(home: Path, database: Database, checkpoint: bool) -> None:
    """keys init on the empty ledger, one subject registered (a record and a vault row) and,
    with ``checkpoint``, a signed checkpoint."""
    made = _gongshi(["keys", "init"], _env(home, database))
    assert made.returncode == 0, made.stderr
    ledger = open_ledger(Settings(home=home, database=database, vault_key_hex=None))
    ledger.app.enforce_principals = False  # as pytestmark says: the log's mechanics
    try:
        ledger.register_subject({"name": "欧阳娜娜"}, "worker", Actor("intake-01", Role.INTAKE))
    finally:
        ledger.close()
    if checkpoint:
        signed = _gongshi(["checkpoint"], _env(home, database))
        assert signed.returncode == 0, signed.stderr


@pytest.mark.parametrize("lost", ["keys", "vault.key", "log.skey"])
def test_keys_init_refuses_on_a_populated_ledger(
    lost: str, database: Database, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    _populated(home, database, checkpoint=lost == "log.skey")
    keys = home / "keys"
    if lost == "keys":
        for path in keys.iterdir():
            path.unlink()
        keys.rmdir()
    else:
        (keys / lost).unlink()
    before = sorted(p.name for p in keys.iterdir()) if keys.exists() else None
    refused = _gongshi(["keys", "init", "--witness", "finance"], _env(home, database))
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert refused.stdout == ""
    assert "refused" in refused.stderr and "Restore the keys directory" in refused.stderr
    assert "from your backup" in refused.stderr and "Nothing was written" in refused.stderr
    assert "records" in refused.stderr and "vault subjects" in refused.stderr
    assert ("signed checkpoints" in refused.stderr) == (lost == "log.skey")
    assert "Traceback" not in refused.stderr
    after = sorted(p.name for p in keys.iterdir()) if keys.exists() else None
    assert after == before  # no key written, not even the witness's
    assert not (home / "policy").exists()


def test_keys_init_on_a_populated_ledger_with_its_keys_changes_nothing(
    database: Database, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    _populated(home, database, checkpoint=False)
    keys = {p.name: p.read_bytes() for p in (home / "keys").iterdir()}
    again = _gongshi(["keys", "init"], _env(home, database))
    assert again.returncode == 0, again.stderr
    assert "vault master key exists" in again.stdout and "log key exists" in again.stdout
    assert {p.name: p.read_bytes() for p in (home / "keys").iterdir()} == keys


def test_keys_init_on_an_empty_database_creates_the_keys(
    database: Database, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    made = _gongshi(["keys", "init"], _env(home, database))
    assert made.returncode == 0, made.stderr
    assert "created vault master key" in made.stdout
    assert {p.name for p in (home / "keys").iterdir()} == {"vault.key", "log.skey", "log.vkey"}
    if database.sqlite_path is not None:
        assert not database.sqlite_path.exists()  # asking what it holds created nothing


def test_keys_init_with_the_vault_key_in_the_environment_writes_no_key_file(
    database: Database, tmp_path: Path
) -> None:
    """GONGSHI_VAULT_KEY wins over the file: a file key beside it would be a second, unused
    key that a later run without the variable would take for the vault's."""
    home = tmp_path / "home"
    env = {**_env(home, database), "GONGSHI_VAULT_KEY": "11" * 32}
    made = _gongshi(["keys", "init"], env)
    assert made.returncode == 0, made.stderr
    assert "GONGSHI_VAULT_KEY (no key file written)" in made.stdout
    assert not (home / "keys" / "vault.key").exists()
