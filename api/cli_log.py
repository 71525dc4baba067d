"""The log's commands: ``gongshi checkpoint``, ``proof ...``, ``export``, ``log follow``,
``log status`` and ``witness add|add-cosignature|set-url``."""

from __future__ import annotations

import argparse
import base64
import json
import sys
from pathlib import Path
from typing import Any
from uuid import UUID

from api.cli_output import add_json_flag, print_json, progress, wants_json
from ledger.app import open_app
from ledger.check import iter_notifications
from ledger.db import SqlDatabase
from ledger.errors import LedgerError
from ledger.ledger import open_ledger
from ledger.log import proofs
from ledger.log.checkpoints import latest, latest_witnessed, sign_checkpoint
from ledger.log.cosignatures import add_cosignature
from ledger.log.export import export_bundle
from ledger.log.keys import load_signer
from ledger.log.store import LogStore
from ledger.log.submitter import WitnessSubmitter
from ledger.log.tiles import write_tiles
from ledger.log.witness_status import witness_status
from ledger.log.witnesses import add_witness_to_file, declared_policy, set_witness_url
from ledger.log.witnessing import log_verifier, start_checkpointing
from ledger.settings import Settings
from projections.publish import write_published
from projections.registry import REBUILD_BATCH, projections_of
from verify.note import Verifier
from verify.policy import Policy


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def _print_json(value: dict[str, Any]) -> None:
    print(json.dumps(value, indent=2))


def _log_key(settings: Settings) -> Verifier:
    log = log_verifier(settings)
    if log is None:
        raise LedgerError(
            f"no log key under {settings.keys_dir}: if this ledger already holds records,"
            " restore the keys directory from your backup (a new key can't continue its log);"
            " for a new, empty ledger run 'gongshi keys init'"
        )
    return log


def _policy(settings: Settings) -> Policy:
    return declared_policy(settings.home, _log_key(settings))


def _checkpoint(settings: Settings, _: argparse.Namespace) -> int:
    signer = load_signer(settings.log_skey_path, settings.origin)
    policy = _policy(settings)
    ledger = open_ledger(settings)
    try:
        signed = sign_checkpoint(ledger.log, signer, settings.origin, ledger.clock, policy)
        if signed is None:
            print(f"tree did not grow (size {ledger.log.state().size}): no new checkpoint")
            return 0
        print(signed.note, end="")
        submitter = WitnessSubmitter(ledger.log, lambda: policy, ledger.clock)
        try:
            urls = submitter.submit_all()
        finally:
            submitter.stop()
        for status in witness_status(ledger.log, policy):
            print(f"witness {status.name}: {status.state} ({status.detail})", file=sys.stderr)
        if not urls:
            print("no witness submitted to here (no URLs in the policy, or a running server "
                  "holds the submission)", file=sys.stderr)  # fmt: skip
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
            text = proofs.record_proof(ledger.log, UUID(args.stream), args.version)
            if args.out is None:
                print(text, end="")
            else:
                _write_record_proof(ledger.log, Path(args.out), args, text)
    finally:
        ledger.close()
    return 0


def _write_record_proof(store: LogStore, out: Path, args: argparse.Namespace, text: str) -> None:
    """DIR/proof (the tlog-proof) and DIR/record (the leaf's exact bytes, no final LF)."""
    index = store.leaf_of(args.stream, args.version)
    assert index is not None  # record_proof found it
    record = store.leaf_data(index)
    assert record is not None
    out.mkdir(parents=True, exist_ok=True)
    (out / "record").write_bytes(record)
    (out / "proof").write_text(text, encoding="utf-8")
    print(f"wrote {out / 'proof'} (leaf {index}) and {out / 'record'} ({len(record)} bytes)")


def _export_tiles(settings: Settings, out: Path, unwitnessed: bool) -> int:
    ledger = open_ledger(settings)
    try:
        signed = latest(ledger.log) if unwitnessed else latest_witnessed(ledger.log)
        if signed is None:
            raise LedgerError(f"no {'signed' if unwitnessed else 'witnessed'} checkpoint yet")
        size = signed.checkpoint.size
        with progress("writing the tiles"):
            count = write_tiles(ledger.log, ledger.app.recorder, out, size, signed.note)
    finally:
        ledger.close()
    print(f"wrote the checkpoint and {count} tiles (c2sp.org/tlog-tiles, size {size}) to {out}")
    return 0


