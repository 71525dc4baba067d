"""GONGSHI_READ_DATABASE_URL: a PostgreSQL streaming replica of a PostgreSQL primary."""

from __future__ import annotations

import pytest

from api.settings import ServerSettings
from ledger.settings import ConfigError, load_settings

PRIMARY = "postgresql://ledger:pw@primary.local/gongshi?schema=anqing"


def test_unset_reads_from_the_primary() -> None:
    assert load_settings({"GONGSHI_DATABASE_URL": PRIMARY}).read_database is None


def test_the_replica_takes_the_primary_schema_and_a_name_of_its_own() -> None:
    settings = load_settings({
        "GONGSHI_DATABASE_URL": PRIMARY,
        "GONGSHI_READ_DATABASE_URL": "postgresql://reader:s3cret@replica.local:5433/gongshi",
        "GONGSHI_DB_POOL_SIZE": "30",
        "GONGSHI_DB_POOL_TIMEOUT": "2",
    })  # fmt: skip
    read = settings.read_database
    assert read is not None
    assert (read.kind, read.host, read.port, read.user) == ("postgresql", "replica.local", 5433,
                                                            "reader")  # fmt: skip
    assert read.schema == "anqing"
    assert read.connect_params()["application_name"] == "gongshi-read"
    assert (read.pool_size, read.pool_timeout) == (30, 2.0)
    assert "s3cret" not in repr(settings)
    assert settings.database.connect_params()["application_name"] == "gongshi"


def test_the_replica_url_may_name_its_schema_and_application_name() -> None:
    read = load_settings({
        "GONGSHI_DATABASE_URL": PRIMARY,
        "GONGSHI_READ_DATABASE_URL":
            "postgresql://r@replica/gongshi?schema=other&application_name=web-read",
    }).read_database  # fmt: skip
    assert read is not None
    assert (read.schema, read.connect_params()["application_name"]) == ("other", "web-read")


@pytest.mark.parametrize(
    ("primary", "read", "said"),
    [
        (PRIMARY, "sqlite:///tmp/replica.db", "not SQLite"),
        (PRIMARY, "mysql://r@replica/db", "GONGSHI_READ_DATABASE_URL: "),
        (PRIMARY, "postgresql://r:pw@replica:99999/db", "GONGSHI_READ_DATABASE_URL: "),
        (PRIMARY, "postgresql://r@replica/db?bogus=1", "bogus"),
        ("sqlite:///tmp/ledger.db", "postgresql://r@replica/db", "needs a PostgreSQL primary"),
    ],
)
def test_refused_with_the_setting_named(primary: str, read: str, said: str) -> None:
    env = {"GONGSHI_DATABASE_URL": primary, "GONGSHI_READ_DATABASE_URL": read}
    with pytest.raises(ConfigError, match="GONGSHI_READ_DATABASE_URL") as refused:
        load_settings(env)
    assert said in str(refused.value)
    assert "pw@" not in str(refused.value)


def test_the_server_reads_it_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GONGSHI_DATABASE_URL", PRIMARY)
    monkeypatch.setenv("GONGSHI_READ_DATABASE_URL", "postgresql://r:pw@replica/gongshi")
    monkeypatch.setenv("GONGSHI_THREADS", "20")
    server = ServerSettings()
    assert "pw" not in repr(server)
    read = server.ledger_settings().read_database
    assert read is not None
    assert (read.host, read.schema, read.pool_size) == ("replica", "anqing", 26)
    monkeypatch.setenv("GONGSHI_READ_DATABASE_URL", "sqlite:///tmp/replica.db")
    with pytest.raises(ConfigError, match="not SQLite"):
        ServerSettings().ledger_settings()
