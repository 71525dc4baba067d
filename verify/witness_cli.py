"""``gongshi-verify witness``: a department's witness, from the command line.

    witness keygen --name NAME [--type mldsa44|ed25519] --out DIR
    witness serve  --name NAME --key SKEY [--key SKEY2] --state FILE --log-vkey VKEY
                   [--listen HOST:PORT]
    witness cosign [--name NAME] --key SKEY [--key SKEY2] --state FILE
                   (--log-url URL | --checkpoint FILE [--proof FILE] | --bundle DIR)
                   [--log-vkey VKEY] [--time POSIX]

Keys are vkeys/skeys of type 0x06 (ML-DSA-44, the default) or 0x04 (Ed25519); a witness may
hold one of each and then returns both lines. Exit status: 0 cosigned, 1 refused, 2 usage.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any

from verify.note import (
    COSIGNATURE_TYPES,
    COSIGNATURE_V1,
    ED25519,
    MLDSA44_COSIGNATURE,
    NoteError,
    Signer,
    Verifier,
    checkpoint_head,
    parse_note,
    parse_skey,
    parse_vkey,
)
from verify.usage import UsageError, read_text
from verify.witness import WitnessRefusal, cosign, read_state
from verify.witness_pull import fetch_from_log, post_cosignature, records_tree
from verify.witness_server import WitnessServer, WitnessService

KEY_TYPES = {"mldsa44": MLDSA44_COSIGNATURE, "ed25519": COSIGNATURE_V1}


def _signers(paths: list[str], name: str | None) -> list[Signer]:
    """The witness's keys (type 0x04 or 0x06, distinct), each named ``name`` or NAME/…/name."""
    signers: list[Signer] = []
    for path in paths:
        try:
            signer = parse_skey(read_text(path))
        except NoteError as e:
            raise UsageError(f"{path}: {e}") from None
        if signer.sig_type not in COSIGNATURE_TYPES:
            raise UsageError(f"{path}: a witness key is type 0x04 (Ed25519) or 0x06 (ML-DSA-44)")
        if name and name not in (signer.name, signer.name.rsplit("/", 1)[-1]):
            raise UsageError(f"{path} is the key of {signer.name}, not of {name}")
        if signer.verifier in (s.verifier for s in signers):
            raise UsageError(f"{path}: the same key twice")
        signers.append(signer)
    return signers


def _log_key(path: str) -> Verifier:
    try:
        log = parse_vkey(read_text(path))
    except NoteError as e:
        raise UsageError(f"{path}: {e}") from None
    if log.sig_type != ED25519:
        raise UsageError(f"{path}: a log's key is type 0x01 (Ed25519)")
    return log


