"""gongshi (公示): the ledger's own command — keys, the demo, the checks, the care fund's
return visits and the supervision cases past their deadline, erasure, the transparency log
(checkpoints, proofs, the auditor's export, witnesses), principals and tokens, the routine
assessment, the projections, and the HTTP server.

Every command that prints a result takes --json (one JSON object; its keys are in the
command's help). Settings come from GONGSHI_* environment variables (see the README);
GONGSHI_LANG=en keeps messages in English.
"""

from __future__ import annotations

import argparse
import base64
import os
import select
import shutil
import signal
import sys
import time
from collections.abc import Sequence
from uuid import UUID

from api.cli_assessment import add_assessment_commands
from api.cli_carefund import add_carefund_commands
from api.cli_due import add_due_commands
from api.cli_errors import (
    command_of,
    expected,
    report_bug,
    report_expected,
    report_interrupted,
)
from api.cli_keys import add_keys_commands
from api.cli_log import add_log_commands
from api.cli_output import (
    Parser,
    add_json_flag,
    add_version,
    print_json,
    progress,
    say,
    wants_json,
)
from api.cli_postings import add_posting_commands
from api.cli_principals import add_principal_commands, add_token_argument, token_actor
from api.cli_projections import add_projection_commands
from api.cli_server import add_server_commands
from api.cli_spreadsheets import add_spreadsheet_commands
from ledger.app import open_app
from ledger.check import check_store
from ledger.db import SqlDatabase, reset_database
from ledger.demo import demo_summary, load_demo
from ledger.errors import RuleViolation
from ledger.ledger import open_ledger
from ledger.log.checkpoints import latest, sign_checkpoint
from ledger.log.keys import create_log_key, load_signer
from ledger.log.local_witnesses import run_local_witnesses
from ledger.log.rederive import rederive_log
from ledger.log.store import LogStore
from ledger.log.witnesses import (
    DEPARTMENTS,
    create_witness_key,
    ensure_policy,
    witness_verifiers,
)
from ledger.settings import ConfigError, Settings, load_settings
from ledger.unavailable import (
    DISK_ERROR,
    FILE_UNAVAILABLE,
    OUT_OF_RESOURCES,
    SHUTTING_DOWN,
    UNREACHABLE,
    redact,
    unavailable,
)
from ledger.vault import create_master_key
from projections.erasure import ErasureIncomplete, complete_erasure, run_erasure_job
from projections.registry import REBUILD_BATCH, projections_of


def _demo(settings: Settings, args: argparse.Namespace) -> int:
    if args.reset:
        if settings.database.kind == "postgresql" and not args.yes:
            print(
                "gongshi: --reset drops the events, vault and log tables at "
                f"{settings.database.host}/{settings.database.dbname}"
                f"{'/' + settings.database.schema if settings.database.schema else ''};"
                " add --yes to confirm",
                file=sys.stderr,
            )
            return 2
        reset_database(settings.database)
        # A log that forgot its leaves must not sign under its old identity (it would sign
        # trees inconsistent with its earlier checkpoints): it gets a new key, and the
        # witnesses' states for the old log go too.
        for path in (settings.log_skey_path, settings.log_vkey_path):
            path.unlink(missing_ok=True)
        shutil.rmtree(settings.home / "witness", ignore_errors=True)
        print(f"reset {settings.database.kind} database; the log gets a new key")
    if settings.vault_key_hex is None and create_master_key(settings.vault_key_path):
        print(f"created vault master key {settings.vault_key_path}")
    if create_log_key(settings.log_skey_path, settings.log_vkey_path, settings.origin)[0]:
        print(f"created log key {settings.log_skey_path}")
    signer = load_signer(settings.log_skey_path, settings.origin)
    for name in DEPARTMENTS:
        create_witness_key(settings.keys_dir, name)
    policy = ensure_policy(settings.home, signer.verifier)
    ledger = open_ledger(settings)
    try:
        started = time.perf_counter()
        with progress("loading the demo (about 25 s)"):
            loaded = load_demo(ledger)
        if loaded:
            print(f"loaded the demo in {time.perf_counter() - started:.1f} s")
        else:
            print("demo data already loaded (nothing written; use --reset to start again)")
        for line in demo_summary(ledger):
            print(line)
        with progress("signing and witnessing a checkpoint"):
            signed = sign_checkpoint(ledger.log, signer, settings.origin, ledger.clock, policy)
            now = ledger.clock()
            demo_keys = witness_verifiers(settings.keys_dir)  # a department's own key: not here
            local = tuple(n for n in DEPARTMENTS if policy.witnesses[n].verifier == demo_keys[n])
            cosigned = run_local_witnesses(
                ledger.log, settings.home, local, int(now.timestamp()), policy, now
            )
        with (
            projections_of(ledger, settings, batch=REBUILD_BATCH) as projections,
            progress("projecting the public lists", unit="leaves") as update,
        ):
            projections.catch_up(progress=update)
        state = latest(ledger.log) if signed is None else signed
        if state is not None:
            cp = state.checkpoint
            print(
                f"log: {cp.size} leaves, root {base64.b64encode(cp.root).decode()}, signed and"
                f" cosigned by the witnesses {', '.join(cosigned)}"
            )
    finally:
        ledger.close()
    return 0


