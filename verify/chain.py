"""Per-stream hash chains: versions contiguous from 1, each ``prev`` the previous record's hash.

ChainChecker is fed records in any interleaving of streams (global order) and keeps only the
last (version, hash) of each stream, so memory grows with the number of streams, not records.
"""

from __future__ import annotations

from dataclasses import dataclass

from verify.record import GENESIS_PREV, Record

_NEW = (0, GENESIS_PREV)  # a stream's head before its first record


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
    """Checks that records extend their streams' chains; collects every break it sees."""

    def __init__(self) -> None:
        self._heads: dict[str, tuple[int, str]] = {}
        self.records = 0
        self.breaks: list[ChainBreak] = []

    @property
    def streams(self) -> int:
        return len(self._heads)

    def add(self, record: Record) -> list[ChainBreak]:
        """Check ``record`` against its stream's head, then make it the head.

        Returns the breaks this record caused (also appended to ``self.breaks``).
        """
        last_version, last_hash = self._heads.get(record.stream, _NEW)
        if record.version == last_version + 1 and record.prev == last_hash:  # the usual case
            self._heads[record.stream] = (record.version, record.hash)
            self.records += 1
            return []
        found: list[ChainBreak] = []
        if record.version <= last_version:
            found.append(
                ChainBreak(
                    record.stream,
                    record.version,
                    "fork: version already seen",
                    str(last_version + 1),
                    str(record.version),
                )
            )
        elif record.version != last_version + 1:
            found.append(
                ChainBreak(
                    record.stream,
                    record.version,
                    "version gap",
                    str(last_version + 1),
                    str(record.version),
                )
            )
        if record.prev != last_hash:
            found.append(
                ChainBreak(record.stream, record.version, "prev mismatch", last_hash, record.prev)
            )
        self._heads[record.stream] = (max(record.version, last_version), record.hash)
        self.records += 1
        self.breaks.extend(found)
        return found
