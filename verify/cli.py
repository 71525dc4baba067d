"""``gongshi-verify`` (also ``python -m verify``): the auditor's offline checks.

    gongshi-verify bundle DIR [--policy FILE | --trust-bundle-policy] [--since CHECKPOINT]
                              [--jobs N]
    gongshi-verify proof FILE --record RECORD [--policy FILE]
    gongshi-verify consistency OLD NEW --proof FILE [--policy FILE]
        (each also takes --json, and --now SECONDS for a reproducible run)
    gongshi-verify policy pin FILE | policy show
    gongshi-verify witness keygen|serve|cosign ...  (a department's witness)

The policy is the auditor's trust anchor, never the bundle's: --policy FILE, else the file
named by GONGSHI_VERIFY_POLICY, else the one pinned with ``policy pin``
($XDG_CONFIG_HOME/gongshi-verify/policy). Where the bundle's own policy or keys differ from
it, each difference is printed as a DIFFERS line and changes nothing. Exit status: 0 valid
(or UNANCHORED with --trust-bundle-policy), 1 invalid (with what failed), 2 usage or I/O
error, or no policy. Progress goes to stderr, only when it is a terminal.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from verify.anchor import pin_policy, resolve_anchor
from verify.bundle import own_policy, verify_bundle
from verify.merkle import ProofError
from verify.note import NoteError
from verify.progress import ticking
from verify.proofcheck import check_consistency, check_record_proof, parse_consistency_json
from verify.report import INVALID, Report
from verify.usage import UsageError, read_text
from verify.witness_cli import add_witness_commands


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions as written; an option with a default other than None or False says it."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "default" in text or action.default in (None, False, argparse.SUPPRESS):
            return text
        return f"{text} (default: %(default)s)"


class _Parser(argparse.ArgumentParser):
    """Its subcommands (``add_subparsers`` makes them of this class) format help alike."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)


def _version() -> str:
    try:
        return version("gongshi")
    except PackageNotFoundError:  # a checkout that was never installed
        return "unknown"


JSON_KEYS = (
    "result, anchored, policy, now, checkpoint (origin, size, root), cosigners (name, time,"
    " age_seconds), set_aside, summary, failures (where, rule, message, expected, computed),"
    " more_failures, differences"
)