CHECK_KEYS = (
    "ok, records, streams, leaves, breaks (stream, version, reason, expected, computed),"
    " log_problems"
)


def _check(settings: Settings, args: argparse.Namespace) -> int:
    path = settings.database.sqlite_path
    if path is not None and not path.exists():
        raise ConfigError(f"no ledger at {path} (see GONGSHI_DATABASE_URL)")
    app = open_app(settings.database)
    db = SqlDatabase(settings.database)
    try:
        with progress("checking records") as update:
            report = check_store(
                app.recorder, progress=lambda n: update(n, 0), database=settings.database
            )
        with progress("re-deriving the log"):
            store = LogStore(db, app.recorder)
            log_problems = rederive_log(store, app.recorder)
            leaves = store.state().size
    finally:
        app.close()
        db.close()
    ok = report.ok and not log_problems
    if wants_json(args):
        breaks = [
            {"stream": str(b.stream), "version": b.version, "reason": b.reason,
             "expected": b.expected, "computed": b.computed}
            for b in report.breaks
        ]  # fmt: skip
        print_json({"ok": ok, "records": report.records, "streams": report.streams,
                    "leaves": leaves, "breaks": breaks,
                    "log_problems": [str(p) for p in log_problems]})  # fmt: skip
        return 0 if ok else 1
    for problem in log_problems:
        print(f"LOG BROKEN: {problem}")
    if ok:
        print(say(
            f"OK: {report.records} 条记录、{report.streams} 个流，哈希与链全部有效；日志的"
            f" {leaves} 个叶子及其检查点与记录一致",
            f"OK: {report.records} records in {report.streams} streams, all hashes and chains"
            f" valid; the log's {leaves} leaves and its checkpoints match the records",
        ))  # fmt: skip
        return 0
    if report.ok:
        return 1
    first = report.breaks[0]
    print(
        say(
            f"BROKEN: 流 {first.stream} 第 {first.version} 版：{first.reason}",
            f"BROKEN: stream {first.stream} version {first.version}: {first.reason}",
        )
    )
    print(say(f"  应为 {first.expected}", f"  expected {first.expected}"))
    print(say(f"  算得 {first.computed}", f"  computed {first.computed}"))
    if len(report.breaks) > 1:
        print(say(f"  （另有 {len(report.breaks) - 1} 处断裂）",
                  f"  ({len(report.breaks) - 1} further breaks)"))  # fmt: skip
        for brk in report.breaks[1:20]:
            print(f"  - {brk}")
    return 1


