"""The raw files a ledger's data lives in, and a byte search through them.

SQLite: every file under GONGSHI_HOME (``ledger.db``, ``-wal``, ``-shm``, any journal, the
server's log). PostgreSQL: the files of every relation of the ledger's schema (tables,
indexes, their TOAST tables and TOAST indexes, all segments) under ``SHOW data_directory``,
after a CHECKPOINT so that what the buffers hold is on disk. Reading them needs the test to
run as the database's owner or root, as CI does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import psycopg

from ledger.settings import parse_database_url

RELATIONS = """
WITH own AS (
    SELECT c.oid, c.reltoastrelid FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %(schema)s
), toast AS (
    SELECT reltoastrelid AS oid FROM own WHERE reltoastrelid <> 0
), toast_index AS (
    SELECT indexrelid AS oid FROM pg_index WHERE indrelid IN (SELECT oid FROM toast)
)
SELECT c.relname, pg_relation_filepath(c.oid) FROM pg_class c
WHERE c.oid IN (SELECT oid FROM own UNION SELECT oid FROM toast UNION SELECT oid FROM toast_index)
  AND pg_relation_filepath(c.oid) IS NOT NULL
"""


@dataclass(frozen=True)
class Found:
    path: Path
    what: str  # the file's name under the home, or its relation's
    needle: str  # what was searched for (a label, never the secret bytes)
    offset: int


def _segments(base: Path) -> list[Path]:
    files = [base] if base.exists() else []
    n = 1
    while (segment := base.with_name(f"{base.name}.{n}")).exists():
        files.append(segment)
        n += 1
    return files


def database_files(url: str, home: Path) -> dict[Path, str]:
    """The files that hold the ledger at ``url`` (PostgreSQL: checkpointed first), each with
    what it is: its path under the home, or its relation's name."""
    database = parse_database_url(url)
    if database.kind == "sqlite":
        return {p: str(p.relative_to(home)) for p in sorted(home.rglob("*")) if p.is_file()}
    with psycopg.connect(database.psycopg_conninfo(), autocommit=True) as conn:
        conn.execute("CHECKPOINT")
        row = conn.execute("SHOW data_directory").fetchone()
        assert row is not None
        data = Path(str(row[0]))
        relations = conn.execute(RELATIONS, {"schema": database.schema or "public"}).fetchall()
    files = {f: f"{name} ({f.name})" for name, rel in relations
             for f in _segments(data / str(rel))}  # fmt: skip
    assert files, f"no relation files of schema {database.schema} under {data}"
    return files


def search(files: dict[Path, str], needles: dict[str, bytes]) -> list[Found]:
    """Every (file, needle label) where the needle's bytes occur, with the first offset."""
    found = []
    for path, what in files.items():
        try:
            data = path.read_bytes()
        except FileNotFoundError:  # a relation rewritten since it was listed
            continue
        for label, needle in needles.items():
            at = data.find(needle)
            if at >= 0:
                found.append(Found(path, what, label, at))
    return found
