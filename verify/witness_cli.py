"""``gongshi-verify witness cosign``: a department's witness, from the command line."""

from __future__ import annotations

import argparse
import base64
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from verify.merkle import CompactRange, leaf_hash
from verify.note import COSIGNATURE_V1, NoteError, parse_skey, parse_vkey
from verify.usage import UsageError, read_text
from verify.witness import WitnessRefusal, cosign, read_state


def _prefix_root(bundle: Path, size: int) -> bytes:
    """The root of the first ``size`` lines of the bundle's records.jsonl."""
    tree = CompactRange()
    with (bundle / "records.jsonl").open("rb") as f:
        for line in f:
            if tree.size == size:
                break
            tree.append(leaf_hash(line.rstrip(b"\n")))
    if tree.size != size:
        raise NoteError(f"the bundle has {tree.size} records, fewer than {size}")
    return tree.root()


def _http(url: str, data: bytes | None = None) -> bytes:
    """GET (or POST ``data`` as text/plain) with the standard library; UsageError on failure."""
    headers = {"Content-Type": "text/plain; charset=utf-8"} if data is not None else {}
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            body: bytes = response.read()
            return body
    except urllib.error.HTTPError as e:
        detail = e.read()[:300].decode("utf-8", "replace")
        raise UsageError(f"{url}: HTTP {e.code}: {detail}") from None
    except (urllib.error.URLError, TimeoutError) as e:
        raise UsageError(f"{url}: {e}") from None


def _from_log(base: str, state_size: int | None) -> tuple[str, list[bytes] | None]:
    """The log's latest checkpoint and, after a first cosignature, the consistency proof
    from the size this witness last cosigned (empty when the tree did not grow)."""
    note = _http(f"{base}/log/v1/checkpoint").decode("utf-8")
    if state_size is None:
        return note, None
    lines = note.split("\n")
    size = int(lines[1]) if len(lines) > 2 and lines[1].isdigit() else -1
    if size <= state_size:
        return note, []  # decide() refuses a smaller size and accepts the same one
    query = urllib.parse.urlencode({"old": state_size, "new": size})
    body = json.loads(_http(f"{base}/log/v1/proof/consistency?{query}"))
    return note, [base64.b64decode(h, validate=True) for h in body["proof"]]


def _cosign(args: argparse.Namespace) -> int:
    signer = parse_skey(read_text(args.key))
    if signer.sig_type != COSIGNATURE_V1:
        raise UsageError(f"{args.key}: a witness key is type 0x04 (cosignature/v1)")
    if args.name and signer.name.rsplit("/", 1)[-1] != args.name and signer.name != args.name:
        raise UsageError(f"{args.key} is the key of {signer.name}, not of {args.name}")
    bundle = Path(args.bundle) if args.bundle else None
    state_path = Path(args.state)
    state = read_state(state_path)
    base = args.log_url.rstrip("/") if args.log_url else None
    if base is not None and (bundle or args.checkpoint or args.proof):
        raise UsageError("--log-url fetches the checkpoint and proof: no --bundle/--checkpoint")
    checkpoint_file = args.checkpoint or (str(bundle / "checkpoint") if bundle else None)
    if base is not None:
        note, fetched = _from_log(base, state.checkpoint.size if state else None)
    elif checkpoint_file is None:
        raise UsageError("give --log-url URL, --checkpoint FILE or --bundle DIR")
    else:
        note, fetched = read_text(checkpoint_file), None
    vkey_file = args.log_vkey or (str(bundle / "keys" / "log.vkey") if bundle else None)
    if vkey_file is not None:
        log = parse_vkey(read_text(vkey_file))
    elif state is not None:
        log = parse_vkey(state.log_vkey)
    else:
        raise UsageError("the first cosignature needs the log's key: --log-vkey or --bundle")
    proof, prefix = fetched, None
    if args.proof:
        body = json.loads(read_text(args.proof))
        proof = [base64.b64decode(h, validate=True) for h in body["proof"]]
    elif bundle is not None and state is not None:
        prefix = _prefix_root(bundle, state.checkpoint.size)
    timestamp = int(args.time) if args.time is not None else int(time.time())
    try:
        line = cosign(state_path, signer, note, log, timestamp, proof, prefix)
    except WitnessRefusal as refusal:
        print(f"REFUSED: {refusal.reason} (evidence kept in {state_path.parent / 'evidence'})")
        return 1
    print(line, end="")
    if base is not None:
        answer = json.loads(_http(f"{base}/log/v1/cosignatures", line.encode("utf-8")))
        print(f"attached to the checkpoint of tree size {answer['tree_size']} at {base}")
    return 0


def add_witness_commands(sub: Any) -> None:
    witness = sub.add_parser("witness", help="a department's witness")
    commands = witness.add_subparsers(dest="witness_command", required=True)
    cosign_cmd = commands.add_parser("cosign", help="cosign a checkpoint consistent with the last")
    cosign_cmd.add_argument("--name", help="the witness's name (checked against its key)")
    cosign_cmd.add_argument("--key", required=True, help="the witness's skey file (type 0x04)")
    cosign_cmd.add_argument("--state", required=True, help="the witness's state file")
    cosign_cmd.add_argument("--checkpoint", help="the signed checkpoint to cosign")
    cosign_cmd.add_argument("--proof", help="consistency proof JSON from the cosigned size")
    cosign_cmd.add_argument("--bundle", help="an export bundle (checkpoint, records, log key)")
    cosign_cmd.add_argument("--log-vkey", help="the log's vkey (first use)")
    cosign_cmd.add_argument(
        "--log-url", help="the log's server: fetch checkpoint and proof, post the cosignature"
    )
    cosign_cmd.add_argument("--time", help="POSIX timestamp to sign (default: now)")
    cosign_cmd.set_defaults(run=_cosign)
