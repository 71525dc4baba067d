"""Witness cosignatures on the log's side: each line verified, then stored by one statement.

A cosignature line is accepted only if it is exactly one note signature line, by a witness
key of the log's policy (name and key ID), of the length its key type signs, with a
non-zero timestamp no more than ``MAX_FUTURE_SECONDS`` after the log's clock (a verifier
sets a later one aside, verify/policy.py, so it must not replace a genuine line), and it
verifies over
the checkpoint it names (``size``) or, when none is named, over one of the ``RECENT`` newest
checkpoints: the cost of a request is bounded whatever the log's history. It is then stored
with

    INSERT ... ON CONFLICT (size, name, key_id) DO UPDATE ... WHERE the new timestamp is newer

so concurrent witnesses never lose each other's lines and an older cosignature never
replaces a newer one (SQLite and PostgreSQL alike). In the same transaction, under the
cosignature lock, the checkpoint is marked witnessed once the note with its stored lines
satisfies the policy at the log's clock (``open_under_policy`` with ``now``); the mark is
never removed. The note served is the log-signed note followed by the stored lines (by key
name, then key ID), so a served checkpoint always verifies.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from ledger.clock import format_at
from ledger.db import Cursor, xact_lock
from ledger.log.store import LogStore
from ledger.log.witness_status import record_status
from ledger.log.witnesses import WitnessError
from verify.note import NoteError, Signature, Verifier, cosignature_time, parse_note
from verify.policy import MAX_FUTURE_SECONDS, Policy, PolicyError, open_under_policy

COSIGNATURE_LOCK = "cosignatures"  # serialises the witnessed decision (ledger.db.lock_key)
RECENT = 8  # checkpoints a line naming no size is tried against, newest first
MAX_LINE = 8192  # an ML-DSA-44 cosignature line is about 3,300 bytes


class CosignatureError(WitnessError):
    """A cosignature line is refused: malformed, unknown key, or it verifies over nothing."""


@dataclass(frozen=True)
class Cosigned:
    size: int  # the checkpoint it cosigns
    witness: str  # the witness's name in the policy
    stored: bool  # False: a cosignature by the same key with a newer timestamp was kept
    witnessed: bool  # the checkpoint satisfies the policy now


def parse_cosignature_line(text: str) -> Signature:
    """The one signature line in ``text`` (a final LF is optional); CosignatureError if
    there are none or several, or the line is not ``— NAME BASE64``."""
    if len(text.encode()) > MAX_LINE:
        raise CosignatureError(f"a cosignature line is at most {MAX_LINE} bytes")
    body = text if text.endswith("\n") else text + "\n"
    count = body.count("\n")
    if count != 1:
        raise CosignatureError(f"exactly one signature line per request, got {count} lines")
    try:
        return parse_note("cosigned\n\n" + body).signatures[0]
    except NoteError as e:
        raise CosignatureError(f"not a cosignature line: {e}") from None


def _witness_key(policy: Policy, signature: Signature) -> tuple[str, Verifier]:
    for name, member in policy.witnesses.items():
        if (member.verifier.name, member.verifier.key_id) == (signature.name, signature.key_id):
            return name, member.verifier
    raise CosignatureError(
        f"{signature.name} ({signature.key_id:08x}) is not a known witness of the log's policy"
    )


def log_note(stored: str) -> str:
    """The checkpoint text and the log's own signature line(s) of a stored note (lines by
    other keys, which notes stored before cosignatures had their own table held, dropped)."""
    parsed = parse_note(stored)
    origin = parsed.text.split("\n", 1)[0]
    return parsed.text + "\n" + "".join(s.line for s in parsed.signatures if s.name == origin)


def add_cosignature(
    store: LogStore, policy: Policy, line: str, at: datetime, size: int | None = None
) -> Cosigned:
    """Verify ``line`` and store it on the checkpoint it cosigns (``size``, or one of the
    ``RECENT`` newest); CosignatureError, with nothing stored, if it can't be accepted.
    ``at`` is the log's clock: it bounds the line's timestamp and dates the witness's
    status. Requires a timezone-aware ``at``."""
    signature = parse_cosignature_line(line)
    name, verifier = _witness_key(policy, signature)
    try:
        timestamp = cosignature_time(signature)
    except NoteError as e:
        raise CosignatureError(f"{name}: {e}") from None
    if timestamp == 0:
        raise CosignatureError(f"{name}: a cosignature carries a non-zero timestamp")
    now = int(at.timestamp())
    if timestamp > now + MAX_FUTURE_SECONDS:
        raise CosignatureError(
            f"{name}: cosignature dated {timestamp}, more than {MAX_FUTURE_SECONDS} s after"
            f" the log's clock {now}"
        )
    if size is not None:
        rows = store.db.execute("SELECT size, note FROM gongshi_log_checkpoints WHERE size = ?",
                                (size,))  # fmt: skip
        if not rows:
            raise CosignatureError(f"no signed checkpoint of size {size}")
    else:
        rows = store.db.execute(
            "SELECT size, note FROM gongshi_log_checkpoints ORDER BY size DESC LIMIT ?", (RECENT,)
        )
    cosigned = next(
        (int(s) for s, note in rows
         if verifier.verify(parse_note(note).text.encode(), signature.signature)),
        None,
    )  # fmt: skip
    if cosigned is None:
        where = f"checkpoint {size}" if size is not None else f"the {len(rows)} newest checkpoints"
        raise CosignatureError(f"the cosignature by {name} does not verify over {where}")
    with store.db.transaction() as cur:
        xact_lock(cur, COSIGNATURE_LOCK)
        cur.execute(
            "INSERT INTO gongshi_log_cosignatures (size, name, key_id, timestamp, line)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (size, name, key_id) DO UPDATE"
            " SET timestamp = excluded.timestamp, line = excluded.line"
            " WHERE excluded.timestamp > gongshi_log_cosignatures.timestamp",
            (cosigned, signature.name, signature.key_id, timestamp, signature.line),
        )
        stored = cur.rowcount == 1
        witnessed = refresh_witnessed(cur, policy, cosigned, at)
        record_status(cur, name, "cosigning", f"cosigned size {cosigned}", at, cosigned)
    return Cosigned(cosigned, name, stored, witnessed)


def stored_lines(cur: Cursor | LogStore, sizes: Iterable[int]) -> dict[int, list[str]]:
    """The stored cosignature lines of each checkpoint size, by key name then key ID."""
    wanted = sorted(set(sizes))
    if not wanted:
        return {}
    execute = cur.query if isinstance(cur, LogStore) else cur.execute
    found: dict[int, list[str]] = {s: [] for s in wanted}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for size, line in execute(
            f"SELECT size, line FROM gongshi_log_cosignatures WHERE size IN ({marks})"
            " ORDER BY size, name, key_id",
            chunk,
        ):
            found[int(size)].append(str(line))
    return found


def cosigned_by(store: LogStore, size: int) -> set[tuple[str, int]]:
    """(key name, key ID) of every stored cosignature on checkpoint ``size``."""
    rows = store.db.execute(
        "SELECT name, key_id FROM gongshi_log_cosignatures WHERE size = ?", (size,)
    )
    return {(str(n), int(k)) for n, k in rows}


def refresh_witnessed(cur: Cursor, policy: Policy, size: int, at: datetime) -> bool:
    """Inside ``cur``'s transaction: mark checkpoint ``size`` witnessed if its log-signed
    note with the stored lines satisfies ``policy`` at ``at`` (a line dated more than
    ``MAX_FUTURE_SECONDS`` after it counts for nothing); whether it is witnessed now."""
    if cur.execute("SELECT 1 FROM gongshi_log_witnessed WHERE size = ?", (size,)):
        return True
    rows = cur.execute("SELECT note FROM gongshi_log_checkpoints WHERE size = ?", (size,))
    if not rows:
        return False
    note = log_note(rows[0][0]) + "".join(stored_lines(cur, [size])[size])
    try:
        met = open_under_policy(note, policy, int(at.timestamp())).quorum_met
    except (NoteError, PolicyError):
        return False
    if met:
        cur.execute(
            "INSERT INTO gongshi_log_witnessed (size, witnessed_at) VALUES (?, ?)"
            " ON CONFLICT (size) DO NOTHING",
            (size, format_at(at)),
        )
    return met
