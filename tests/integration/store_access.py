"""Raw access to stored events, below the ledger, for the tamper tests."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from ledger.db import SqlDatabase
from ledger.settings import Database


def _table(db: SqlDatabase) -> tuple[str, str]:
    return ("gongshi_events", "notification_id") if db.is_postgres else ("stored_events", "rowid")


def rows(database: Database) -> list[tuple[int, str, int, str, bytes]]:
    """(notification id, stream, version, topic, state) of every stored event, in order."""
    db = SqlDatabase(database)
    table, key = _table(db)
    try:
        found = db.execute(
            f"SELECT {key}, originator_id, originator_version, topic, state FROM {table}"
            f" ORDER BY {key}"
        )
    finally:
        db.close()
    return [(int(r[0]), str(UUID(str(r[1]))), int(r[2]), str(r[3]), bytes(r[4])) for r in found]


def update(database: Database, notification_id: int, **columns: Any) -> None:
    """Overwrite columns of one stored event (originator_id, originator_version, topic, state)."""
    db = SqlDatabase(database)
    table, key = _table(db)
    if "originator_id" in columns:  # SQLite keeps the UUID as 32 hex digits
        stream = UUID(str(columns["originator_id"]))
        columns["originator_id"] = stream if db.is_postgres else stream.hex
    assignments = ", ".join(f"{name} = ?" for name in columns)
    try:
        db.execute(
            f"UPDATE {table} SET {assignments} WHERE {key} = ?",
            (*columns.values(), notification_id),
        )
    finally:
        db.close()


def delete(database: Database, notification_id: int) -> None:
    db = SqlDatabase(database)
    table, key = _table(db)
    try:
        db.execute(f"DELETE FROM {table} WHERE {key} = ?", (notification_id,))
    finally:
        db.close()


def raw_dump(database: Database) -> bytes:
    """Every byte the database holds for Gongshi: the SQLite file, or all PostgreSQL rows."""
    if database.kind == "sqlite":
        assert database.sqlite_path is not None
        return database.sqlite_path.read_bytes()
    db = SqlDatabase(database)
    out = bytearray()
    try:
        for table in ("gongshi_events", "gongshi_vault_subjects", "gongshi_vault_documents"):
            for row in db.execute(f"SELECT * FROM {table}"):
                for value in row:
                    out += (
                        bytes(value)
                        if isinstance(value, bytes | memoryview)
                        else str(value).encode()
                    )
    finally:
        db.close()
    return bytes(out)


def update_raw_stream(database: Database, notification_id: int, text: str) -> None:
    """Write ``text`` as the stored stream id, unnormalised (SQLite only)."""
    db = SqlDatabase(database)
    try:
        db.execute(
            "UPDATE stored_events SET originator_id = ? WHERE rowid = ?", (text, notification_id)
        )
    finally:
        db.close()
