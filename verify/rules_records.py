"""Every record fits an entry bundle (docs/FORMAT.md §4 rule 78 ``record.entry_size``, §7).

c2sp.org/tlog-tiles gives each leaf of an entry bundle a big-endian uint16 length, so a record
longer than 65,535 bytes could not be served as static tiles. The ledger refuses to save one
(ledger/chained.py ``build_record``) and splits the lists that grow with the data into bounded
parts (``points.RankingPart``); a record over the limit breaks this rule whatever its type.
"""

from __future__ import annotations

from verify.failure import Failure
from verify.record import Record
from verify.schema import MAX_RECORD_BYTES

ENTRY_SIZE = "record.entry_size"


def entry_size(r: Record, where: str) -> list[Failure]:
    """``record.entry_size``: the record's bytes (its line without the LF) within the limit."""
    size = len(r.raw.removesuffix(b"\n"))
    if size <= MAX_RECORD_BYTES:
        return []
    message = f"{r.type} {r.stream}/{r.version}: longer than an entry bundle can carry"
    return [Failure(where, ENTRY_SIZE, message, f"at most {MAX_RECORD_BYTES} bytes",
                    f"{size} bytes")]  # fmt: skip