def _export(settings: Settings, args: argparse.Namespace) -> int:
    if args.dir is None and args.tiles is None:
        raise LedgerError("give a bundle DIR, --tiles TILE_DIR, or both")
    if args.tiles is not None:
        _export_tiles(settings, Path(args.tiles), args.unwitnessed)
    if args.dir is None:
        return 0
    ledger = open_ledger(settings)
    try:
        log = _log_key(settings)
        policy = declared_policy(settings.home, log)
        with (
            projections_of(ledger, settings, batch=REBUILD_BATCH) as projections,
            progress("exporting the bundle") as update,
        ):

            def publish(out: Path, size: int) -> None:
                write_published(projections, out, size)

            summary = export_bundle(
                ledger.log, ledger.app.recorder, Path(args.dir), log.vkey(), update, policy,
                publish, unwitnessed=args.unwitnessed, timezone=settings.timezone,
            )  # fmt: skip
    finally:
        ledger.close()
    print(
        f"exported {summary.size} records, {summary.checkpoints} checkpoints, root "
        f"{_b64(summary.root)} to {args.dir}"
    )
    return 0


def _follow(settings: Settings, args: argparse.Namespace) -> int:
    """Integrate new records every --interval seconds until interrupted (SIGINT/SIGTERM);
    with the log key, also sign checkpoints every GONGSHI_CHECKPOINT_INTERVAL seconds and
    submit them to the policy's witnesses (unless --no-checkpoints)."""
    import signal
    import threading

    from ledger.clock import system_clock
    from ledger.log.witnesses import PolicyFile

    app = open_app(settings.database)
    db = SqlDatabase(settings.database)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    checkpointing = None
    try:
        store = LogStore(db, app.recorder)
        if not args.no_checkpoints:
            policy = PolicyFile(settings.home, _log_key(settings))
            _warn_if_unwitnessed(policy())
            checkpointing = start_checkpointing(store, settings, system_clock, policy)
        signing = (
            "" if checkpointing is None
            else f", signing every {settings.checkpoint_interval} s"
        )  # fmt: skip
        print(f"following the log every {args.interval} s{signing} (size {store.state().size})",
              flush=True)  # fmt: skip
        while not stop.is_set():
            store.integrate()
            stop.wait(args.interval)
    except KeyboardInterrupt:
        pass
    finally:
        if checkpointing is not None:
            checkpointing.stop()
        app.close()
        db.close()
    return 0


STATUS_KEYS = (
    "signed, witnessed (each null or size, signed_at), quorum, witnesses (name, state,"
    " cosigned_size, updated_at, url, detail), unwitnessed_policy"
)


def _status(settings: Settings, args: argparse.Namespace) -> int:
    """The newest signed and witnessed checkpoints and what each witness last did."""
    policy = _policy(settings)
    ledger = open_ledger(settings)
    try:
        signed, witnessed = latest(ledger.log), latest_witnessed(ledger.log)
        statuses = witness_status(ledger.log, policy)
    finally:
        ledger.close()
    refused = 1 if any(st.state == "refused" for st in statuses) else 0
    if wants_json(args):
        print_json({
            "signed": None if signed is None else
            {"size": signed.checkpoint.size, "signed_at": signed.signed_at},
            "witnessed": None if witnessed is None else
            {"size": witnessed.checkpoint.size, "signed_at": witnessed.signed_at},
            "quorum": policy.quorum, "unwitnessed_policy": policy.quorum == "none",
            "witnesses": [
                {"name": st.name, "state": st.state, "cosigned_size": st.cosigned_size,
                 "updated_at": st.updated_at, "url": policy.witnesses[st.name].url,
                 "detail": st.detail}
                for st in statuses
            ],
        })  # fmt: skip
        return refused
    for label, found in (("signed", signed), ("witnessed", witnessed)):
        if found is None:
            print(f"newest {label:9} checkpoint: none")
        else:
            print(f"newest {label:9} checkpoint: size {found.checkpoint.size}, signed at "
                  f"{found.signed_at}")  # fmt: skip
    print(f"policy: quorum {policy.quorum}, {len(policy.witnesses)} witnesses")
    _warn_if_unwitnessed(policy)
    print(f"{'witness':<14} {'state':<12} {'cosigned':>9}  {'updated':<28} url / detail")
    for st in statuses:
        url = policy.witnesses[st.name].url or "(no URL: pull mode)"
        size = "-" if st.cosigned_size is None else str(st.cosigned_size)
        print(f"{st.name:<14} {st.state:<12} {size:>9}  {st.updated_at or '-':<28} {url}")
        print(f"{'':<14} {st.detail}")
    return refused


def _add_cosignature(settings: Settings, args: argparse.Namespace) -> int:
    from ledger.clock import system_clock

    line = sys.stdin.read() if args.line == "-" else args.line
    policy = _policy(settings)
    ledger = open_ledger(settings)
    try:
        added = add_cosignature(ledger.log, policy, line, system_clock(), args.size)
    finally:
        ledger.close()
    kept = "stored" if added.stored else "not stored (a newer one by the same key is)"
    state = "witnessed" if added.witnessed else "not yet witnessed"
    print(f"cosignature by {added.witness} on the checkpoint of size {added.size}: {kept}; "
          f"the checkpoint is {state}")  # fmt: skip
    return 0


