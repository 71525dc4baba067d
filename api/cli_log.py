"""``gongshi checkpoint``, ``gongshi proof ...`` and ``gongshi export``: the log's commands."""

from __future__ import annotations

import argparse
import base64
import json
import sys
from pathlib import Path
from typing import Any
from uuid import UUID

from ledger.app import open_app
from ledger.check import iter_notifications
from ledger.db import SqlDatabase
from ledger.errors import LedgerError
from ledger.ledger import open_ledger
from ledger.log import proofs
from ledger.log.checkpoints import latest, sign_checkpoint
from ledger.log.export import export_bundle
from ledger.log.keys import load_signer
from ledger.log.store import LogStore
from ledger.log.tiles import write_tiles
from ledger.log.witnesses import attach_cosignature, declared_policy, witness_verifiers
from ledger.settings import Settings
from projections.publish import write_published
from projections.registry import REBUILD_BATCH, projections_of
from verify.note import parse_vkey


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def _print_json(value: dict[str, Any]) -> None:
    print(json.dumps(value, indent=2))


def _checkpoint(settings: Settings, _: argparse.Namespace) -> int:
    signer = load_signer(settings.log_skey_path, settings.origin)
    ledger = open_ledger(settings)
    try:
        signed = sign_checkpoint(ledger.log, signer, settings.origin, ledger.clock)
        if signed is None:
            print(f"tree did not grow (size {ledger.log.state().size}): no new checkpoint")
        else:
            print(signed.note, end="")
    finally:
        ledger.close()
    return 0


def _proof(settings: Settings, args: argparse.Namespace) -> int:
    ledger = open_ledger(settings)
    try:
        ledger.log.integrate()
        if args.kind == "inclusion":
            _print_json(proofs.inclusion(ledger.log, ledger.app.recorder, args.index, args.size))
        elif args.kind == "consistency":
            _print_json(proofs.consistency(ledger.log, args.old, args.new))
        else:
            print(proofs.record_proof(ledger.log, UUID(args.stream), args.version), end="")
    finally:
        ledger.close()
    return 0


def _export_tiles(settings: Settings, out: Path) -> int:
    ledger = open_ledger(settings)
    try:
        signed = latest(ledger.log)
        if signed is None:
            raise LedgerError("no signed checkpoint yet: run 'gongshi checkpoint' first")
        size = signed.checkpoint.size
        count = write_tiles(ledger.log, ledger.app.recorder, out, size, signed.note)
    finally:
        ledger.close()
    print(f"wrote the checkpoint and {count} tiles (c2sp.org/tlog-tiles, size {size}) to {out}")
    return 0


def _export(settings: Settings, args: argparse.Namespace) -> int:
    if args.dir is None and args.tiles is None:
        raise LedgerError("give a bundle DIR, --tiles TILE_DIR, or both")
    if args.tiles is not None:
        _export_tiles(settings, Path(args.tiles))
    if args.dir is None:
        return 0
    ledger = open_ledger(settings)

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            print(f"\rexported {done:,} of {total:,} records", end="", file=sys.stderr)

    try:
        vkey = settings.log_vkey_path.read_text() if settings.log_vkey_path.exists() else None
        if vkey is None:
            vkey = load_signer(settings.log_skey_path, settings.origin).verifier.vkey()
        log = parse_vkey(vkey)
        policy = declared_policy(settings.home, log)
        with projections_of(ledger, settings, batch=REBUILD_BATCH) as projections:

            def publish(out: Path, size: int) -> None:
                write_published(projections, out, size)

            summary = export_bundle(
                ledger.log, ledger.app.recorder, Path(args.dir), vkey, progress, policy, publish
            )
    finally:
        ledger.close()
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(
        f"exported {summary.size} records, {summary.checkpoints} checkpoints, root "
        f"{_b64(summary.root)} to {args.dir}"
    )
    return 0


def _follow(settings: Settings, args: argparse.Namespace) -> int:
    """Integrate new records every --interval seconds until interrupted (SIGINT/SIGTERM)."""
    import signal
    import threading

    app = open_app(settings.database)
    db = SqlDatabase(settings.database)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        store = LogStore(db, app.recorder)
        print(f"following the log every {args.interval} s (size {store.state().size})", flush=True)
        while not stop.is_set():
            store.integrate()
            stop.wait(args.interval)
    except KeyboardInterrupt:
        pass
    finally:
        app.close()
        db.close()
    return 0


def _add_cosignature(settings: Settings, args: argparse.Namespace) -> int:
    line = sys.stdin.read() if args.line == "-" else args.line
    ledger = open_ledger(settings)
    try:
        size = attach_cosignature(ledger.log, line, witness_verifiers(settings.keys_dir))
    finally:
        ledger.close()
    print(f"cosignature attached to the checkpoint of size {size}")
    return 0


def add_log_commands(sub: Any) -> None:
    witness = sub.add_parser("witness", help="attach witnesses' cosignatures")
    witness_commands = witness.add_subparsers(dest="witness_command", required=True)
    attach = witness_commands.add_parser(
        "add-cosignature", help="verify a cosignature line and keep it on its checkpoint"
    )
    attach.add_argument("line", help="the cosignature line ('-' reads it from stdin)")
    attach.set_defaults(run=_add_cosignature)
    log = sub.add_parser("log", help="the transparency log's integrator")
    log_commands = log.add_subparsers(dest="log_command", required=True)
    follow = log_commands.add_parser("follow", help="integrate new records continuously")
    follow.add_argument("--interval", type=float, default=0.2, help="seconds between steps")
    follow.set_defaults(run=_follow)
    sub.add_parser("checkpoint", help="integrate and sign a checkpoint if the tree grew")\
        .set_defaults(run=_checkpoint)  # fmt: skip
    proof = sub.add_parser("proof", help="inclusion, consistency and per-record proofs")
    kinds = proof.add_subparsers(dest="kind", required=True)
    inclusion = kinds.add_parser("inclusion", help="JSON inclusion proof of a leaf index")
    inclusion.add_argument("index", type=int)
    inclusion.add_argument("--size", type=int, help="tree size (default: latest checkpoint)")
    consistency = kinds.add_parser("consistency", help="JSON consistency proof OLD -> NEW")
    consistency.add_argument("old", type=int)
    consistency.add_argument("new", type=int)
    record = kinds.add_parser("record", help="tlog-proof@v1 of a record (STREAM VERSION)")
    record.add_argument("stream")
    record.add_argument("version", type=int)
    proof.set_defaults(run=_proof)
    export = sub.add_parser("export", help="write the auditor's bundle into DIR")
    export.add_argument("dir", nargs="?", help="the bundle's directory (new or empty)")
    export.add_argument(
        "--tiles", metavar="TILE_DIR",
        help="also write the checkpoint and its tlog-tiles (tile/...) for a static server",
    )  # fmt: skip
    export.set_defaults(run=_export)


__all__ = ["add_log_commands", "iter_notifications"]
