"""``gongshi serve`` and ``gongshi tokens create|revoke|list``."""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import psycopg

from api.cli_output import add_json_flag, print_json, say, wants_json
from api.tokens import Tokens
from ledger.clock import system_clock
from ledger.db import SqlDatabase
from ledger.ledger import open_ledger
from ledger.principal import Principals
from ledger.settings import ConfigError, Database, Settings
from ledger.vault import VaultError, load_master_key


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from api.cli_log import unwitnessed_warning
    from api.metrics import worker_counts
    from api.request_log import configure_logging, serving_line
    from ledger.log.witnesses import declared_policy
    from ledger.log.witnessing import log_verifier

    database_reachable(settings.database)  # unavailable: main's one line and exit 3
    vault_key_present(settings)  # missing: main's one line and exit 2, before uvicorn starts
    proxies = proxy_headers(os.environ)  # malformed: main's one line, before uvicorn starts
    log = log_verifier(settings)
    warning = None if log is None else unwitnessed_warning(declared_policy(settings.home, log))
    if warning is not None:
        print(warning, file=sys.stderr, flush=True)

    # JSON lines on stderr (api/request_log.py): uvicorn's own loggers write through the
    # same handler (log_config=None), each worker configures it in the app factory.
    configure_logging()
    with worker_counts(args.workers, os.environ):  # /metrics sums the workers' counts
        serving_line(args.host, args.port, args.workers, settings)
        uvicorn.run(
            "api.app:app_from_environment", factory=True, host=args.host, port=args.port,
            workers=args.workers, log_level="warning", access_log=False, log_config=None,
            **proxies,
        )  # fmt: skip
    return 0


def proxy_headers(environ: Mapping[str, str]) -> dict[str, Any]:
    """uvicorn's X-Forwarded-For/-Proto handling, from GONGSHI_TRUSTED_PROXIES only: off
    when it is empty (uvicorn's own default would trust 127.0.0.1), else from those
    addresses (api/public_access.py reads the same setting). ConfigError if malformed."""
    from api.public_access import networks

    trusted = environ.get("GONGSHI_TRUSTED_PROXIES", "").strip()
    try:
        networks(trusted)
    except ValueError as e:
        raise ConfigError(f"GONGSHI_TRUSTED_PROXIES: {e}") from None
    if not trusted:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": trusted}


def vault_key_present(settings: Settings) -> None:
    """Load the vault master key once, so that ``gongshi serve`` without keys stops with
    main's one line (``gongshi serve: 错误：…（先运行 gongshi keys init）``) and exit status 2,
    not with the app factory's traceback in uvicorn's startup log. ConfigError if it is
    missing or malformed; the server needs no other key (no log key: no checkpoints)."""
    try:
        load_master_key(settings.vault_key_hex, settings.vault_key_path)
    except VaultError as e:
        if settings.vault_key_hex is not None or settings.vault_key_path.exists():
            raise ConfigError(say(f"保险库主密钥无效：{e}", str(e))) from None
        raise ConfigError(say(
            f"没有保险库主密钥 {settings.vault_key_path}，服务无法启动（先运行 gongshi keys"
            " init；账本已有数据时，改为从备份恢复 keys 目录：新密钥无法解密原有资料）",
            f"{e}",
        )) from None  # fmt: skip


def database_reachable(database: Database) -> None:
    """Connect once and close, so that ``gongshi serve`` stops with main's one line and exit
    status 3 when the database is unavailable, not with uvicorn's traceback of the app factory.
    Creates nothing: a SQLite file that doesn't exist yet is left for the server to create."""
    if database.kind == "postgresql":
        with psycopg.connect(database.psycopg_conninfo(), connect_timeout=10) as conn:
            conn.execute("SELECT 1")
        return
    path = database.sqlite_path
    assert path is not None
    if path.exists():
        lite = sqlite3.connect(f"file:{quote(str(path))}?mode=rw", uri=True, timeout=30)
        try:
            lite.execute("SELECT 1 FROM sqlite_master LIMIT 1")
        finally:
            lite.close()


def _tokens(settings: Settings, args: argparse.Namespace) -> int:
    db = SqlDatabase(settings.database)
    try:
        tokens = Tokens(db)
        if args.tokens == "create":
            ledger = open_ledger(settings)
            try:
                registry = Principals(ledger)
                token = tokens.issue(registry, args.principal, system_clock())
                role = registry.get(args.principal).role
            finally:
                ledger.close()
            print(token)  # shown once: only its hash is stored
            print(f"token for {args.principal} ({role}); store it now", file=sys.stderr)
        elif args.tokens == "revoke":
            count = tokens.revoke(args.principal, system_clock())
            print(f"revoked {count} token(s) of {args.principal}")
            return 0 if count else 1
        elif wants_json(args):
            print_json({"tokens": [
                {"principal": t.principal, "role": t.role, "created_at": t.created_at,
                 "revoked_at": t.revoked_at, "live": t.revoked_at is None,
                 "hash_prefix": t.token_hash[:12]}
                for t in tokens.listed()
            ]})  # fmt: skip
        else:
            for t in tokens.listed():
                state = f"revoked {t.revoked_at}" if t.revoked_at else "live"
                print(
                    f"{t.principal:<24} {t.role:<26} {t.created_at}  {state}  {t.token_hash[:12]}"
                )
    finally:
        db.close()
    return 0


TOKENS_KEYS = "tokens (principal, role, created_at, revoked_at, live, hash_prefix)"


def add_server_commands(sub: Any) -> None:
    serve = sub.add_parser("serve", help="run the HTTP API, the public page and the console")
    serve.add_argument("--host", default="127.0.0.1", help="the address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="the TCP port")
    serve.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    serve.set_defaults(run=_serve)
    tokens = sub.add_parser("tokens", help="API bearer tokens (admin)")
    commands = tokens.add_subparsers(dest="tokens", required=True)
    create = commands.add_parser("create", help="print a new token once; only its hash is kept")
    create.add_argument("--principal", required=True, help="an enrolled account (its role)")
    create.set_defaults(run=_tokens)
    revoke = commands.add_parser("revoke", help="revoke every live token of a principal")
    revoke.add_argument("--principal", required=True)
    revoke.set_defaults(run=_tokens)
    listed = commands.add_parser("list", help="principals, roles, states")
    add_json_flag(listed, TOKENS_KEYS)
    listed.set_defaults(run=_tokens)