def _jobs(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes >= 1")
    return int(text)


def _now(args: argparse.Namespace) -> int:
    """The one reading of the clock for this run (or ``--now``)."""
    return int(args.now) if args.now is not None else int(time.time())


def _show(report: Report, args: argparse.Namespace, now: int) -> int:
    if args.json:
        print(json.dumps(report.to_json(now), ensure_ascii=False, sort_keys=True))
    else:
        print("\n".join(report.lines(now)))
    return 1 if report.result == INVALID else 0


def _bundle(args: argparse.Namespace) -> int:
    now, bundle = _now(args), Path(args.dir)
    if args.trust_bundle_policy:
        if args.policy:
            raise UsageError("--policy and --trust-bundle-policy exclude each other")
        anchor = own_policy(bundle)
    else:
        anchor = resolve_anchor(args.policy, args.environ)
    since = Path(args.since) if args.since else None
    with ticking("gongshi-verify: checking the bundle") as ticker:
        update = None if ticker is None else ticker.update
        report = verify_bundle(bundle, anchor, since, update, now, args.jobs)
    return _show(report, args, now)


def _proof(args: argparse.Namespace) -> int:
    now, anchor = _now(args), resolve_anchor(args.policy, args.environ)
    try:
        record = Path(args.record).read_bytes()
    except OSError as e:
        raise UsageError(f"{args.record}: {e}") from None
    report = check_record_proof(read_text(args.file), record, anchor.policy, now, anchor.source)
    return _show(report, args, now)


def _consistency(args: argparse.Namespace) -> int:
    now, anchor = _now(args), resolve_anchor(args.policy, args.environ)
    try:
        hashes = parse_consistency_json(read_text(args.proof))
    except ValueError as e:
        raise UsageError(f"{args.proof}: {e}") from None
    old, new = read_text(args.old), read_text(args.new)
    report = check_consistency(old, new, hashes, anchor.policy, now, anchor.source)
    return _show(report, args, now)


def _policy_pin(args: argparse.Namespace) -> int:
    target = pin_policy(Path(args.file), args.environ)
    print(f"pinned {args.file} as {target}")
    return 0


def _policy_show(args: argparse.Namespace) -> int:
    anchor = resolve_anchor(None, args.environ)
    policy = anchor.policy
    print(f"policy: {anchor.source}")
    print(policy.text(), end="")
    witnesses = ", ".join(policy.witnesses) or "none"
    print(f"# {len(policy.logs)} log(s); witnesses {witnesses}; quorum {policy.quorum}")
    return 0


def _checks(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--policy", help="your tlog-policy file (else the pinned one)")
    parser.add_argument("--json", action="store_true", help=f"one JSON object: {JSON_KEYS}")
    parser.add_argument("--now", type=int, help="POSIX seconds to use as now (default: clock)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="gongshi-verify", description=__doc__)
    parser.add_argument("--version", action="version", version=f"gongshi-verify {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    bundle = sub.add_parser("bundle", help="check an export bundle")
    bundle.add_argument("dir", help="the bundle's directory ('gongshi export DIR')")
    _checks(bundle)
    bundle.add_argument("--trust-bundle-policy", action="store_true",
                        help="use the bundle's own policy: the result says UNANCHORED")  # fmt: skip
    bundle.add_argument("--since", help="an earlier checkpoint you hold")
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    bundle.add_argument("--jobs", type=_jobs, default=cpus or 1, metavar="N",
                        help="processes checking the records (default: the CPUs this process "
                        "may use; the same report for any N)")  # fmt: skip
    bundle.set_defaults(run=_bundle)
    proof = sub.add_parser("proof", help="check a record's tlog-proof@v1 file")
    proof.add_argument("file", help="the tlog-proof file ('gongshi proof record --out')")
    proof.add_argument("--record", required=True, help="the record's bytes (one line)")
    _checks(proof)
    proof.set_defaults(run=_proof)
    consistency = sub.add_parser("consistency", help="check a consistency proof")
    consistency.add_argument("old", help="the older signed checkpoint (a file)")
    consistency.add_argument("new", help="the newer signed checkpoint (a file)")
    consistency.add_argument("--proof", required=True, help="JSON from 'gongshi proof consistency'")
    _checks(consistency)
    consistency.set_defaults(run=_consistency)
    policy = sub.add_parser("policy", help="the trust policy pinned for this user")
    policies = policy.add_subparsers(dest="policy_command", required=True)
    pin = policies.add_parser("pin", help="validate a tlog-policy file and pin it")
    pin.add_argument("file", help="a c2sp.org/tlog-policy file")
    pin.set_defaults(run=_policy_pin)
    show = policies.add_parser("show", help="the policy the checks would use, and from where")
    show.set_defaults(run=_policy_show)
    add_witness_commands(sub)
    return parser


EXIT_READER_GONE = 141  # 128 + SIGPIPE, what a shell reports for a closed pipe


def _reader_gone() -> int:
    """Point stdout at /dev/null, so that the interpreter's final flush can't fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return EXIT_READER_GONE


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Run one command; ``environ`` (default: the process's) is where the policy is found."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help, --version or a usage error
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            return _reader_gone()
        return 2 if e.code else 0
    args.environ = os.environ if environ is None else environ
    try:
        code: int = args.run(args)
        sys.stdout.flush()  # inside the try: a closed pipe shows here, not at exit
    except BrokenPipeError:  # the reader went away (``| head -1``): stop quietly
        return _reader_gone()
    except UsageError as e:
        print(f"gongshi-verify: {e}", file=sys.stderr)
        return 2
    except (ProofError, NoteError) as e:  # the witness commands' refusals of their input
        print(f"INVALID: {e}")
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
