"""Check an export bundle (docs/FORMAT.md §7) from its files alone, streaming.

Every failure is collected with its evidence (where, expected, computed), not just the first.
Memory: the per-stream chain heads, invariant and published-list state, the O(log n) right
edge of the tree, and the roots at the sizes of the bundle's checkpoints — never the records.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from verify.canonical import CanonicalError
from verify.chain import ChainChecker
from verify.checkpoint import Checkpoint, open_checkpoint, parse_checkpoint
from verify.invariants import Invariants
from verify.merkle import CompactRange, leaf_hash
from verify.note import NoteError, parse_note, parse_vkey
from verify.policy import Member, Policy, PolicyError, check_policy, parse_policy
from verify.published import DEFAULTS, PublishedCheck
from verify.record import Record, RecordError, parse_record

MAX_DETAILED = 1000
BUNDLE_FORMAT = "gongshi-bundle/v1"
Progress = Callable[[int], None]


class BundleError(Exception):
    """The bundle can't be read at all (missing file, I/O): a usage/I-O error, exit 2."""


@dataclass
class BundleReport:
    records: int = 0
    streams: int = 0
    checkpoint: Checkpoint | None = None
    cosigned_by: list[str] = field(default_factory=list)
    policy_source: str = ""
    failures: list[str] = field(default_factory=list)
    more_failures: int = 0
    invariants_checked: int = 0
    published_lists: int = 0
    published_rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.failures and not self.more_failures

    def fail(self, message: str) -> None:
        if len(self.failures) < MAX_DETAILED:
            self.failures.append(message)
        else:
            self.more_failures += 1


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BundleError(f"{path}: missing") from None
    except (OSError, UnicodeDecodeError) as e:
        raise BundleError(f"{path}: unreadable ({e})") from None


def load_policy(bundle: Path, policy_file: Path | None) -> tuple[Policy, str]:
    """The auditor's policy if given, else the bundle's declared one, else log key only."""
    if policy_file is not None:
        return parse_policy(_read(policy_file)), f"--policy {policy_file}"
    if (bundle / "policy").exists():
        return parse_policy(_read(bundle / "policy")), "the bundle's declared policy"
    log = parse_vkey(_read(bundle / "keys" / "log.vkey"))
    alone = "the bundle's log key alone (no policy file: no witnesses required)"
    return Policy((Member(log),)), alone


def verify_bundle(
    bundle: Path,
    policy_file: Path | None = None,
    since: Path | None = None,
    progress: Progress | None = None,
) -> BundleReport:
    """Check ``bundle``; BundleError if it can't be read, else a report of every failure."""
    report = BundleReport()
    if not bundle.is_dir():
        raise BundleError(f"{bundle}: not a directory")
    listed: object = {}
    if (bundle / "MANIFEST.json").exists():
        try:
            manifest = json.loads(_read(bundle / "MANIFEST.json"))
            declared, listed = manifest.get("format"), manifest.get("files", {})
        except (ValueError, AttributeError):
            declared = None
        if declared != BUNDLE_FORMAT:
            report.fail(f"MANIFEST.json: format {declared!r}, this verifier reads {BUNDLE_FORMAT}")
    if isinstance(listed, dict) and "published/" in listed:  # every list, or it was removed
        for name in DEFAULTS:
            if not (bundle / "published" / f"{name}.jsonl").is_file():
                report.fail(f"published/{name}.jsonl: missing, but MANIFEST.json lists published/")
    try:
        policy, report.policy_source = load_policy(bundle, policy_file)
    except (PolicyError, NoteError) as e:
        raise BundleError(f"policy: {e}") from None
    note = _read(bundle / "checkpoint")
    try:
        report.checkpoint, report.cosigned_by = check_policy(note, policy)
    except (NoteError, PolicyError) as e:
        report.fail(f"checkpoint: {e}")
        try:
            report.checkpoint = parse_checkpoint(parse_note(note).text)
        except NoteError:
            return report

    # Earlier checkpoints (and --since): each must be signed by the log and be a prefix.
    prefixes: dict[int, tuple[str, bytes]] = {}
    history = bundle / "checkpoints"
    for path in sorted(history.iterdir()) if history.is_dir() else []:
        _add_prefix(prefixes, f"checkpoints/{path.name}", _read(path), policy, report)
    if since is not None:
        _add_prefix(prefixes, f"--since {since}", _read(since), policy, report)

    cp = report.checkpoint
    published = None
    if (bundle / "published").is_dir():  # §8: recomputed while the records stream by
        published = PublishedCheck(bundle / "published", cp.size, report.fail)
    tree = _stream_records(bundle / "records.jsonl", report, prefixes, progress, published)
    if published is not None:
        published.finish(tree.size)
        report.published_lists, report.published_rows = published.lists, published.rows
    if tree.size != cp.size:
        report.fail(f"records.jsonl: {tree.size} lines, checkpoint size {cp.size}")
    elif tree.root() != cp.root:
        report.fail(
            f"records.jsonl: root expected {_b64(cp.root)} (checkpoint), computed "
            f"{_b64(tree.root())}"
        )
    for prefix_size, (where, _) in sorted(prefixes.items()):
        if prefix_size > tree.size:
            report.fail(f"{where}: size {prefix_size} is beyond the bundle's {tree.size} records")
    return report


