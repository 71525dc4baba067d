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
     ("GONGSHI_DB_POOL_SIZE", "5"),  # below MIN_POOL_SIZE: the followers could starve
     ("GONGSHI_PUBLIC_URL", "gongshi.example"), ("GONGSHI_PUBLIC_URL", "ftp://x.example"),
     ("GONGSHI_TRUSTED_PROXIES", "10.0.0.0/8,nginx"), ("GONGSHI_OBJECTIONS_PER_CLIENT", "0")],
)  # fmt: skip
def test_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=name.removeprefix("GONGSHI_").lower()):
        ServerSettings()


def test_the_public_side_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """GONGSHI_PUBLIC_URL without its trailing slash; uvicorn trusts X-Forwarded-* only
    from GONGSHI_TRUSTED_PROXIES (its own default would trust 127.0.0.1)."""
    from api.cli_server import proxy_headers
    from api.public_access import PublicAccess
    from ledger.settings import ConfigError

    monkeypatch.setenv("GONGSHI_PUBLIC_URL", "https://gongshi.tongcheng.example/")
    monkeypatch.setenv("GONGSHI_OBJECTIONS_PER_POSTING", "12")
    found = PublicAccess.from_environment()
    assert (found.public_url, found.per_posting, found.per_client) == (
        "https://gongshi.tongcheng.example", 12, 5)  # fmt: skip
    assert proxy_headers({}) == {"proxy_headers": False}
    assert proxy_headers({"GONGSHI_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8"}) == {
        "proxy_headers": True, "forwarded_allow_ips": "127.0.0.1, 10.0.0.0/8"}  # fmt: skip
    with pytest.raises(ConfigError, match="GONGSHI_TRUSTED_PROXIES"):
        proxy_headers({"GONGSHI_TRUSTED_PROXIES": "nginx"})
