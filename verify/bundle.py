"""Check an export bundle (docs/FORMAT.md §7) from its files alone, streaming.

The policy comes from the auditor (verify/anchor.py), never from the bundle: the bundle's own
``policy`` and ``keys/`` are only compared with it (verify/declared.py), each difference a
notice in ``report.differences`` that never changes the result. Every failure is collected
as a Failure value (where, rule, expected, computed), not just the first.
Memory: the per-stream chain heads, invariant and published-list state, the O(log n) right
edge of the tree, and the roots at the sizes of the bundle's checkpoints — never the records.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path

from verify.anchor import Anchor, read_policy
from verify.chain import ChainChecker
from verify.checked import check_checkpoint
from verify.checkpoint import Checkpoint, parse_checkpoint
from verify.declared import compare_declared
from verify.failure import Failure
from verify.invariants import Invariants
from verify.manifest import check_manifest, manifest_zone, read_manifest
from verify.merkle import CompactRange
from verify.note import NoteError, parse_note
from verify.parallel import Edge, chunks
from verify.policy import Policy
from verify.published import DEFAULTS, PublishedCheck
from verify.report import Report, as_failure, b64
from verify.usage import UsageError

Progress = Callable[[int], None]
EMPTY_ROOT = hashlib.sha256(b"").digest()


class BundleError(UsageError):
    """The bundle can't be read at all (missing file, I/O): a usage/I-O error, exit 2."""


@dataclass
class BundleReport(Report):
    records: int = 0
    streams: int = 0
    invariants_checked: int = 0
    published_lists: int = 0
    published_rows: int = 0


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BundleError(f"{path}: missing") from None
    except (OSError, UnicodeDecodeError) as e:
        raise BundleError(f"{path}: unreadable ({e})") from None


def own_policy(bundle: Path) -> Anchor:
    """The bundle's own policy, for ``--trust-bundle-policy``: UNANCHORED, since nothing
    outside the operator vouches for it. BundleError if the bundle has none."""
    path = bundle / "policy"
    if not path.is_file():
        raise BundleError(f"{path}: missing: the bundle has no policy of its own to trust")
    return Anchor(read_policy(path, str(path)), "the bundle's own policy file", anchored=False)


def verify_bundle(
    bundle: Path,
    anchor: Anchor,
    since: Path | None = None,
    progress: Progress | None = None,
    now: int | None = None,
    jobs: int = 1,
) -> BundleReport:
    """Check ``bundle`` under ``anchor`` at ``now`` (POSIX seconds, for cosignature times),
    the records' own checks on ``jobs`` processes (the same report for any number);
    BundleError if it can't be read, else a report of every failure."""
    report = BundleReport(policy_source=anchor.source, anchored=anchor.anchored)
    if not bundle.is_dir():
        raise BundleError(f"{bundle}: not a directory")
    policy = anchor.policy
    report.differences = compare_declared(bundle, policy)  # reported; trust is the pinned one
    manifest, problems = read_manifest(bundle)
    zone, more = manifest_zone(manifest)
    for failure in problems + more:
        report.fail(failure)
    note = _read(bundle / "checkpoint")
    checked, problems = check_checkpoint(note, "checkpoint", policy, now, quorum=True)
    for failure in problems:
        report.fail(failure)
    if checked is not None:
        report.checkpoint = cp = checked.checkpoint
        report.cosigners, report.times = checked.cosigners, checked.times
        report.set_aside = checked.set_aside
    else:  # untrusted: still check the records against what it claims, for the evidence
        try:
            cp = parse_checkpoint(parse_note(note).text)
        except NoteError:
            return report
    for failure in check_manifest(bundle, manifest, cp) if manifest else []:
        report.fail(failure)
    if cp.size == 0:
        report.fail(Failure("checkpoint", "checkpoint.empty", "a bundle holds at least one record"))
    _check_copy(bundle, note, cp, report)
    prefixes = _older_checkpoints(bundle, since, policy, cp.origin, now, report)
    published = None
    if (bundle / "published").is_dir() or "published/" in manifest.get("files", {}):
        published = _published(bundle, cp.size, report, zone)
    tree = _stream_records(
        bundle / "records.jsonl", report, prefixes, progress, published, zone, jobs
    )
    if published is not None:
        published.finish(tree.size)
        report.published_lists, report.published_rows = published.lists, published.rows
    if tree.size != cp.size:
        report.fail(
            Failure("records.jsonl", "records.size", "as many lines as the checkpoint's size",
                    str(cp.size), str(tree.size))
        )  # fmt: skip
    elif tree.root() != cp.root:
        message = "the lines' RFC 9162 root is the checkpoint's"
        computed = b64(tree.root())
        report.fail(Failure("records.jsonl", "records.root", message, b64(cp.root), computed))
    for prefix_size, (where, _) in sorted(prefixes.items()):
        if prefix_size > tree.size:
            message = f"size {prefix_size} is beyond the bundle's {tree.size} records"
            report.fail(Failure(where, "checkpoint.beyond", message))
    report.summary.append(
        f"records: {report.records} in {report.streams} streams; "
        f"{report.invariants_checked} records checked against the domain invariants; "
        f"{report.published_lists} published lists ({report.published_rows} rows) recomputed"
    )
    return report