def _erase(settings: Settings, args: argparse.Namespace) -> int:
    """Request (``--reason``), approve (``--approve``) or, with ``--run``, run the erasure
    job: complete the approved erasures no longer held, compact the files once."""
    ledger = open_ledger(settings)
    try:
        with projections_of(ledger, settings) as projections:
            if args.job:
                try:
                    batch = run_erasure_job(ledger, projections)
                except ErasureIncomplete as e:
                    print(f"gongshi erase: {e}", file=sys.stderr)
                    return 1
                compacted = "yes" if batch.compacted else "nothing new"
                print(f"erased {len(batch.erased)}, held {len(batch.held)}, compacted: {compacted}")
                for who, held in batch.held.items():
                    print(f"  held {who}: {', '.join(held)}")
                for who, why in batch.failed.items():
                    print(f"  failed {who}: {why} (skipped; the others went on)", file=sys.stderr)
                return 1 if batch.failed else 0
            if args.subject is None or (args.reason is not None) == args.approve:
                print("gongshi erase: SUBJECT with --reason or --approve", file=sys.stderr)
                return 2
            subject, actor = args.subject, token_actor(ledger, args)
            if not args.approve:
                ledger.request_erasure(subject, args.reason, actor)
                print(f"erasure of {subject} requested: a second principal approves it")
                return 0
            ledger.approve_erasure(subject, actor)
            try:
                complete_erasure(ledger, projections, subject)
            except RuleViolation as e:
                if e.rule != "subject.erasure_hold":
                    raise
                print(f"erasure of {subject} approved, held: {e.message}")
                return 0
    finally:
        ledger.close()
    print(f"erased subject {subject}: recorded, vault data deleted, lists rewritten;"
          " the erasure job compacts the files")  # fmt: skip
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="gongshi", description=__doc__)
    add_version(parser, "gongshi")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_keys_commands(sub)
    demo = sub.add_parser(
        "demo", help="load the demo: the source's six programmes (Tongcheng care fund, Taihu"
        " points, Yuexi key projects, Wangjiang inspections, Qianshan assessment, Huaining"
        " lectures and mentoring), their postings and an import",
    )  # fmt: skip
    demo.add_argument("--reset", action="store_true", help="delete all ledger data first")
    demo.add_argument("--yes", action="store_true", help="confirm --reset on PostgreSQL")
    demo.set_defaults(run=_demo)
    check = sub.add_parser("check", help="verify every stored record's hash and chain")
    add_json_flag(check, CHECK_KEYS)
    check.set_defaults(run=_check)
    add_due_commands(sub)
    erase = sub.add_parser(
        "erase", help="request (--reason), approve (--approve) an erasure, or --run the job"
    )
    erase.add_argument("subject", nargs="?", type=UUID, help="the subject's pseudonymous id (UUID)")
    erase.add_argument("--reason", help="request the erasure, with its reason (data_protection)")
    erase.add_argument("--approve", action="store_true", help="approve it (another principal)")
    erase.add_argument(
        "--run", dest="job", action="store_true", help="run the batched erasure job"
    )  # dest: ``run`` is the command's function (set_defaults)
    add_token_argument(erase)
    erase.set_defaults(run=_erase)
    add_log_commands(sub)
    add_principal_commands(sub)
    add_carefund_commands(sub)
    add_assessment_commands(sub)
    add_posting_commands(sub)
    add_projection_commands(sub)
    add_server_commands(sub)
    add_spreadsheet_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. Exit status: the command's own (0, 1); 2 for a refused request, bad
    input or configuration (one line on stderr, no traceback); 3 when the database is
    unavailable (one line); 130 on Ctrl-C; 70 for an unexpected error (a bug: its traceback and
    a hint); 141 (128 + SIGPIPE, what a shell reports for a command killed by a closed pipe)
    when the reader of stdout went away, as in ``gongshi overdue | head -1``: the rest of the
    output is dropped silently, and a ``set -o pipefail`` script sees the output was cut short."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as done:  # --help, --version or a usage error: argparse's own exit
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            return _reader_gone()
        raise done from None
    settings: Settings | None = None
    command = command_of(args, _SUBCOMMANDS)
    try:
        settings = load_settings()
        code: int = args.run(settings, args)
        sys.stdout.flush()  # inside the try: a closed pipe shows here, not at interpreter exit
    except BrokenPipeError:
        if not _stdout_closed():
            return report_bug()  # a socket's (a witness's, the database's), not the reader's
        return _reader_gone()
    except KeyboardInterrupt:
        return report_interrupted(command)
    except Exception as e:
        reason = unavailable(e)
        if reason is not None:
            where = "GONGSHI_DATABASE_URL" if settings is None else redact(settings.database.url)
            print(_unavailable_line(args, where, reason), file=sys.stderr)
            return EXIT_UNAVAILABLE
        if expected(e):
            return report_expected(command, e)
        return report_bug()
    return code


EXIT_UNAVAILABLE = 3
_SUBCOMMANDS = (
    "command",
    "keys",
    "log_command",
    "witness_command",
    "kind",
    "tokens",
    "principals",
    "carefund_command",
    "assessment_command",
    "postings_command",
    "projections",
)
EXIT_READER_GONE = 128 + signal.SIGPIPE

_CHECK_SERVER = "check that the database is running and reachable as GONGSHI_DATABASE_URL says"
_ADVICE = {
    UNREACHABLE: _CHECK_SERVER, SHUTTING_DOWN: _CHECK_SERVER, FILE_UNAVAILABLE: _CHECK_SERVER,
    DISK_ERROR: "check the database's disk", OUT_OF_RESOURCES: "check the database's limits",
}  # fmt: skip


def _unavailable_line(args: argparse.Namespace, where: str, reason: str) -> str:
    """``gongshi CMD: REASON (URL without password); WHAT TO DO, then run it again``."""
    command = command_of(args, _SUBCOMMANDS)
    advice = _ADVICE.get(reason, "wait a moment")
    return f"gongshi {command}: {reason} ({where}); {advice}, then run the command again"


def _stdout_closed() -> bool:
    """True if stdout is a pipe or socket whose reader has gone (poll reports an error)."""
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(ev & (select.POLLERR | select.POLLHUP) for _, ev in poller.poll(0))
    except (OSError, ValueError):
        return False


def _reader_gone() -> int:
    """The Python docs' recipe (library/signal.html, "Note on SIGPIPE"): point stdout at
    /dev/null so that the interpreter's final flush of the unwritten rest can't fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return EXIT_READER_GONE


if __name__ == "__main__":
    sys.exit(main())
