"""``gongshi-verify`` (also ``python -m verify``): the auditor's offline checks.

    gongshi-verify bundle DIR [--policy FILE] [--since CHECKPOINT_FILE]
    gongshi-verify proof FILE --vkey VKEY_FILE [--record FILE]
    gongshi-verify consistency OLD NEW --proof FILE --vkey VKEY_FILE
    gongshi-verify witness cosign --name NAME --key SKEY --state STATE --checkpoint FILE
                                  (--proof FILE | --bundle DIR) [--log-vkey FILE]

Exit status: 0 valid, 1 invalid (with what failed), 2 usage or I/O error.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from verify.bundle import BundleError, verify_bundle
from verify.checkpoint import open_checkpoint
from verify.merkle import ProofError, leaf_hash, verify_consistency, verify_inclusion
from verify.note import NoteError, parse_vkey
from verify.tlogproof import parse_tlog_proof
from verify.usage import UsageError, read_text
from verify.witness_cli import add_witness_commands


def _progress(count: int) -> None:
    if sys.stderr.isatty():
        print(f"\rchecked {count:,} records", end="", file=sys.stderr, flush=True)


def _bundle(args: argparse.Namespace) -> int:
    try:
        report = verify_bundle(
            Path(args.dir),
            Path(args.policy) if args.policy else None,
            Path(args.since) if args.since else None,
            _progress,
        )
    except BundleError as e:
        raise UsageError(str(e)) from None
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(f"policy: {report.policy_source}")
    if report.checkpoint is not None:
        cp = report.checkpoint
        print(f"checkpoint: {cp.origin} size {cp.size} root {base64.b64encode(cp.root).decode()}")
        print(f"cosigned by: {', '.join(report.cosigned_by) or 'no witness'}")
    print(
        f"records: {report.records} in {report.streams} streams; "
        f"{report.invariants_checked} records checked against the domain invariants; "
        f"{report.published_lists} published lists ({report.published_rows} rows) recomputed"
    )
    if report.ok:
        print("VALID")
        return 0
    for failure in report.failures:
        print(f"FAIL {failure}")
    if report.more_failures:
        print(f"FAIL ... and {report.more_failures} more failures")
    print(f"INVALID: {len(report.failures) + report.more_failures} failures")
    return 1


def _proof(args: argparse.Namespace) -> int:
    log = parse_vkey(read_text(args.vkey))
    proof = parse_tlog_proof(read_text(args.file))
    checkpoint = open_checkpoint(proof.checkpoint, log.name, log)
    print(f"checkpoint {checkpoint.origin} size {checkpoint.size} signed by {log.name}")
    if args.record is None:
        print(f"index {proof.index}: proof well-formed; give --record to check a record's bytes")
        return 0
    data = Path(args.record).read_bytes()
    if data.endswith(b"\n"):
        data = data[:-1]
    verify_inclusion(proof.index, checkpoint.size, leaf_hash(data), proof.proof, checkpoint.root)
    print(f"VALID: the record is leaf {proof.index} of the signed tree of {checkpoint.size}")
    return 0


def _consistency(args: argparse.Namespace) -> int:
    log = parse_vkey(read_text(args.vkey))
    old = open_checkpoint(read_text(args.old), log.name, log)
    new = open_checkpoint(read_text(args.new), log.name, log)
    try:
        body = json.loads(read_text(args.proof))
        hashes = [base64.b64decode(h, validate=True) for h in body["proof"]]
    except (ValueError, KeyError, TypeError, binascii.Error) as e:
        raise UsageError(f"{args.proof}: not a consistency proof ({e})") from None
    verify_consistency(old.size, new.size, hashes, old.root, new.root)
    print(f"VALID: the tree of {new.size} extends the tree of {old.size}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gongshi-verify", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    bundle = sub.add_parser("bundle", help="check an export bundle")
    bundle.add_argument("dir")
    bundle.add_argument("--policy", help="your own policy file (else the bundle's)")
    bundle.add_argument("--since", help="an earlier checkpoint you hold")
    bundle.set_defaults(run=_bundle)
    proof = sub.add_parser("proof", help="check a tlog-proof@v1 file")
    proof.add_argument("file")
    proof.add_argument("--vkey", required=True, help="the log's vkey file")
    proof.add_argument("--record", help="the record's bytes (one line)")
    proof.set_defaults(run=_proof)
    consistency = sub.add_parser("consistency", help="check a consistency proof")
    consistency.add_argument("old")
    consistency.add_argument("new")
    consistency.add_argument("--proof", required=True, help="JSON from 'gongshi proof consistency'")
    consistency.add_argument("--vkey", required=True, help="the log's vkey file")
    consistency.set_defaults(run=_consistency)
    add_witness_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return 2 if e.code else 0
    try:
        code: int = args.run(args)
    except UsageError as e:
        print(f"gongshi-verify: {e}", file=sys.stderr)
        return 2
    except (ProofError, NoteError) as e:
        print(f"INVALID: {e}")
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
