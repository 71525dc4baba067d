"""A projection's table: public rows and internal state as canonical JSON documents.

    gongshi_proj_NAME (kind, key, grp, body)   PRIMARY KEY (kind, key), INDEX (grp)

``kind`` is ``row`` for the rows of the public list (§8 of docs/FORMAT.md) and anything else
for state a projection keeps for itself (an application's fund year, a cadre's books). ``grp``
groups rows that are recomputed together (a ranking's scheme, period and category). ``body``
is canonical JSON, so the digest is the same on every database.

``Rows`` is the runner's view of the table during a batch: reads go through a cache, writes
stay in it until ``flush`` writes the changed documents in the batch's transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from ledger.db import Cursor

ROW = "row"
Document = dict[str, Any]
_ENCODER = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False
)
_ROWS_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def encode_document(doc: Document) -> str:
    """Canonical JSON (docs/FORMAT.md §1) of a projection's document, without the general
    encoder's per-value checks. Requires what every projection's document is by
    construction: ASCII object keys (so code-point order is UTF-16 order), no floats, and
    integers within ±(2^53 − 1) (sums of amounts taken from canonical records). Unit tests
    hold it equal to verify.canonical.canonical_bytes, and gongshi-verify checks every
    published line is canonical."""
    return _ENCODER.encode(doc)


def table_ddl(table: str) -> tuple[str, ...]:
    """The statements that create ``table`` and its index (idempotent)."""
    return (
        f"CREATE TABLE IF NOT EXISTS {table} (kind TEXT NOT NULL, key TEXT NOT NULL,"
        " grp TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (kind, key))",
        f"CREATE INDEX IF NOT EXISTS {table}_grp ON {table} (grp)",
    )


class Rows:
    """Read-through, write-back access to one projection table. Not thread-safe."""

    def __init__(self, table: str, complete: bool = False) -> None:
        """``complete``: the cache starts as the whole table (an empty table, at position 0),
        so a document not in the cache is not in the table either: no SELECT for it (a
        rebuild from empty tables reads nothing back)."""
        self.table = table
        self.complete = complete
        self.cursor: Cursor | None = None
        self._docs: dict[tuple[str, str], Document | None] = {}
        self._groups: dict[str, set[str]] = {}  # grp -> keys of its public rows (loaded)
        self._grp_of: dict[str, str] = {}
        self._dirty: set[tuple[str, str]] = set()

    def __len__(self) -> int:
        """Documents held in the cache."""
        return len(self._docs)

    def _cur(self) -> Cursor:
        if self.cursor is None:
            raise RuntimeError("Rows used outside a batch")
        return self.cursor

    def get(self, kind: str, key: str) -> Document | None:
        """The document, or None; the caller may change it and must then ``put`` it."""
        if (kind, key) not in self._docs:
            cur = self._cur()
            if self.complete:
                return None
            found = cur.execute(
                f"SELECT grp, body FROM {self.table} WHERE kind = ? AND key = ?", (kind, key)
            )
            doc: Document | None = json.loads(found[0][1]) if found else None
            self._docs[(kind, key)] = doc
            if found and kind == ROW:
                self._grp_of[key] = str(found[0][0])
        return self._docs[(kind, key)]

    def put(self, kind: str, key: str, doc: Document, grp: str = "") -> None:
        """Store ``doc`` (a public row gets its ``key`` member) at the end of the batch."""
        if kind == ROW:
            doc["key"] = key
            old = self._grp_of.get(key)
            if old != grp:
                if old is not None and old in self._groups:
                    self._groups[old].discard(key)
                if grp in self._groups:
                    self._groups[grp].add(key)
                self._grp_of[key] = grp
        self._docs[(kind, key)] = doc
        self._dirty.add((kind, key))

    def group(self, grp: str) -> dict[str, Document]:
        """Every public row of group ``grp`` (requires grp != ""), by key."""
        if grp not in self._groups:
            keys = set()
            cur = self._cur()
            stored = () if self.complete else cur.execute(
                f"SELECT key, body FROM {self.table} WHERE grp = ? AND kind = ?", (grp, ROW)
            )  # fmt: skip
            for key, body in stored:
                keys.add(key)
                if (ROW, key) not in self._docs:
                    self._docs[(ROW, key)] = json.loads(body)
                    self._grp_of[key] = grp
            keys |= {k for k, g in self._grp_of.items() if g == grp}
            self._groups[grp] = keys
        found: dict[str, Document] = {}
        for key in self._groups[grp]:
            doc = self._docs.get((ROW, key))
            if doc is not None:
                found[key] = doc
        return found

    def flush(self) -> int:
        """Write every changed document; returns how many."""
        rows = [
            (kind, key, self._grp_of.get(key, "") if kind == ROW else "",
             encode_document(doc))
            for (kind, key) in sorted(self._dirty)
            if (doc := self._docs[(kind, key)]) is not None
        ]  # fmt: skip
        cur = self._cur()
        upsert = " ON CONFLICT (kind, key) DO UPDATE SET grp = excluded.grp, body = excluded.body"
        if cur.is_postgres and rows:  # one statement, one parameter: the rows as JSON text
            cur.execute(  # (executemany, or arrays, cost a Python loop per row in psycopg)
                f"INSERT INTO {self.table} (kind, key, grp, body) SELECT r->>0, r->>1, r->>2,"
                " r->>3 FROM json_array_elements(CAST(? AS JSON)) AS r" + upsert,
                (_ROWS_ENCODER.encode(rows),),
            )
        else:
            cur.executemany(
                f"INSERT INTO {self.table} (kind, key, grp, body) VALUES (?, ?, ?, ?)" + upsert,
                rows,
            )
        self._dirty.clear()
        return len(rows)


def row_lines(cur: Cursor, table: str) -> Iterator[bytes]:
    """The public rows' canonical bodies in key order (byte order of the ASCII keys)."""
    found = cur.execute(f"SELECT key, body FROM {table} WHERE kind = ?", (ROW,))
    for _, body in sorted(found, key=lambda row: str(row[0]).encode("utf-8")):
        yield str(body).encode("utf-8")


def digest_of_lines(lines: Iterator[bytes]) -> tuple[str, int]:
    """SHA-256 over each line followed by LF (docs/FORMAT.md §8), and the number of lines."""
    h = hashlib.sha256()
    count = 0
    for line in lines:
        h.update(line)
        h.update(b"\n")
        count += 1
    return h.hexdigest(), count
