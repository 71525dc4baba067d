"""What the database holds, read below the product's code (plain sqlite3 and psycopg), and
the checks every chaos scenario ends with: each acknowledged write is stored with the hash
its answer gave, at the leaf its answer gave, carrying the caller's own marker; no write is
stored twice; no write answered with an error is stored anyway."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg

from ledger.mapper import unpack_state
from ledger.settings import parse_database_url
from tests.chaos.load import REFUSED, Attempt, acked
from verify.record import record_hash


@dataclass(frozen=True)
class Stored:
    stream: str
    version: int
    hash: str
    record: dict[str, Any]


def stored_records(url: str) -> dict[tuple[str, int], Stored]:
    """Every stored event of the ledger at ``url``, by (stream, version)."""
    database = parse_database_url(url)
    if database.kind == "sqlite":
        assert database.sqlite_path is not None
        conn = sqlite3.connect(f"file:{database.sqlite_path}?mode=ro", uri=True, timeout=30)
        try:
            rows = conn.execute(
                "SELECT originator_id, originator_version, state FROM stored_events"
            ).fetchall()
        finally:
            conn.close()
    else:
        schema = database.schema or "public"
        with psycopg.connect(database.psycopg_conninfo()) as pg:
            rows = pg.execute(
                f'SELECT originator_id, originator_version, state FROM "{schema}".gongshi_events'
            ).fetchall()
    found = {}
    for stream_id, version, state in rows:
        expected, raw = unpack_state(bytes(state))
        stream = str(UUID(str(stream_id)))
        found[(stream, int(version))] = Stored(stream, int(version), expected, json.loads(raw))
    return found


def marker_of(record: dict[str, Any]) -> str | None:
    """The chaos marker a record carries (a contribution's reference), if any."""
    reference = record.get("data", {}).get("reference")
    return reference if isinstance(reference, str) else None


@dataclass
class Verdict:
    """The problems found, each with its evidence; empty lists when all is well."""

    missing: list[str]
    wrong: list[str]
    duplicated: list[str]
    error_but_stored: list[str]
    leaves: list[str]

    def problems(self) -> list[str]:
        return [*self.missing, *self.wrong, *self.duplicated, *self.error_but_stored,
                *self.leaves]  # fmt: skip

    def summary(self) -> str:
        return (f"missing={len(self.missing)} wrong-evidence={len(self.wrong)} "
                f"duplicated={len(self.duplicated)} error-but-stored="
                f"{len(self.error_but_stored)} leaf-mismatch={len(self.leaves)}")  # fmt: skip


def judge(finals: list[Attempt], stored: dict[tuple[str, int], Stored],
          leaves: list[bytes] | None = None) -> Verdict:  # fmt: skip
    """Hold every write's final answer against the store (and the exported leaves).

    Requires ``finals`` to hold one attempt per write (the last one) and ``stored`` every
    record of the ledger; ``leaves`` are records.jsonl's lines (leaf i = line i), if given."""
    by_marker: dict[str, list[Stored]] = defaultdict(list)
    for record in stored.values():
        marker = marker_of(record.record)
        if marker is not None:
            by_marker[marker].append(record)
    verdict = Verdict([], [], [], [], [])
    for final in finals:
        write = final.write
        found = by_marker.get(write.marker, [])
        if write.kind == "contribution" and len(found) > 1:
            where = [(s.stream, s.version) for s in found]
            verdict.duplicated.append(f"{write.marker} stored {len(found)} times at {where}")
        if write.kind == "contribution" and found and not acked(final) and final.status:
            verdict.error_but_stored.append(
                f"{write.marker} answered {final.status} {final.answer} yet stored at "
                f"{found[0].stream} v{found[0].version}"
            )
        if acked(final):
            _held(final, stored, leaves, verdict)
    _subjects_counted(finals, stored, verdict)
    return verdict


def _subjects_counted(finals: list[Attempt], stored: dict[tuple[str, int], Stored],
                      verdict: Verdict) -> None:  # fmt: skip
    """A subject's marker is only in the vault, so registrations are counted (each acknowledged
    one is checked at its own stream): at most one per registration sent; more is one stored
    twice (a retry under the same Idempotency-Key written again)."""
    subjects = [f for f in finals if f.write.kind == "subject" and f.error != REFUSED]
    done = sum(acked(f) for f in subjects)
    found = sum(s.record.get("type") == "subject.Registered" for s in stored.values())
    if found > len(subjects):
        verdict.duplicated.append(
            f"{found} subjects registered for {len(subjects)} registrations sent "
            f"({done} acknowledged)"
        )


def _held(final: Attempt, stored: dict[tuple[str, int], Stored], leaves: list[bytes] | None,
          verdict: Verdict) -> None:  # fmt: skip
    evidence = (final.answer or {}).get("evidence", {})
    stream, version = evidence.get("stream"), evidence.get("version")
    record = stored.get((str(stream), int(version or 0)))
    what = f"{final.write.marker} acked {final.status} with {evidence}"
    if record is None:
        verdict.missing.append(f"{what}: nothing stored at that stream/version")
        return
    if record.hash != evidence.get("record_hash"):
        verdict.wrong.append(f"{what}: stored hash is {record.hash}")
    elif final.write.kind == "contribution" and marker_of(record.record) != final.write.marker:
        verdict.wrong.append(
            f"{what}: that record is another write's (reference {marker_of(record.record)})"
        )
    elif final.write.kind == "subject" and record.record.get("type") != "subject.Registered":
        verdict.wrong.append(f"{what}: that record is a {record.record.get('type')}")
    index = evidence.get("leaf_index")
    if leaves is not None and index is not None:
        if not 0 <= index < len(leaves):
            verdict.leaves.append(f"{what}: leaf {index} outside the export's {len(leaves)}")
        elif record_hash(leaves[index]) != record.hash:
            verdict.leaves.append(f"{what}: leaf {index} is {leaves[index][:200]!r}")


def exported_leaves(bundle: Path) -> list[bytes]:
    """records.jsonl's lines: leaf i's data is line i."""
    return (bundle / "records.jsonl").read_bytes().split(b"\n")[:-1]


def count_types(stored: dict[tuple[str, int], Stored]) -> Counter[str]:
    return Counter(str(s.record.get("type")) for s in stored.values())
