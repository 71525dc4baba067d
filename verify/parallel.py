"""records.jsonl in chunks, checked on several processes (``gongshi-verify bundle --jobs N``).

What a record needs alone (its canonical form and its type's rules, §2 and §4) and the tree
over a chunk's leaves are checked chunk by chunk by a pool of N processes; what needs the
records before it (chains, rules across records, published lists, prefix roots) stays in the
calling process, which takes the chunks back in order, each record's fields as a tuple (the
cheapest to send). A chunk is CHUNK lines (a power of two) from a multiple of CHUNK, so its
leaves are whole subtrees of the log's tree. Every failure is reported where a single pass
reports it: the report is the same for every N. With N = 1 the same code runs in-process on
chunks of KEPT lines. At most N + 2 chunks are in flight: memory does not grow with the log.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, replace
from itertools import chain, count, islice
from typing import Any

from verify.canonical import CanonicalError
from verify.failure import Failure
from verify.merkle import CompactRange, leaf_hash
from verify.record import Record, RecordError, parse_record

CHUNK = 2048
KEPT = 256  # in-process: parsed records are kept, so smaller chunks
Edge = list[tuple[int, bytes]]  # CompactRange.edge(): a range's perfect subtrees
Fields = tuple[str, int, str, str, str, str, dict[str, Any], str, str]


@dataclass(frozen=True, slots=True)
class Chunk:
    """One chunk's lines (each with its LF, if it has one) and what was checked alone."""

    start: int  # the leaf index of its first line
    lines: list[bytes]
    edge: Edge  # the tree over its leaves
    prefixes: dict[int, Edge]  # size (start < size <= its end) -> the tree over [start, size)
    bad: dict[int, Failure]  # line offset -> why its record is refused
    records: list[Record | None]  # kept in-process (N = 1), else empty
    fields: list[Fields | None]  # from a pool: each Record's fields but raw

    def record(self, offset: int) -> Record | None:
        """The record at ``offset``, or None if refused."""
        if self.records:
            return self.records[offset]
        fields = self.fields[offset]
        return None if fields is None else Record(*fields, self.lines[offset])


def record_failure(where: str, error: CanonicalError | RecordError) -> Failure:
    if isinstance(error, CanonicalError):
        return Failure(where, "record.canonical", str(error))
    return Failure(where, "record", str(error), error.expected, error.computed)


def check_chunk(start: int, lines: list[bytes], sizes: tuple[int, ...], keep: bool) -> Chunk:
    """Leaf hashes, the chunk's tree (and at ``sizes``) and each record's own checks; the
    records ``keep``t, else their fields (a tuple pickles several times faster)."""
    tree, prefixes, bad = CompactRange(), {}, {}
    records: list[Record | None] = []
    for offset, line in enumerate(lines):
        data = line.removesuffix(b"\n")
        tree.append(leaf_hash(data))
        record = None
        try:
            record = parse_record(data)
        except (CanonicalError, RecordError) as e:
            bad[offset] = record_failure(f"records.jsonl line {start + offset + 1}", e)
        records.append(record)
        if start + offset + 1 in sizes:
            prefixes[start + offset + 1] = tree.edge()
    if keep:
        return Chunk(start, lines, tree.edge(), prefixes, bad, records, [])
    fields: list[Fields | None] = [None if r is None else r[:-1] for r in records]  # not raw
    return Chunk(start, [], tree.edge(), prefixes, bad, [], fields)


def _sizes(start: int, end: int, sizes: Iterable[int]) -> tuple[int, ...]:
    return tuple(s for s in sizes if start < s <= end)


def _pieces(lines: Iterable[bytes], size: int) -> Iterator[tuple[int, list[bytes]]]:
    source = iter(lines)
    for start in count(0, size):
        if not (part := list(islice(source, size))):
            return
        yield start, part


def chunks(lines: Iterable[bytes], jobs: int, sizes: Iterable[int] = ()) -> Iterator[Chunk]:
    """The lines' chunks in order, checked by ``jobs`` processes (in-process for 1)."""
    wanted, pieces = sorted(sizes), _pieces(lines, CHUNK if jobs > 1 else KEPT)
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
            if len(window) > jobs + 1:
                kept, done = window.popleft()
                yield replace(done.result(), lines=kept)
        while window:
            kept, done = window.popleft()
            yield replace(done.result(), lines=kept)