def _add_witness(settings: Settings, args: argparse.Namespace) -> int:
    vkey = Path(args.vkey).read_text() if Path(args.vkey).is_file() else args.vkey
    policy = add_witness_to_file(settings.home, _log_key(settings), args.name, vkey, args.url)
    group = policy.groups.get(policy.quorum)
    quorum = policy.quorum if group is None else (
        f"{policy.quorum}: {group.threshold} of {', '.join(group.members)}")  # fmt: skip
    print(f"witness {args.name} added to {settings.home / 'policy'}"
          f" ({args.url or 'no URL: pull mode'}); quorum {quorum}")  # fmt: skip
    return 0


def unwitnessed_warning(policy: Policy) -> str | None:
    """What to tell an operator whose policy trusts nothing but the log, or None."""
    if policy.quorum != "none":
        return None
    return ("gongshi: warning: the log's policy needs no witness (quorum none): every checkpoint"
            " counts as witnessed; add the departments' witnesses with 'gongshi witness add"
            " NAME VKEY [URL]'")  # fmt: skip


def _warn_if_unwitnessed(policy: Policy) -> None:
    warning = unwitnessed_warning(policy)
    if warning is not None:
        print(warning, file=sys.stderr, flush=True)


def _set_url(settings: Settings, args: argparse.Namespace) -> int:
    url = None if args.url == "none" else args.url
    set_witness_url(settings.home, _log_key(settings), args.name, url)
    print(f"witness {args.name}: {url or 'no URL (pull mode)'} in {settings.home / 'policy'}")
    return 0


def add_log_commands(sub: Any) -> None:
    witness = sub.add_parser("witness", help="the log's witnesses: cosignatures, URLs")
    witness_commands = witness.add_subparsers(dest="witness_command", required=True)
    attach = witness_commands.add_parser(
        "add-cosignature", help="verify a cosignature line and keep it on its checkpoint"
    )
    attach.add_argument("line", help="the cosignature line ('-' reads it from stdin)")
    attach.add_argument("--size", type=int, help="the checkpoint it cosigns (default: newest 8)")
    attach.set_defaults(run=_add_cosignature)
    add = witness_commands.add_parser(
        "add", help="add a department's witness (its vkey) to $GONGSHI_HOME/policy"
    )
    add.add_argument("name", help="the witness's name in the policy (e.g. finance)")
    add.add_argument("vkey", help="its verifier key (name+keyid+key), or a file holding it")
    add.add_argument("url", nargs="?", help="its tlog-witness submission prefix (optional)")
    add.set_defaults(run=_add_witness)
    set_url = witness_commands.add_parser(
        "set-url", help="set a witness's tlog-witness submission prefix in $GONGSHI_HOME/policy"
    )
    set_url.add_argument("name", help="the witness's name in the policy (e.g. audit)")
    set_url.add_argument("url", help="e.g. http://127.0.0.1:7380 ('none' removes it)")
    set_url.set_defaults(run=_set_url)
    log = sub.add_parser("log", help="the transparency log's integrator and checkpoints")
    log_commands = log.add_subparsers(dest="log_command", required=True)
    follow = log_commands.add_parser(
        "follow", help="integrate continuously, sign checkpoints on schedule, submit them"
    )
    follow.add_argument("--interval", type=float, default=0.2, help="seconds between steps")
    follow.add_argument("--no-checkpoints", action="store_true", help="integrate only")
    follow.set_defaults(run=_follow)
    status = log_commands.add_parser(
        "status", help="newest signed and witnessed checkpoints, each witness's state"
    )
    add_json_flag(status, STATUS_KEYS)
    status.set_defaults(run=_status)
    sub.add_parser(
        "checkpoint", help="integrate, sign a checkpoint if the tree grew, submit to witnesses"
    ).set_defaults(run=_checkpoint)
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
    record.add_argument("--out", metavar="DIR", help="write DIR/proof and DIR/record (its bytes)")
    proof.set_defaults(run=_proof)
    export = sub.add_parser("export", help="write the auditor's bundle into DIR")
    export.add_argument("dir", nargs="?", help="the bundle's directory (new or empty)")
    export.add_argument(
        "--tiles", metavar="TILE_DIR",
        help="also write the checkpoint and its tlog-tiles (tile/...) for a static server",
    )  # fmt: skip
    export.add_argument(
        "--unwitnessed", action="store_true",
        help="the newest signed checkpoint even if its cosignatures do not satisfy the policy "
             "(default: the newest witnessed one)",
    )  # fmt: skip
    export.set_defaults(run=_export)


__all__ = ["add_log_commands", "iter_notifications"]
