"""The server's settings from the environment (pydantic-settings), as the ledger's Settings.

Same variables as the CLI (README, "Configuration"), validated once at start: a bad value
stops the server with the variable named instead of failing on the first request.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.public_access import PER_CLIENT, PER_POSTING, networks, public_url
from ledger.settings import (
    DEFAULT_LOCK_TIMEOUT,
    DEFAULT_ORIGIN,
    DEFAULT_POOL_SIZE,
    DEFAULT_POOL_TIMEOUT,
    MIN_POOL_SIZE,
    ORIGIN_PATTERN,
    WINDOW,
    Database,
    Settings,
    parse_database_url,
    parse_read_database_url,
)

# Connections a worker uses beside its request threads: the log follower, the projection
# follower (and its vault reads), the checkpoint scheduler, the witness submitter, a spare.
BACKGROUND_CONNECTIONS = 6


class ServerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GONGSHI_", extra="ignore")

    home: Path = Path("./gongshi-data")
    database_url: SecretStr | None = None  # may hold a password: never in a repr
    read_database_url: SecretStr | None = None  # a streaming replica (api/read_side.py)
    vault_key: SecretStr | None = None
    log_origin: str = Field(DEFAULT_ORIGIN, pattern="^" + ORIGIN_PATTERN.pattern + "$")
    posting_window_days: int = Field(WINDOW.default, ge=WINDOW.minimum, le=WINDOW.maximum)
    follow_interval: float = Field(0.2, gt=0, le=60)
    checkpoint_interval: float = Field(2.0, gt=0, le=3600)
    max_body_bytes: int = Field(64 * 1024, ge=1024, le=16 * 1024 * 1024)
    threads: int = Field(16, ge=1, le=256)  # request threads per worker
    # PostgreSQL connections per worker, at most (default: threads + BACKGROUND_CONNECTIONS,
    # at least DEFAULT_POOL_SIZE); waits for a connection and for locks, in seconds.
    db_pool_size: int | None = Field(None, ge=MIN_POOL_SIZE, le=1000)
    db_pool_timeout: float = Field(DEFAULT_POOL_TIMEOUT, gt=0, le=300)
    db_lock_timeout: float = Field(DEFAULT_LOCK_TIMEOUT, gt=0, le=300)
    # The public's side (api/public_access.py): the address printed on notices, the proxies
    # allowed to name the client in X-Forwarded-For, objections an hour per client/posting.
    public_url: str | None = None
    trusted_proxies: str = ""
    objections_per_client: int = Field(PER_CLIENT, ge=1, le=10_000)
    objections_per_posting: int = Field(PER_POSTING, ge=1, le=100_000)

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        return public_url(value)

    @field_validator("trusted_proxies")
    @classmethod
    def _trusted_proxies(cls, value: str) -> str:
        networks(value)  # ValueError names the bad entry
        return value

    def pool_size(self) -> int:
        """GONGSHI_DB_POOL_SIZE, else room for every request thread and background worker."""
        if self.db_pool_size is not None:
            return self.db_pool_size
        return max(DEFAULT_POOL_SIZE, self.threads + BACKGROUND_CONNECTIONS)

    def _pooled(self, database: Database) -> Database:
        """``database`` with the pool size and the waits of these settings."""
        return replace(
            database,
            pool_size=self.pool_size(),
            pool_timeout=self.db_pool_timeout,
            lock_timeout=self.db_lock_timeout,
        )

    def ledger_settings(self) -> Settings:
        given = self.database_url.get_secret_value() if self.database_url else None
        url = given or f"sqlite:///{self.home / 'ledger.db'}"
        database = self._pooled(parse_database_url(url))
        read = self.read_database_url.get_secret_value() if self.read_database_url else None
        return Settings(
            home=self.home,
            database=database,
            read_database=self._pooled(parse_read_database_url(read, database)) if read else None,
            vault_key_hex=self.vault_key.get_secret_value() if self.vault_key else None,
            origin=self.log_origin,
            posting_window_days=self.posting_window_days,
            checkpoint_interval=self.checkpoint_interval,
        )
