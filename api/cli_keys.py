"""``gongshi keys init``: the vault master key, the log's key and (for demos and tests)
witness keys and the default policy. Refuses on a populated ledger whose keys are missing:
new keys could not decrypt its vault or continue its log, so they must come from the backup."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from typing import Any
from urllib.parse import quote

import psycopg

from ledger.log.keys import create_log_key
from ledger.log.witnesses import create_witness_key, default_policy, write_policy
from ledger.settings import Database, Settings
from ledger.unavailable import redact
from ledger.vault import create_master_key
from verify.note import COSIGNATURE_V1, MLDSA44_COSIGNATURE, parse_vkey

WITNESS_TYPES = {"mldsa44": MLDSA44_COSIGNATURE, "ed25519": COSIGNATURE_V1}


def _keys_init(settings: Settings, args: argparse.Namespace) -> int:
    """Create the keys that are missing. Refused, with nothing written, when a key is missing
    and the database already holds data: new keys can't decrypt its vault or continue its
    log's signatures, so the old ones must come back from the backup."""
    vault_missing = settings.vault_key_hex is None and not settings.vault_key_path.exists()
    missing = [str(path) for path, gone in (
        (settings.vault_key_path, vault_missing),
        (settings.log_skey_path, not settings.log_skey_path.exists()),
    ) if gone]  # fmt: skip
    if missing:
        held = ledger_holdings(settings.database)
        if held:
            print(
                f"gongshi keys init: refused: {' and '.join(missing)} missing, but the database"
                f" {redact(settings.database.url)} already holds {', '.join(held)}; new keys"
                " could not decrypt its vault or continue its log. Restore the keys directory"
                f" {settings.keys_dir} from your backup (the vault key may instead be given as"
                " GONGSHI_VAULT_KEY). Nothing was written.",
                file=sys.stderr,
            )
            return 2
    if settings.vault_key_hex is not None:
        print("vault master key: GONGSHI_VAULT_KEY (no key file written)")
    elif create_master_key(settings.vault_key_path):
        print(f"created vault master key {settings.vault_key_path} (mode 0600); back it up")
    else:
        print(f"vault master key exists: {settings.vault_key_path}")
    created, vkey = create_log_key(settings.log_skey_path, settings.log_vkey_path, settings.origin)
    state = "created" if created else "exists"
    print(f"log key {state}: {settings.log_skey_path} (mode 0600); verifier key:")
    print(vkey)
    sig_type = WITNESS_TYPES[args.witness_type]
    for name in args.witness or []:
        created, vkey = create_witness_key(settings.keys_dir, name, sig_type)
        print(f"witness key {name} {'created' if created else 'exists'}; verifier key:")
        print(vkey)
    policy_path = settings.home / "policy"
    if policy_path.exists():
        if args.witness:
            print(f"{policy_path} exists: add a new key with 'gongshi witness add NAME VKEY'")
    elif args.witness:
        log = parse_vkey(settings.log_vkey_path.read_text())
        write_policy(settings.home, default_policy(settings.home, log))
        print(f"wrote the default policy {policy_path} (c2sp.org/tlog-policy)")
    else:
        print(f"no policy written: add each department's witness with 'gongshi witness add NAME"
              f" VKEY [URL]' (it writes {policy_path}), or run 'gongshi demo', which adds"
              " the demo's three")  # fmt: skip
    return 0


def add_keys_commands(sub: Any) -> None:
    """Add ``keys init`` to the ``gongshi`` parser's subcommands ``sub``."""
    keys = sub.add_parser("keys", help="key management").add_subparsers(dest="keys", required=True)
    init = keys.add_parser("init", help="create the keys under $GONGSHI_HOME/keys")
    init.add_argument(
        "--witness", action="append", metavar="NAME",
        help="also create a witness key and, if there is none, the default policy naming"
             " them (demos and tests; departments make their own)",
    )  # fmt: skip
    init.add_argument(
        "--witness-type", choices=sorted(WITNESS_TYPES), default="mldsa44",
        help="the witness keys' type: ML-DSA-44 (0x06, the default) or Ed25519 (0x04)",
    )  # fmt: skip
    init.set_defaults(run=_keys_init)


def ledger_holdings(database: Database) -> list[str]:
    """What the database already holds of records, vault subjects and signed checkpoints
    ([] for a new ledger). Reads only: a missing SQLite file holds nothing and is not created,
    a PostgreSQL schema or table that doesn't exist holds nothing. An unreachable database
    raises (the caller can't tell, so it must not assume "empty")."""
    found: list[str] = []
    if database.kind == "sqlite":
        path = database.sqlite_path
        assert path is not None
        if not path.exists():
            return found
        conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, timeout=30)
        try:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
            for table, what in (("stored_events", "records"), *_HOLDINGS):
                if table in tables and conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone():
                    found.append(what)
        finally:
            conn.close()
        return found
    schema = database.schema or "public"
    with psycopg.connect(database.psycopg_conninfo(), connect_timeout=10) as pg:
        for table, what in (("gongshi_events", "records"), *_HOLDINGS):
            name = f'"{schema}"."{table}"'
            exists = pg.execute("SELECT to_regclass(%s)", (name,)).fetchone()
            if exists and exists[0] and pg.execute(f"SELECT 1 FROM {name} LIMIT 1").fetchone():
                found.append(what)
    return found


_HOLDINGS = (  # and the events: stored_events (SQLite), gongshi_events (PostgreSQL)
    ("gongshi_vault_subjects", "vault subjects"),
    ("gongshi_log_checkpoints", "signed checkpoints"),
)
