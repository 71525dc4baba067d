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


def test_tls_and_connection_parameters_reach_every_connection() -> None:
    from psycopg.conninfo import conninfo_to_dict

    db = parse_database_url(
        "postgresql://alice:pw@db:5432/ledger?schema=s&sslmode=verify-full"
        "&sslrootcert=/etc/ca.pem&sslcert=/c.pem&sslkey=/k.pem&application_name=w1"
        "&connect_timeout=3"
    )
    ours = db.pool_kwargs()
    theirs = conninfo_to_dict(db.eventsourcing_env()["GONGSHI_POSTGRES_PARAMS"])
    direct = conninfo_to_dict(db.psycopg_conninfo())
    for given in (ours, theirs, direct):
        assert given["sslmode"] == "verify-full" and given["sslrootcert"] == "/etc/ca.pem"
        assert (given["sslcert"], given["sslkey"]) == ("/c.pem", "/k.pem")
        assert (given["application_name"], given["connect_timeout"]) == ("w1", "3")
    assert "search_path=s" in ours["options"] and "lock_timeout=10000" in ours["options"]
    assert "password" not in theirs  # eventsourcing gets it as POSTGRES_PASSWORD


def test_defaults_bound_the_connect_and_name_the_application() -> None:
    params = parse_database_url("postgresql://u@h/d").connect_params()
    assert (params["connect_timeout"], params["application_name"]) == ("5", "gongshi")


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("postgresql://u:hunter2@h/d?sslmod=require", "sslmod"),
        ("postgresql://u:hunter2@h/d?schema=s&options=-c%20x%3D1&foo=1", "foo, options"),
        ("postgresql://u:hunter2@h/d?password=x", "password"),
        ("postgresql://u:hunter2@h/d?sslmode=require&sslmode=disable", "given twice"),
        ("postgresql://u:hunter2@h/d?sslmode=sometimes", "sslmode='sometimes'"),
        ("postgresql://u:hunter2@h/d?connect_timeout=0", "connect_timeout"),
        ("postgresql://u:hunter2@h:99999/d", "99999"),
        ("mysql://u:hunter2@h/d", "scheme"),
    ],
)
def test_bad_query_parameters_are_named_without_the_password(url: str, named: str) -> None:
    with pytest.raises(ConfigError) as refused:
        parse_database_url(url)
    assert named in str(refused.value)
    assert "hunter2" not in str(refused.value)


def test_no_password_in_reprs() -> None:
    from api.settings import ServerSettings

    db = parse_database_url("postgresql://alice:hunter2@h/d")
    assert "hunter2" not in repr(db) and "hunter2" not in db.display()
    server = ServerSettings(database_url="postgresql://alice:hunter2@h/d")  # type: ignore[arg-type]
    assert "hunter2" not in repr(server)
    assert server.ledger_settings().database.password == "hunter2"


def test_pool_settings() -> None:
    settings = load_settings({
        "GONGSHI_HOME": "/tmp/gh", "GONGSHI_DATABASE_URL": "postgresql://u@h/d",
        "GONGSHI_DB_POOL_SIZE": "40", "GONGSHI_DB_POOL_TIMEOUT": "2.5",
        "GONGSHI_DB_LOCK_TIMEOUT": "7",
    })  # fmt: skip
    db = settings.database
    assert (db.pool_size, db.pool_timeout, db.lock_timeout) == (40, 2.5, 7.0)
    env = db.eventsourcing_env()
    assert int(env["POSTGRES_POOL_SIZE"]) + int(env["POSTGRES_MAX_OVERFLOW"]) == 40
    assert env["POSTGRES_PRE_PING"] == "y" and env["POSTGRES_LOCK_TIMEOUT"] == "7"
    assert env["POSTGRES_CONNECT_TIMEOUT"] == "3"  # eventsourcing's name for the pool wait
    lite = load_settings({"GONGSHI_HOME": "/tmp/gh", "GONGSHI_DB_LOCK_TIMEOUT": "4"}).database
    assert lite.eventsourcing_env()["SQLITE_LOCK_TIMEOUT"] == "4"
    assert lite.eventsourcing_env()["GONGSHI_SQLITE_POOL_TIMEOUT"] == "4.0"
    refused = [("GONGSHI_DB_POOL_SIZE", "1"), ("GONGSHI_DB_POOL_SIZE", "x"),
               ("GONGSHI_DB_POOL_TIMEOUT", "0"), ("GONGSHI_DB_LOCK_TIMEOUT", "999")]  # fmt: skip
    for name, value in refused:
        with pytest.raises(ConfigError, match=name):
            load_settings({"GONGSHI_HOME": "/tmp/gh", name: value})


def test_server_pool_holds_threads_and_background_workers() -> None:
    from api.settings import BACKGROUND_CONNECTIONS, ServerSettings

    assert ServerSettings(threads=16).pool_size() == 24
    assert ServerSettings(threads=64).pool_size() == 64 + BACKGROUND_CONNECTIONS
    assert ServerSettings(threads=64, db_pool_size=10).pool_size() == 10


def test_settings_repr_never_shows_the_vault_key() -> None:
    key = "ab" * 32
    settings = load_settings({"GONGSHI_HOME": "/tmp/gh", "GONGSHI_VAULT_KEY": key})
    assert settings.vault_key_hex == key
    assert key not in repr(settings) and key not in str(settings)


def test_pool_size_leaves_room_for_two_connections_beside_the_background_threads() -> None:
    """A projection step (and the erasure route) holds a pooled connection while its vault
    reads borrow a second one; the followers, scheduler and submitter hold one each."""
    from ledger.settings import BACKGROUND_USERS, MIN_POOL_SIZE

    assert MIN_POOL_SIZE >= BACKGROUND_USERS + 2
    base = {"GONGSHI_HOME": "/tmp/gh", "GONGSHI_DATABASE_URL": "postgresql://u@h/d"}
    with pytest.raises(ConfigError, match="GONGSHI_DB_POOL_SIZE"):
        load_settings({**base, "GONGSHI_DB_POOL_SIZE": str(MIN_POOL_SIZE - 1)})
    smallest = load_settings({**base, "GONGSHI_DB_POOL_SIZE": str(MIN_POOL_SIZE)})
    assert smallest.database.pool_size == MIN_POOL_SIZE
