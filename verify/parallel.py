"""records.jsonl in chunks, checked on several processes (``gongshi-verify bundle --jobs N``).

What a record needs alone (its canonical form and its type's rules, §2 and §4) and the tree
over a chunk's leaves are checked chunk by chunk by a pool of N processes; what needs the
records before it (chains, rules across records, published lists, prefix roots) stays in the
calling process, which takes the chunks back in order and re-reads each accepted record with
the plain JSON parser (its bytes were found canonical). A chunk is CHUNK lines (a power of
two) from a multiple of CHUNK, so its leaves are whole subtrees of the log's tree. Every
failure is reported where a single pass reports it: the report is the same for every N.
With N = 1 the same code runs in-process, and the parsed records are kept, not re-read.
At most 2N + 1 chunks are in flight: memory does not grow with the records.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, replace
from itertools import chain, count, islice

from verify.canonical import SCAN, CanonicalError
from verify.failure import Failure
from verify.merkle import CompactRange, leaf_hash
from verify.record import Record, RecordError, parse_record, record_hash

CHUNK = 4096
Edge = list[tuple[int, bytes]]  # CompactRange.edge(): a range's perfect subtrees


@dataclass(frozen=True, slots=True)
class Chunk:
    """One chunk's lines (each with its LF, if it has one) and what was checked alone."""

    start: int  # the leaf index of its first line
    lines: list[bytes]
    edge: Edge  # the tree over its leaves
    prefixes: dict[int, Edge]  # size (start < size <= its end) -> the tree over [start, size)
    bad: dict[int, Failure]  # line offset -> why its record is refused
    records: list[Record | None] | None  # kept in-process (N = 1), else re-read

    def record(self, offset: int) -> Record | None:
        """The record at ``offset``, or None if refused."""
        if offset in self.bad:
            return None
        if self.records is not None:
            return self.records[offset]
        raw = self.lines[offset].removesuffix(b"\n")
        value = SCAN(raw.decode(), 0)[0]  # canonical: the value parse_canonical gave
        actor = value["actor"]
        return Record(value["stream"], value["version"], value["type"], value["at"],
                      actor["principal"], actor["role"], value["data"], value["prev"],
                      record_hash(raw), raw)  # fmt: skip


def record_failure(where: str, error: CanonicalError | RecordError) -> Failure:
    if isinstance(error, CanonicalError):
        return Failure(where, "record.canonical", str(error))
    return Failure(where, "record", str(error), error.expected, error.computed)


def check_chunk(start: int, lines: list[bytes], sizes: tuple[int, ...], keep: bool) -> Chunk:
    """Leaf hashes, the chunk's tree (and at ``sizes``) and each record's own checks."""
    tree, prefixes, bad = CompactRange(), {}, {}
    records: list[Record | None] | None = [] if keep else None
    for offset, line in enumerate(lines):
        data = line.removesuffix(b"\n")
        tree.append(leaf_hash(data))
        record = None
        try:
            record = parse_record(data)
        except (CanonicalError, RecordError) as e:
            bad[offset] = record_failure(f"records.jsonl line {start + offset + 1}", e)
        if records is not None:
            records.append(record)
        if start + offset + 1 in sizes:
            prefixes[start + offset + 1] = tree.edge()
    return Chunk(start, lines if keep else [], tree.edge(), prefixes, bad, records)


def _sizes(start: int, end: int, sizes: Iterable[int]) -> tuple[int, ...]:
    return tuple(s for s in sizes if start < s <= end)


def _pieces(lines: Iterable[bytes]) -> Iterator[tuple[int, list[bytes]]]:
    source = iter(lines)
    for start in count(0, CHUNK):
        if not (part := list(islice(source, CHUNK))):
            return
        yield start, part


def chunks(lines: Iterable[bytes], jobs: int, sizes: Iterable[int] = ()) -> Iterator[Chunk]:
    """The lines' chunks in order, checked by ``jobs`` processes (in-process for 1)."""
    wanted, pieces = sorted(sizes), _pieces(lines)
    head = list(islice(pieces, 2))  # one chunk only: no pool
    if jobs <= 1 or len(head) < 2:
        for start, part in chain(head, pieces):
            yield check_chunk(start, part, _sizes(start, start + len(part), wanted), True)
        return
    with ProcessPoolExecutor(jobs) as pool:
        window: deque[tuple[list[bytes], Future[Chunk]]] = deque()
        for start, part in chain(head, pieces):
            within = _sizes(start, start + len(part), wanted)
            window.append((part, pool.submit(check_chunk, start, part, within, False)))
            if len(window) > 2 * jobs:
                kept, done = window.popleft()
                yield replace(done.result(), lines=kept)
        while window:
            kept, done = window.popleft()
            yield replace(done.result(), lines=kept)
