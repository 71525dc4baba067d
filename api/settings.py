"""The server's settings from the environment (pydantic-settings), as the ledger's Settings.

Same variables as the CLI (README, "Configuration"), validated once at start: a bad value
stops the server with the variable named instead of failing on the first request.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from ledger.settings import (
    DEFAULT_ORIGIN,
    EXCELLENCE,
    ORIGIN_PATTERN,
    WINDOW,
    Settings,
    parse_database_url,
)


class ServerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GONGSHI_", extra="ignore")

    home: Path = Path("./gongshi-data")
    database_url: str | None = None
    vault_key: SecretStr | None = None
    log_origin: str = Field(DEFAULT_ORIGIN, pattern="^" + ORIGIN_PATTERN.pattern + "$")
    posting_window_days: int = Field(WINDOW.default, ge=WINDOW.minimum, le=WINDOW.maximum)
    excellence_per_category: int = Field(
        EXCELLENCE.default, ge=EXCELLENCE.minimum, le=EXCELLENCE.maximum
    )
    follow_interval: float = Field(0.2, gt=0, le=60)
    checkpoint_interval: float = Field(2.0, gt=0, le=3600)
    max_body_bytes: int = Field(64 * 1024, ge=1024, le=16 * 1024 * 1024)
    threads: int = Field(16, ge=1, le=256)  # request threads (database connections) per worker

    def ledger_settings(self) -> Settings:
        url = self.database_url or f"sqlite:///{self.home / 'ledger.db'}"
        return Settings(
            home=self.home,
            database=parse_database_url(url),
            vault_key_hex=self.vault_key.get_secret_value() if self.vault_key else None,
            origin=self.log_origin,
            posting_window_days=self.posting_window_days,
            excellence_per_category=self.excellence_per_category,
            checkpoint_interval=self.checkpoint_interval,
        )