def _keygen(args: argparse.Namespace) -> int:
    try:
        signer = Signer.generate(args.name, KEY_TYPES[args.type])
    except NoteError as e:
        raise UsageError(str(e)) from None
    out = Path(args.out)
    base = f"{args.name.rsplit('/', 1)[-1]}-{args.type}"
    skey_path, vkey_path = out / f"{base}.skey", out / f"{base}.vkey"
    if skey_path.exists() or vkey_path.exists():
        raise UsageError(f"{skey_path} or {vkey_path} exists: not overwritten")
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd = os.open(skey_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(signer.skey() + "\n")
        vkey_path.write_text(signer.verifier.vkey() + "\n")
    except OSError as e:
        raise UsageError(str(e)) from None
    print(signer.verifier.vkey())
    print(f"wrote {skey_path} (secret, mode 0600) and {vkey_path} (give it to the log and "
          "the auditors)", file=sys.stderr)  # fmt: skip
    return 0


def _listen(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or int(port) > 65535:
        raise UsageError(f"--listen {value!r}: expected HOST:PORT (PORT 0 picks a free one)")
    return host, int(port)


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _serve(args: argparse.Namespace) -> int:
    signers = _signers(args.key, args.name)
    log = _log_key(args.log_vkey)
    state_path = Path(args.state)
    state = read_state(state_path)
    if state is not None and state.log_vkey.strip() != log.vkey():
        raise UsageError(f"{state_path} follows another log key: {state.log_vkey.strip()}")
    service = WitnessService(state_path, signers, log, pause_before_answer=args.pause)
    try:
        server = WitnessServer(_listen(args.listen), service)
    except OSError as e:
        raise UsageError(f"--listen {args.listen}: {e}") from None
    print(f"listening on {server.url}", flush=True)
    keys = ", ".join(f"{s.verifier.key_id:08x} ({s.sig_type:#04x})" for s in signers)
    size = "nothing yet" if state is None else f"size {state.checkpoint.size}"
    print(f"witness {signers[0].name} keys {keys} for log {log.name}; cosigned {size}",
          file=sys.stderr, flush=True)  # fmt: skip
    signal.signal(signal.SIGTERM, _stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _proof_file(path: str) -> tuple[bytes, ...]:
    try:
        body = json.loads(read_text(path))
        return tuple(base64.b64decode(h, validate=True) for h in body["proof"])
    except (ValueError, KeyError, TypeError, binascii.Error) as e:
        raise UsageError(f"{path}: not a consistency proof ({e})") from None


def _cosign(args: argparse.Namespace) -> int:
    signers = _signers(args.key, args.name)
    bundle = Path(args.bundle) if args.bundle else None
    state_path = Path(args.state)
    state = read_state(state_path)
    stored_size = state.checkpoint.size if state is not None else None
    base = args.log_url.rstrip("/") if args.log_url else None
    if base is not None and (bundle or args.checkpoint or args.proof):
        raise UsageError("--log-url fetches the checkpoint and proof: no --bundle/--checkpoint")
    checkpoint_file = args.checkpoint or (str(bundle / "checkpoint") if bundle else None)
    proof: tuple[bytes, ...] | None = None
    if base is not None:
        note, proof = fetch_from_log(base, stored_size)
    elif checkpoint_file is None:
        raise UsageError("give --log-url URL, --checkpoint FILE or --bundle DIR")
    else:
        note = read_text(checkpoint_file)
    vkey_file = args.log_vkey or (str(bundle / "keys" / "log.vkey") if bundle else None)
    if vkey_file is not None:
        log = _log_key(vkey_file)
    elif state is not None:
        log = parse_vkey(state.log_vkey)
    else:
        raise UsageError("the first cosignature needs the log's key: --log-vkey or --bundle")
    if args.proof:
        proof = _proof_file(args.proof)
    records = None
    if bundle is not None:
        records = records_tree(bundle / "records.jsonl", stored_size or 0)
    timestamp = int(args.time) if args.time is not None else int(time.time())
    try:
        lines = cosign(state_path, signers, note, log, timestamp, proof, records)
    except WitnessRefusal as refusal:
        print(f"REFUSED: {refusal.reason} (evidence kept in {state_path.parent / 'evidence'})")
        return 1
    print(lines, end="")
    if base is not None:
        size = checkpoint_head(parse_note(note).text)[1]
        for line in lines.splitlines(keepends=True):
            attached = post_cosignature(base, size, line)
        print(f"attached to the checkpoint of tree size {attached} at {base}")
    return 0


def add_witness_commands(sub: Any) -> None:
    witness = sub.add_parser("witness", help="a department's witness")
    commands = witness.add_subparsers(dest="witness_command", required=True)
    keygen = commands.add_parser("keygen", help="make a witness key (skey 0600 and vkey)")
    keygen.add_argument("--name", required=True, help="the key name, e.g. witness.example/audit")
    keygen.add_argument(
        "--type", choices=sorted(KEY_TYPES), default="mldsa44", help="the signature type"
    )
    keygen.add_argument("--out", required=True, help="directory for NAME-TYPE.skey and .vkey")
    keygen.set_defaults(run=_keygen)
    serve = commands.add_parser("serve", help="c2sp.org/tlog-witness over HTTP")
    serve.add_argument("--name", required=True, help="the witness's name (checked against keys)")
    serve.add_argument("--key", action="append", required=True, help="skey file (repeatable)")
    serve.add_argument("--state", required=True, help="the witness's state file")
    serve.add_argument("--log-vkey", required=True, help="the log's vkey file")
    serve.add_argument("--listen", default="127.0.0.1:0", help="HOST:PORT (default: a free port)")
    serve.add_argument("--pause-before-answer", dest="pause", type=float, default=0.0,
                       help=argparse.SUPPRESS)  # fmt: skip
    serve.set_defaults(run=_serve)
    cosign_cmd = commands.add_parser("cosign", help="cosign a checkpoint consistent with the last")
    cosign_cmd.add_argument("--name", help="the witness's name (checked against its keys)")
    cosign_cmd.add_argument("--key", action="append", required=True, help="skey (repeatable)")
    cosign_cmd.add_argument("--state", required=True, help="the witness's state file")
    cosign_cmd.add_argument("--checkpoint", help="the signed checkpoint to cosign")
    cosign_cmd.add_argument("--proof", help="consistency proof JSON from the cosigned size")
    cosign_cmd.add_argument("--bundle", help="an export bundle: checkpoint, records, log key")
    cosign_cmd.add_argument("--log-vkey", help="the log's vkey (first use)")
    cosign_cmd.add_argument(
        "--log-url", help="the log's server: fetch checkpoint and proof, post the cosignature"
    )
    cosign_cmd.add_argument("--time", help="POSIX timestamp to sign (default: now)")
    cosign_cmd.set_defaults(run=_cosign)
