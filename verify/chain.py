"""Per-stream hash chains: versions contiguous from 1, each ``prev`` the previous record's hash.

ChainChecker is fed records in any interleaving of streams (global order) and keeps only the
last (version, hash) of each stream, so memory grows with the number of streams, not records.
"""

from __future__ import annotations

from dataclasses import dataclass

from verify.record import GENESIS_PREV, Record

_NEW = (0, bytes.fromhex(GENESIS_PREV))  # a stream's head before its first record


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """Evidence of one broken link: where, what was expected and what was found."""

    stream: str
    version: int
    reason: str
    expected: str
    computed: str

    def __str__(self) -> str:
        return (
            f"stream {self.stream} version {self.version}: {self.reason}"
            f" (expected {self.expected}, computed {self.computed})"
        )


class ChainChecker:
    """Checks that records extend their streams' chains: each stream's head is its last
    (version, hash), the hash as 32 bytes (~50 fewer per stream than its hex)."""

    def __init__(self) -> None:
        self._heads: dict[str, tuple[int, bytes]] = {}
        self.records = 0

    @property
    def streams(self) -> int:
        return len(self._heads)

    def add(self, record: Record) -> list[ChainBreak]:
        """Check ``record`` against its stream's head, then make it the head; the breaks
        this record caused."""
        last_version, last = self._heads.get(record.stream, _NEW)
        self.records += 1
        head, last_hash = bytes.fromhex(record.hash), last.hex()
        if record.version == last_version + 1 and record.prev == last_hash:  # the usual case
            self._heads[record.stream] = (record.version, head)
            return []
        found: list[ChainBreak] = []
        stream, version, expected = record.stream, record.version, str(last_version + 1)
        if version <= last_version:
            found.append(ChainBreak(stream, version, "fork: version already seen", expected,
                                    str(version)))  # fmt: skip
        elif version != last_version + 1:
            found.append(ChainBreak(stream, version, "version gap", expected, str(version)))
        if record.prev != last_hash:
            found.append(ChainBreak(stream, version, "prev mismatch", last_hash, record.prev))
        self._heads[stream] = (max(version, last_version), head)
        return found
