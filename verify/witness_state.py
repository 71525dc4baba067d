"""A witness's state file: the latest checkpoint it cosigned for its log, kept on disk.

    {"checkpoint": <note: text, blank line, the log's verified signature lines>,
     "cosignatures": [<the witness's lines returned for it>, ...],
     "log_vkey": <vkey>, "origin": <origin>, "root": <base64>, "size": <int>,
     "timestamp": <POSIX seconds of those cosignatures>}

One file per witness and log. It is replaced atomically (temp file, fsync, rename, fsync of
the directory), and every read-decide-write happens under an exclusive ``flock`` on
``<state>.lock``: threads of one process and separate processes sharing the file alike wait
for each other, so the size checked is always the size persisted (c2sp.org/tlog-witness,
last paragraph of add-checkpoint). Refusals that may show the log misbehaving are kept as
JSON under ``<state dir>/evidence/``.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from verify.atomic_file import replace_file
from verify.checkpoint import Checkpoint, open_checkpoint
from verify.note import parse_vkey


@dataclass(frozen=True)
class WitnessState:
    """``note``: the checkpoint with the log's signature(s); ``cosignatures``: the witness's
    own lines returned for it (empty in state files written before they were kept)."""

    log_vkey: str
    checkpoint: Checkpoint
    note: str
    cosignatures: tuple[str, ...] = ()
    timestamp: int = 0

    def to_json(self) -> bytes:
        body = {
            "log_vkey": self.log_vkey,
            "origin": self.checkpoint.origin,
            "size": self.checkpoint.size,
            "root": base64.b64encode(self.checkpoint.root).decode(),
            "checkpoint": self.note,
            "cosignatures": list(self.cosignatures),
            "timestamp": self.timestamp,
        }
        return json.dumps(body, sort_keys=True, indent=1).encode() + b"\n"

    def cosigned_note(self) -> str:
        """The checkpoint with the log's and this witness's signature lines (what the
        monitoring endpoint serves)."""
        return self.note + "".join(self.cosignatures)


def read_state(path: Path) -> WitnessState | None:
    """The stored state, re-verified (its note must still open with its log key); None if
    the witness never cosigned. Precondition: the caller holds ``locked(path)`` if it will
    act on the answer."""
    if not path.exists():
        return None
    body = json.loads(path.read_text(encoding="utf-8"))
    log = parse_vkey(body["log_vkey"])
    checkpoint = open_checkpoint(body["checkpoint"], log.name, log)
    lines = tuple(str(line) for line in body.get("cosignatures", []))
    timestamp = int(body.get("timestamp", 0))
    return WitnessState(body["log_vkey"], checkpoint, body["checkpoint"], lines, timestamp)


def write_state(path: Path, state: WitnessState) -> None:
    """Replace the state file atomically. Precondition: the caller holds ``locked(path)``."""
    replace_file(path, state.to_json())


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock for the state at ``path``, held while deciding and writing; it
    excludes other threads (each opens its own file description) and other processes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def keep_evidence(state_path: Path, evidence: dict[str, object], timestamp: int) -> Path:
    """Write a refusal's evidence as JSON under ``<state dir>/evidence/``, named by the
    state, the time and a digest of the evidence (two refusals never overwrite each other)."""
    folder = state_path.parent / "evidence"
    folder.mkdir(parents=True, exist_ok=True)
    body = json.dumps(evidence, indent=1, sort_keys=True) + "\n"
    digest = hashlib.sha256(body.encode()).hexdigest()[:12]
    path = folder / f"{state_path.stem}-{timestamp}-{digest}.json"
    path.write_text(body, encoding="utf-8")
    return path