def _check_copy(bundle: Path, note: str, cp: Checkpoint, report: Report) -> None:
    """``checkpoint`` is byte for byte ``checkpoints/<its size>``."""
    where = f"checkpoints/{cp.size}"
    try:
        copy = (bundle / where).read_bytes()
    except OSError:
        report.fail(Failure(where, "bundle.checkpoint_copy", "missing: checkpoint has no copy"))
        return
    if copy != note.encode():
        message = "differs from checkpoint (the same note, byte for byte)"
        report.fail(Failure(where, "bundle.checkpoint_copy", message))


def _older_checkpoints(
    bundle: Path, since: Path | None, policy: Policy, origin: str, now: int | None,
    report: Report,
) -> dict[int, tuple[str, bytes]]:  # fmt: skip
    """Every ``checkpoints/SIZE`` and the ``--since`` one: the log's signature, the
    origin, every cosignature by a known key (no quorum); size -> (where, root) to check
    against the first SIZE records."""
    prefixes: dict[int, tuple[str, bytes]] = {}
    history = bundle / "checkpoints"
    paths = sorted(history.iterdir()) if history.is_dir() else []
    sources = [(f"checkpoints/{p.name}", p) for p in paths]
    if since is not None:
        sources.append((f"--since {since}", since))
    for where, path in sources:
        checked, problems = check_checkpoint(_read(path), where, policy, now, quorum=False,
                                             origin=origin)  # fmt: skip
        for failure in problems:
            report.fail(failure)
        if checked is None:
            continue
        checkpoint = checked.checkpoint
        if where.startswith("checkpoints/") and path.name != str(checkpoint.size):
            message = "a file in checkpoints/ is named by its checkpoint's size"
            report.fail(Failure(where, "bundle.checkpoint_name", message,
                                str(checkpoint.size), path.name))  # fmt: skip
        if checkpoint.size == 0:
            if checkpoint.root != EMPTY_ROOT:
                message = "a size-0 checkpoint has the empty tree's root"
                report.fail(Failure(where, "checkpoint.empty_root", message, b64(EMPTY_ROOT),
                                    b64(checkpoint.root)))  # fmt: skip
            continue
        seen = prefixes.get(checkpoint.size)
        if seen is not None and seen[1] != checkpoint.root:
            message = f"two signed roots for size {checkpoint.size} (a fork)"
            report.fail(Failure(where, "checkpoint.fork", message, b64(seen[1]),
                                b64(checkpoint.root)))  # fmt: skip
        prefixes[checkpoint.size] = (where, checkpoint.root)
    return prefixes


def _published(bundle: Path, size: int, report: Report, zone: tzinfo) -> PublishedCheck:
    """The published lists: a bundle that has published/ holds every list of §8."""
    for name in DEFAULTS:
        where = f"published/{name}.jsonl"
        if not (bundle / where).is_file():
            message = "missing: a bundle with published/ holds every list"
            report.fail(Failure(where, "published.missing", message))
    return PublishedCheck(
        bundle / "published", size, lambda p: report.fail(as_failure(p, "published")), zone
    )


def _stream_records(
    path: Path,
    report: BundleReport,
    prefixes: dict[int, tuple[str, bytes]],
    progress: Progress | None,
    published: PublishedCheck | None = None,
    zone: tzinfo | None = None,
    jobs: int = 1,
) -> CompactRange:
    """Read records.jsonl once: canonical form, chains, invariants (business dates in
    ``zone``, the manifest's timezone), the tree and its roots; the records' own checks on
    ``jobs`` processes (verify/parallel.py), the rest here in order."""
    chains = ChainChecker()
    invariants = Invariants() if zone is None else Invariants(zone=zone)
    tree = CompactRange()
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise BundleError(f"{path}: missing") from None
    with handle:
        for chunk in chunks(handle, jobs, prefixes):
            for offset, line in enumerate(chunk.lines):
                number = chunk.start + offset + 1
                where = f"records.jsonl line {number}"
                if not line.endswith(b"\n"):
                    report.fail(Failure(where, "records.newline", "truncated (no final newline)"))
                record = chunk.record(offset)
                if record is None:
                    report.fail(chunk.bad[offset])
                else:
                    for brk in chains.add(record):
                        rule = "chain.prev" if brk.reason == "prev mismatch" else "chain.version"
                        message = f"stream {brk.stream} version {brk.version}: {brk.reason}"
                        report.fail(Failure(where, rule, message, brk.expected, brk.computed))
                    for problem in invariants.add(record, where):
                        report.fail(as_failure(problem, "invariant"))
                if published is not None:
                    published.add(number - 1, record)
                if number in chunk.prefixes:
                    _prefix_root(tree, chunk.prefixes[number], prefixes[number], report)
                if progress is not None and number % 10_000 == 0:  # the ticker shows the count
                    progress(number)
            tree.extend(chunk.edge)
    for problem in invariants.end():
        report.fail(as_failure(problem, "invariant"))
    if tree.size == 0:
        report.fail(Failure("records.jsonl", "records.empty", "no records"))
    report.records, report.streams = tree.size, chains.streams
    report.invariants_checked = invariants.checked
    return tree


def _prefix_root(tree: CompactRange, rest: Edge, signed: tuple[str, bytes], report: Report) -> None:
    """The root of ``tree`` and then ``rest`` is the one ``signed`` (where, root) for its size."""
    prefix = CompactRange(tree.size, [value for _, value in tree.edge()])
    prefix.extend(rest)
    if prefix.root() != signed[1]:
        message = (
            f"root of the first {prefix.size} records differs from the signed one: "
            "history was rewritten or the log forked"
        )
        report.fail(Failure(signed[0], "checkpoint.prefix_root", message, b64(signed[1]),
                            b64(prefix.root())))  # fmt: skip
