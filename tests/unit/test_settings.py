"""Configuration: one place translates GONGSHI_* to eventsourcing's settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.settings import ConfigError, load_settings, parse_database_url


def test_default_is_sqlite_under_home() -> None:
    settings = load_settings({"GONGSHI_HOME": "/tmp/gh"})
    assert settings.database.kind == "sqlite"
    assert settings.database.sqlite_path == Path("/tmp/gh/ledger.db")
    env = settings.database.eventsourcing_env()
    assert env["PERSISTENCE_MODULE"] == "ledger.factories:SQLiteFactory"
    assert env["SQLITE_DBNAME"] == "/tmp/gh/ledger.db"


def test_postgres_url_translated_without_db_functions() -> None:
    db = parse_database_url("postgresql://alice:s%40cret@db.local:6543/ledger?schema=anqing")
    env = db.eventsourcing_env()
    assert env["PERSISTENCE_MODULE"] == "ledger.factories:PostgresFactory"
    assert (env["POSTGRES_HOST"], env["POSTGRES_PORT"], env["POSTGRES_DBNAME"]) == (
        "db.local",
        "6543",
        "ledger",
    )
    assert (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"]) == ("alice", "s@cret")
    assert env["POSTGRES_SCHEMA"] == "anqing"
    assert not any("DB_FUNCTIONS" in k for k in env)


@pytest.mark.parametrize(
    "url",
    ["mysql://x/y", "sqlite:///", "postgresql://host:5432/", "postgresql://h/db?schema=Bad-Name"],
)
def test_bad_urls_rejected(url: str) -> None:
    with pytest.raises(ConfigError):
        parse_database_url(url)


def test_password_with_quote_and_space_is_escaped() -> None:
    from psycopg.conninfo import conninfo_to_dict

    db = parse_database_url("postgresql://bob:it%27s%20secret@h:5432/d")
    assert conninfo_to_dict(db.psycopg_conninfo())["password"] == "it's secret"


def test_process_environment_does_not_reach_the_store(monkeypatch: pytest.MonkeyPatch) -> None:
    from ledger.app import LedgerApp

    monkeypatch.setenv("GONGSHI_SQLITE_DBNAME", "/tmp/elsewhere.db")
    monkeypatch.setenv("POSTGRES_ENABLE_DB_FUNCTIONS", "y")
    env = LedgerApp.construct_env(LedgerApp.__new__(LedgerApp), "gongshi", {"A": "1"})
    assert dict(env) == {"A": "1"}
