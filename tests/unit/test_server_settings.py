"""The server's settings from the environment: defaults, overrides, refusals naming the
variable."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from api.settings import ServerSettings


def test_defaults_and_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("GONGSHI_DATABASE_URL", "GONGSHI_VAULT_KEY", "GONGSHI_LOG_ORIGIN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GONGSHI_HOME", str(tmp_path))
    monkeypatch.setenv("GONGSHI_POSTING_WINDOW_DAYS", "7")
    settings = ServerSettings().ledger_settings()
    assert settings.database.sqlite_path == tmp_path / "ledger.db"
    assert settings.posting_window_days == 7 and settings.origin == "gongshi.example/anqing"
    monkeypatch.setenv("GONGSHI_DATABASE_URL", "postgresql://u@db:5433/x?schema=s")
    monkeypatch.setenv("GONGSHI_VAULT_KEY", "ab" * 32)
    settings = ServerSettings().ledger_settings()
    assert (settings.database.host, settings.database.schema) == ("db", "s")
    assert settings.vault_key_hex == "ab" * 32
    assert "ab" * 32 not in repr(ServerSettings())  # the key is a secret


@pytest.mark.parametrize(
    ("name", "value"),
    [("GONGSHI_POSTING_WINDOW_DAYS", "0"), ("GONGSHI_LOG_ORIGIN", "has space"),
     ("GONGSHI_FOLLOW_INTERVAL", "0"), ("GONGSHI_MAX_BODY_BYTES", "10"),
     ("GONGSHI_DB_POOL_SIZE", "5")],  # below MIN_POOL_SIZE: the followers could starve
)  # fmt: skip
def test_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=name.removeprefix("GONGSHI_").lower()):
        ServerSettings()
