"""Configuration: GONGSHI_HOME and GONGSHI_DATABASE_URL, translated to eventsourcing's env here.

This is the one place that knows eventsourcing's setting names.

    GONGSHI_HOME          local state (default ./gongshi-data): keys/, the SQLite file
    GONGSHI_DATABASE_URL  sqlite:///PATH (default sqlite:///$GONGSHI_HOME/ledger.db) or
                          postgresql://user:pass@host:port/db[?schema=NAME]
    GONGSHI_READ_DATABASE_URL  postgresql://... of a streaming replica of the primary
                          (``pg_basebackup -R``): public lists, proofs, tiles and the page are
                          read from it, writes and the integrator stay on the primary
                          (api/read_side.py, docs/OPERATIONS.md "Read replicas"). PostgreSQL
                          only, and only with a PostgreSQL primary; without ``?schema=`` the
                          primary's schema; application_name defaults to gongshi-read
    GONGSHI_VAULT_KEY     the vault master key, 64 hex digits (else $GONGSHI_HOME/keys/vault.key)
    GONGSHI_LOG_ORIGIN    the log's origin line and key name (default gongshi.example/anqing)
    GONGSHI_CHECKPOINT_INTERVAL  seconds between scheduled checkpoints (default 2)
    GONGSHI_DB_POOL_SIZE  PostgreSQL connections per process, at most (default 24: the 16
                          request threads, the followers, the scheduler and the submitter;
                          at least MIN_POOL_SIZE = 6)
    GONGSHI_DB_POOL_TIMEOUT  seconds a caller waits for a pooled connection before the
                          "unavailable" answer (default 5)
    GONGSHI_DB_LOCK_TIMEOUT  seconds a transaction waits for a lock (SQLite busy timeout,
                          PostgreSQL lock_timeout) before the "unavailable" answer (default 10)
    GONGSHI_TIMEZONE      the business timezone, an IANA name (default Asia/Shanghai): the
                          dates of the rules (disbursed on, due on, visited on, deadlines,
                          posting windows, a public list's today) are in it; ``at`` stays UTC

A postgresql:// URL may carry libpq's TLS and connection parameters in its query (sslmode,
sslrootcert, sslcert, sslkey, sslpassword, sslcrl, connect_timeout, application_name) beside
``schema``; they reach every connection, ours and eventsourcing's. Any other parameter is a
ConfigError naming it. No message here ever shows a password (``ledger.unavailable.redact``).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit
from zoneinfo import ZoneInfo

from psycopg.conninfo import make_conninfo

from ledger.unavailable import redact
from verify.days import DEFAULT_TIMEZONE, zone_named
from verify.params import PARAMS, Param

WINDOW = PARAMS["disbursements"]["posting_window_days"]  # the one rule: verify/params.py

APP_NAME = "gongshi"
SCHEMA_PATTERN = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# libpq parameters a postgresql:// URL may carry (beside ``schema``), passed to every connection.
LIBPQ_PARAMS = frozenset({
    "sslmode", "sslrootcert", "sslcert", "sslkey", "sslpassword", "sslcrl",
    "connect_timeout", "application_name",
})  # fmt: skip
SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
DEFAULT_APPLICATION_NAME = "gongshi"
READ_APPLICATION_NAME = "gongshi-read"  # a read replica's connections (pg_stat_activity)
DEFAULT_CONNECT_TIMEOUT = "5"  # seconds libpq tries to reach the server (unless the URL says)
DEFAULT_POOL_SIZE = 24  # 16 request threads + log and projection followers (+ vault reads)
DEFAULT_POOL_TIMEOUT = 5.0  # + checkpoint scheduler + witness submitter, with room to spare
DEFAULT_LOCK_TIMEOUT = 10.0
MIN_POOL = 2  # connections a pool keeps open while idle
# Threads that hold a pooled connection beside the requests: the log follower, the
# projection follower, the checkpoint scheduler, the witness submitter.
BACKGROUND_USERS = 4
# A projection step holds one connection while its vault-name reads borrow a second from the
# same pool (projections/registry.py), and so does the erasure route: below this a pool can
# deadlock on itself until the pool timeout.
MIN_POOL_SIZE = BACKGROUND_USERS + 2
IDLE_IN_TRANSACTION_TIMEOUT = "60"  # s: PostgreSQL ends a transaction left open (a bug)


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
    # libpq parameters from the URL's query (sslmode, sslrootcert, ...), sorted by name.
    params: tuple[tuple[str, str], ...] = ()
    pool_size: int = DEFAULT_POOL_SIZE  # PostgreSQL connections per process, at most
    pool_timeout: float = DEFAULT_POOL_TIMEOUT  # s waited for a pooled connection
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT  # s waited for a lock (SQLite: busy timeout)

    def __repr__(self) -> str:
        return f"Database({self.kind}, {self.display()})"

    def display(self) -> str:
        """The URL without its password: what messages and logs may show."""
        return redact(self.url)

    def eventsourcing_env(self) -> dict[str, str]:
        """The eventsourcing settings for this database. Never POSTGRES_ENABLE_DB_FUNCTIONS.

        The factories in ``ledger.factories`` read them: on PostgreSQL the pool (shared with
        ``SqlDatabase``) checks each connection on checkout and gets the URL's libpq
        parameters; on SQLite the busy timeout and the pool's wait are ``lock_timeout``."""
        wait = str(math.ceil(self.lock_timeout))
        if self.kind == "sqlite":
            assert self.sqlite_path is not None
            return {
                "PERSISTENCE_MODULE": "ledger.factories:SQLiteFactory",
                "SQLITE_DBNAME": str(self.sqlite_path),
                "SQLITE_LOCK_TIMEOUT": wait,
                "GONGSHI_SQLITE_POOL_TIMEOUT": str(self.lock_timeout),
            }
        minimum = min(MIN_POOL, self.pool_size)
        env = {
            "PERSISTENCE_MODULE": "ledger.factories:PostgresFactory",
            "POSTGRES_DBNAME": self.dbname,
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": str(self.port),
            "POSTGRES_USER": self.user,
            "POSTGRES_PASSWORD": self.password,
            "POSTGRES_POOL_SIZE": str(minimum),
            "POSTGRES_MAX_OVERFLOW": str(self.pool_size - minimum),
            # eventsourcing's name for the pool's wait (getconn timeout): whole seconds
            "POSTGRES_CONNECT_TIMEOUT": str(math.ceil(self.pool_timeout)),
            "POSTGRES_PRE_PING": "y",
            "POSTGRES_LOCK_TIMEOUT": wait,
            "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": IDLE_IN_TRANSACTION_TIMEOUT,
            "GONGSHI_POSTGRES_PARAMS": make_conninfo(**self.connect_params()),
        }
        if self.schema:
            env["POSTGRES_SCHEMA"] = self.schema
        return env

    def connect_params(self) -> dict[str, str]:
        """The libpq parameters beyond host/port/user/password/dbname for pooled
        connections: the URL's query parameters, a connect timeout, an application name, and
        (``options``) the schema as search_path and the lock timeout."""
        assert self.kind == "postgresql"
        params = {
            "connect_timeout": DEFAULT_CONNECT_TIMEOUT,
            "application_name": DEFAULT_APPLICATION_NAME,
            **dict(self.params),
        }
        options = [f"-c lock_timeout={math.ceil(self.lock_timeout * 1000)}"]
        if self.schema:
            options.append(f"-c search_path={self.schema}")  # SCHEMA_PATTERN: no quoting
        params["options"] = " ".join(options)
        return params

    def psycopg_conninfo(self) -> str:
        """A libpq connection string (values quoted and escaped by psycopg), with the URL's
        TLS and connection parameters; no search_path (callers qualify names)."""
        assert self.kind == "postgresql"
        parts = {
            **self._address(),
            "connect_timeout": DEFAULT_CONNECT_TIMEOUT,
            "application_name": DEFAULT_APPLICATION_NAME,
            **dict(self.params),
        }
        return make_conninfo(**{k: v for k, v in parts.items() if v})

    def _address(self) -> dict[str, str]:
        """host, port, user, password and dbname, those that are set."""
        parts = {"host": self.host, "port": str(self.port), "user": self.user,
                 "password": self.password, "dbname": self.dbname}  # fmt: skip
        return {k: v for k, v in parts.items() if v}

    def pool_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of psycopg.connect for a pooled connection (as eventsourcing's)."""
        return {**self._address(), **self.connect_params()}


def parse_database_url(url: str) -> Database:
    """Parse ``sqlite:///PATH`` or ``postgresql://user:pass@host:port/db[?schema=NAME&...]``
    (query: ``schema`` and the libpq parameters in LIBPQ_PARAMS). ConfigError messages show
    the URL without its password."""
    shown = redact(url)
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///") :]
        if not path:
            raise ConfigError(f"{shown!r}: sqlite URL needs a file path")
        return Database(url=url, kind="sqlite", sqlite_path=Path(unquote(path)))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as e:  # a port out of range or not a number
        raise ConfigError(f"{shown!r}: {redact(str(e))}") from None
    if parts.scheme not in ("postgresql", "postgres"):
        raise ConfigError(f"{shown!r}: scheme must be sqlite:/// or postgresql://")
    dbname = parts.path.lstrip("/")
    if not dbname:
        raise ConfigError(f"{shown!r}: postgresql URL needs a database name")
    query = parse_qsl(parts.query, keep_blank_values=True)
    names = [name for name, _ in query]
    unknown = sorted(set(names) - LIBPQ_PARAMS - {"schema"})
    if unknown:
        raise ConfigError(
            f"{shown!r}: unknown query parameter(s) {', '.join(unknown)}; allowed: schema, "
            + ", ".join(sorted(LIBPQ_PARAMS))
        )
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ConfigError(f"{shown!r}: query parameter(s) {', '.join(twice)} given twice")
    given = dict(query)
    schema = given.pop("schema", "")
    if schema and not SCHEMA_PATTERN.fullmatch(schema):
        raise ConfigError(f"schema {schema!r} must match {SCHEMA_PATTERN.pattern}")
    _check_params(shown, given)
    return Database(
        url=url,
        kind="postgresql",
        host=parts.hostname or "127.0.0.1",
        port=port or 5432,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        dbname=dbname,
        schema=schema,
        params=tuple(sorted(given.items())),
    )


def _check_params(shown: str, given: dict[str, str]) -> None:
    """The values libpq would only refuse at the first connection, refused now."""
    sslmode = given.get("sslmode")
    if sslmode is not None and sslmode not in SSLMODES:
        raise ConfigError(f"{shown!r}: sslmode={sslmode!r} must be one of {', '.join(SSLMODES)}")
    timeout = given.get("connect_timeout")
    if timeout is not None and not (timeout.isdigit() and 1 <= int(timeout) <= 3600):
        raise ConfigError(f"{shown!r}: connect_timeout={timeout!r} must be 1..3600 seconds")
    for name, value in given.items():
        if not value:
            raise ConfigError(f"{shown!r}: query parameter {name} is empty")


def with_pool_settings(database: Database, env: Mapping[str, str]) -> Database:
    """``database`` with GONGSHI_DB_POOL_SIZE, GONGSHI_DB_POOL_TIMEOUT and
    GONGSHI_DB_LOCK_TIMEOUT from ``env`` (defaults where unset); ConfigError if malformed."""
    size_text = env.get("GONGSHI_DB_POOL_SIZE")
    size = DEFAULT_POOL_SIZE
    if size_text:
        if not size_text.isdigit() or not MIN_POOL_SIZE <= int(size_text) <= 1000:
            raise ConfigError(
                f"GONGSHI_DB_POOL_SIZE={size_text!r} must be a whole number"
                f" {MIN_POOL_SIZE}..1000 (the background threads, plus a request that holds"
                " two connections at once)"
            )
        size = int(size_text)
    return replace(
        database,
        pool_size=size,
        pool_timeout=_seconds(env, "GONGSHI_DB_POOL_TIMEOUT", DEFAULT_POOL_TIMEOUT, 300),
        lock_timeout=_seconds(env, "GONGSHI_DB_LOCK_TIMEOUT", DEFAULT_LOCK_TIMEOUT, 300),
    )


DEFAULT_ORIGIN = "gongshi.example/anqing"
ORIGIN_PATTERN = re.compile(r"[^\s+]{1,200}")


def parse_read_database_url(url: str, primary: Database) -> Database:
    """GONGSHI_READ_DATABASE_URL: a postgresql:// URL as ``parse_database_url`` reads it, of a
    replica of ``primary`` (which must be PostgreSQL too); without ``schema`` the primary's;
    without ``application_name`` READ_APPLICATION_NAME. ConfigError otherwise."""
    shown = redact(url)
    if primary.kind != "postgresql":
        raise ConfigError(
            f"GONGSHI_READ_DATABASE_URL={shown!r}: a read replica needs a PostgreSQL primary"
            f" (GONGSHI_DATABASE_URL is {primary.display()!r})"
        )
    try:
        found = parse_database_url(url)
    except ConfigError as e:
        raise ConfigError(f"GONGSHI_READ_DATABASE_URL: {e}") from None
    if found.kind != "postgresql":
        raise ConfigError(
            f"GONGSHI_READ_DATABASE_URL={shown!r}: a read replica is a PostgreSQL streaming"
            " replica (postgresql://user:pass@host:port/db[?schema=NAME]), not SQLite"
        )
    params = dict(found.params)
    params.setdefault("application_name", READ_APPLICATION_NAME)
    return replace(
        found, schema=found.schema or primary.schema, params=tuple(sorted(params.items()))
    )


@dataclass(frozen=True, slots=True)
class Settings:
    home: Path
    database: Database
    vault_key_hex: str | None = field(repr=False)  # the vault master key: never in a repr
    origin: str = DEFAULT_ORIGIN
    posting_window_days: int = WINDOW.default  # a disbursement's days in the public list
    checkpoint_interval: float = 2.0  # seconds between checkpoints signed by the scheduler
    timezone: str = DEFAULT_TIMEZONE  # the business timezone (IANA name), checked on load
    # a streaming replica the public reads go to (None: the primary), api/read_side.py
    read_database: Database | None = None

    @property
    def zone(self) -> ZoneInfo:
        """The business timezone: business dates are taken in it (``at`` stays UTC)."""
        return zone_named(self.timezone)

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
    database = with_pool_settings(parse_database_url(url), env)
    read_url = env.get("GONGSHI_READ_DATABASE_URL")
    read_database = None
    if read_url:
        read_database = with_pool_settings(parse_read_database_url(read_url, database), env)
    return Settings(
        home=home,
        database=database,
        read_database=read_database,
        vault_key_hex=env.get("GONGSHI_VAULT_KEY") or None,
        origin=origin,
        posting_window_days=_count(env, "GONGSHI_POSTING_WINDOW_DAYS", WINDOW),
        checkpoint_interval=_seconds(env, "GONGSHI_CHECKPOINT_INTERVAL", 2.0),
        timezone=_timezone(env),
    )


def _timezone(env: Mapping[str, str]) -> str:
    """GONGSHI_TIMEZONE (default Asia/Shanghai), an IANA name the machine's timezone
    database knows (the system's, or the ``tzdata`` package the project depends on)."""
    name = env.get("GONGSHI_TIMEZONE") or DEFAULT_TIMEZONE
    try:
        zone_named(name)
    except ValueError as e:
        raise ConfigError(f"GONGSHI_TIMEZONE: {e}") from None
    return name


def _seconds(env: Mapping[str, str], name: str, default: float, most: float = 3600) -> float:
    text = env.get(name)
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= most:
        raise ConfigError(f"{name}={text!r} must be a number of seconds above 0, at most {most:g}")
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
