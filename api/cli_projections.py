"""``gongshi projections status|follow`` and ``gongshi rebuild``: the admins' commands."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Any

from api.cli_output import add_json_flag, print_json, progress, wants_json
from ledger.ledger import open_ledger
from ledger.settings import Settings
from projections.follow import ProjectionFollower
from projections.rebuild import RebuildReport, rebuild, rebuild_all, rebuild_shadow
from projections.registry import NAMES, REBUILD_BATCH, open_projections, projections_of

STATUS_KEYS = "projections (name, position, log_size, lag, rows, digest)"


def _status(settings: Settings, args: argparse.Namespace) -> int:
    ledger = open_ledger(settings)
    try:
        with projections_of(ledger, settings) as projections:
            statuses = projections.status()
    finally:
        ledger.close()
    if wants_json(args):
        print_json({"projections": [
            {"name": s.name, "position": s.position, "log_size": s.log_size, "lag": s.lag,
             "rows": s.rows, "digest": s.digest}
            for s in statuses
        ]})  # fmt: skip
        return 0
    print(f"{'projection':<18} {'position':>9} {'log':>9} {'lag':>7} {'rows':>7}  digest")
    for s in statuses:
        print(f"{s.name:<18} {s.position:>9} {s.log_size:>9} {s.lag:>7} {s.rows:>7}  {s.digest}")
    return 0


REBUILD_KEYS = (
    "ok, projections (name, position, identical, live_digest, rebuilt_digest, swapped, note,"
    " differing_keys)"
)


def _report_json(r: RebuildReport) -> dict[str, Any]:
    return {"name": r.name, "position": r.position, "identical": r.identical,
            "live_digest": r.live_digest, "rebuilt_digest": r.rebuilt_digest,
            "swapped": r.swapped, "note": r.note,
            "differing_keys": list(r.differing_keys)}  # fmt: skip


def _print_report(report: RebuildReport, shadow: bool) -> None:
    verdict = "identical" if report.identical else "DIFFERENT"
    print(f"{report.name}: rebuilt digest at position {report.position} is {verdict}")
    print(f"  live    {report.live_digest}\n  rebuilt {report.rebuilt_digest}")
    if shadow:
        print("  swapped in" if report.swapped else "  not swapped: the live table still serves")
    if report.note:
        print(f"  note: {report.note}")
    for key in report.differing_keys:
        print(f"  differing row {key}")


def _rebuild(settings: Settings, args: argparse.Namespace) -> int:
    if args.all == bool(args.name):
        print("gongshi rebuild: name one projection or give --all", file=sys.stderr)
        return 2
    ledger = open_ledger(settings)
    try:
        names = NAMES if args.all else [args.name]
        with projections_of(ledger, settings, batch=args.batch) as projections:
            projections.select(names)  # unknown names fail before anything is dropped
            if args.all and not args.shadow:
                with progress("rebuilding all projections", unit="leaves") as update:
                    reports = rebuild_all(projections, update)
            else:
                run = rebuild_shadow if args.shadow else rebuild
                reports = []
                for name in names:
                    with progress(f"rebuilding {name}", unit="leaves") as update:
                        reports.append(run(projections, name, update))
        failed = sum(report.failed for report in reports)
    finally:
        ledger.close()
    if wants_json(args):
        print_json({"ok": not failed, "projections": [_report_json(r) for r in reports]})
    else:
        for report in reports:
            _print_report(report, args.shadow)
    return 1 if failed else 0


def _follow(settings: Settings, args: argparse.Namespace) -> int:
    """Keep every projection current until SIGINT or SIGTERM."""
    ledger = open_ledger(settings)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    projections = open_projections(ledger, settings)
    follower = ProjectionFollower(projections, args.interval).start()
    print(f"following the log for {len(NAMES)} projections every {args.interval} s", flush=True)
    try:
        while not stop.wait(1.0):
            if follower.error is not None:
                print(f"gongshi projections follow: {follower.error}", file=sys.stderr)
                follower.error = None
    except KeyboardInterrupt:
        pass
    finally:
        follower.stop()
        projections.close()
        ledger.close()
    return 0


def add_projection_commands(sub: Any) -> None:
    projections = sub.add_parser("projections", help="the read models that follow the log")
    commands = projections.add_subparsers(dest="projections", required=True)
    status = commands.add_parser("status", help="position, lag and digest of each")
    add_json_flag(status, STATUS_KEYS)
    status.set_defaults(run=_status)
    follow = commands.add_parser("follow", help="keep every projection current")
    follow.add_argument("--interval", type=float, default=0.2, help="seconds between polls")
    follow.set_defaults(run=_follow)
    again = sub.add_parser("rebuild", help="rebuild projections and prove them identical")
    again.add_argument("name", nargs="?", choices=NAMES, help="one projection")
    again.add_argument("--all", action="store_true", help="every projection")
    again.add_argument(
        "--shadow", action="store_true",
        help="build beside the live table and swap only if the digests are equal",
    )  # fmt: skip
    again.add_argument(
        "--batch", type=_positive, default=REBUILD_BATCH,
        help="leaves per transaction",
    )  # fmt: skip
    add_json_flag(again, REBUILD_KEYS)
    again.set_defaults(run=_rebuild)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 1")
    return int(text)