def _add_prefix(
    prefixes: dict[int, tuple[str, bytes]],
    where: str,
    note: str,
    policy: Policy,
    report: BundleReport,
) -> None:
    try:
        checkpoint = open_checkpoint(note, policy.log.name, policy.log)
    except NoteError as e:
        report.fail(f"{where}: {e}")
        return
    if checkpoint.size in prefixes and prefixes[checkpoint.size][1] != checkpoint.root:
        report.fail(
            f"{where}: two signed roots for size {checkpoint.size}: "
            f"{_b64(prefixes[checkpoint.size][1])} and {_b64(checkpoint.root)} (a fork)"
        )
    prefixes[checkpoint.size] = (where, checkpoint.root)


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def _stream_records(
    path: Path,
    report: BundleReport,
    prefixes: dict[int, tuple[str, bytes]],
    progress: Progress | None,
    published: PublishedCheck | None = None,
) -> CompactRange:
    """Read records.jsonl once: canonical form, chains, invariants, the tree and its roots."""
    chains = ChainChecker()
    invariants = Invariants()
    tree = CompactRange()
    if 0 in prefixes:
        report.fail(f"{prefixes[0][0]}: a checkpoint of size 0 proves nothing")
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise BundleError(f"{path}: missing") from None
    with handle:
        for number, line in enumerate(handle, start=1):
            where = f"records.jsonl line {number}"
            if not line.endswith(b"\n"):
                report.fail(f"{where}: truncated (no final newline)")
            data = line[:-1] if line.endswith(b"\n") else line
            tree.append(leaf_hash(data))
            record: Record | None = None
            try:
                record = parse_record(data)
            except (CanonicalError, RecordError) as e:
                report.fail(f"{where}: {e}")
            else:
                for brk in chains.add(record):
                    report.fail(f"{where}: {brk}")
                for problem in invariants.add(record, where):
                    report.fail(problem)
            if published is not None:
                published.add(number - 1, record)
            expected = prefixes.get(tree.size)
            if expected is not None and tree.root() != expected[1]:
                report.fail(
                    f"{expected[0]}: root of the first {tree.size} records expected "
                    f"{_b64(expected[1])} (signed), computed {_b64(tree.root())}: history was "
                    "rewritten or the log forked"
                )
            if progress is not None and number % 100_000 == 0:
                progress(number)
    if tree.size == 0:
        report.fail("records.jsonl: empty")
    report.records, report.streams = tree.size, chains.streams
    report.invariants_checked = invariants.checked
    return tree
