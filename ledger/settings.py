"""Configuration: GONGSHI_HOME and GONGSHI_DATABASE_URL, translated to eventsourcing's env here.

This is the one place that knows eventsourcing's setting names.

    GONGSHI_HOME          local state (default ./gongshi-data): keys/, the SQLite file
    GONGSHI_DATABASE_URL  sqlite:///PATH (default sqlite:///$GONGSHI_HOME/ledger.db) or
                          postgresql://user:pass@host:port/db[?schema=NAME]
    GONGSHI_VAULT_KEY     the vault master key, 64 hex digits (else $GONGSHI_HOME/keys/vault.key)
    GONGSHI_LOG_ORIGIN    the log's origin line and key name (default gongshi.example/anqing)
    GONGSHI_CHECKPOINT_INTERVAL  seconds between scheduled checkpoints (default 2)
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from psycopg.conninfo import make_conninfo

from verify.params import PARAMS, Param

WINDOW = PARAMS["disbursements"]["posting_window_days"]  # the one rule: verify/params.py
EXCELLENCE = PARAMS["points"]["excellence_per_category"]

APP_NAME = "gongshi"
SCHEMA_PATTERN = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class ConfigError(ValueError):
    """A setting is missing or malformed."""


@dataclass(frozen=True, slots=True)
class Database:
    """Where the events (and the vault and later the log) live."""

    url: str
    kind: str  # "sqlite" or "postgresql"
    sqlite_path: Path | None = None
    host: str = ""
    port: int = 5432
    user: str = ""
    password: str = ""
    dbname: str = ""
    schema: str = ""

    def eventsourcing_env(self) -> dict[str, str]:
        """The eventsourcing settings for this database. Never POSTGRES_ENABLE_DB_FUNCTIONS."""
        if self.kind == "sqlite":
            assert self.sqlite_path is not None
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(self.sqlite_path),
                "SQLITE_LOCK_TIMEOUT": "30",
            }
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": self.dbname,
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": str(self.port),
            "POSTGRES_USER": self.user,
            "POSTGRES_PASSWORD": self.password,
            "POSTGRES_POOL_SIZE": "4",
            "POSTGRES_MAX_OVERFLOW": "4",
        }
        if self.schema:
            env["POSTGRES_SCHEMA"] = self.schema
        return env

    def psycopg_conninfo(self) -> str:
        """A libpq connection string (values quoted and escaped by psycopg)."""
        assert self.kind == "postgresql"
        parts = {
            "host": self.host,
            "port": str(self.port),
            "user": self.user,
            "password": self.password,
            "dbname": self.dbname,
        }
        return make_conninfo(**{k: v for k, v in parts.items() if v})


def parse_database_url(url: str) -> Database:
    """Parse ``sqlite:///PATH`` or ``postgresql://user:pass@host:port/db[?schema=NAME]``."""
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///") :]
        if not path:
            raise ConfigError(f"{url!r}: sqlite URL needs a file path")
        return Database(url=url, kind="sqlite", sqlite_path=Path(unquote(path)))
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise ConfigError(f"{url!r}: scheme must be sqlite:/// or postgresql://")
    dbname = parts.path.lstrip("/")
    if not dbname:
        raise ConfigError(f"{url!r}: postgresql URL needs a database name")
    query = parse_qs(parts.query)
    schema = query.get("schema", [""])[0]
    if schema and not SCHEMA_PATTERN.fullmatch(schema):
        raise ConfigError(f"schema {schema!r} must match {SCHEMA_PATTERN.pattern}")
    return Database(
        url=url,
        kind="postgresql",
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        dbname=dbname,
        schema=schema,
    )


DEFAULT_ORIGIN = "gongshi.example/anqing"
ORIGIN_PATTERN = re.compile(r"[^\s+]{1,200}")


@dataclass(frozen=True, slots=True)
class Settings:
    home: Path
    database: Database
    vault_key_hex: str | None
    origin: str = DEFAULT_ORIGIN
    posting_window_days: int = WINDOW.default  # a disbursement's days in the public list
    excellence_per_category: int = EXCELLENCE.default  # excellence candidates per category
    checkpoint_interval: float = 2.0  # seconds between checkpoints signed by the scheduler

    @property
    def log_skey_path(self) -> Path:
        return self.keys_dir / "log.skey"

    @property
    def log_vkey_path(self) -> Path:
        return self.keys_dir / "log.vkey"

    @property
    def keys_dir(self) -> Path:
        return self.home / "keys"

    @property
    def vault_key_path(self) -> Path:
        return self.keys_dir / "vault.key"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings from ``environ`` (default: the process environment)."""
    env = os.environ if environ is None else environ
    home = Path(env.get("GONGSHI_HOME", "./gongshi-data"))
    url = env.get("GONGSHI_DATABASE_URL") or f"sqlite:///{home / 'ledger.db'}"
    origin = env.get("GONGSHI_LOG_ORIGIN") or DEFAULT_ORIGIN
    if not ORIGIN_PATTERN.fullmatch(origin):
        raise ConfigError(f"origin {origin!r} must be non-empty without spaces or '+'")
    return Settings(
        home=home,
        database=parse_database_url(url),
        vault_key_hex=env.get("GONGSHI_VAULT_KEY") or None,
        origin=origin,
        posting_window_days=_count(env, "GONGSHI_POSTING_WINDOW_DAYS", WINDOW),
        excellence_per_category=_count(env, "GONGSHI_EXCELLENCE_PER_CATEGORY", EXCELLENCE),
        checkpoint_interval=_seconds(env, "GONGSHI_CHECKPOINT_INTERVAL", 2.0),
    )


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    text = env.get(name)
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 3600:
        raise ConfigError(f"{name}={text!r} must be a number of seconds above 0, at most 3600")
    return value


def _count(env: Mapping[str, str], name: str, param: Param) -> int:
    text = env.get(name)
    if not text:
        return param.default
    if not text.isdigit() or not param.minimum <= int(text) <= param.maximum:
        raise ConfigError(
            f"{name}={text!r} must be a whole number from {param.minimum} to {param.maximum}"
        )
    return int(text)
