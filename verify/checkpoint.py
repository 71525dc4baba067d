"""C2SP tlog-checkpoint note text: origin, tree size, base64 root, optional extension lines.

<origin>\\n<decimal size, no leading zeros>\\n<base64 of the 32-byte root>\\n[extensions\\n]
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from verify.merkle import HASH_SIZE
from verify.note import NoteError, Verifier, open_note


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode()]
        return "".join(line + "\n" for line in [*lines, *self.extensions])


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse checkpoint note text (ending in LF); NoteError with the line at fault."""
    if not text.endswith("\n"):
        raise NoteError("checkpoint text ends with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise NoteError(f"checkpoint has {len(lines)} lines, needs origin, size and root")
    origin, size, root, *extensions = lines
    if not origin:
        raise NoteError("checkpoint line 1: empty origin")
    if not re.fullmatch(r"0|[1-9][0-9]{0,19}", size) or int(size) >= 2**64:
        raise NoteError(f"checkpoint line 2: {size[:30]!r} is not a decimal uint64 size")
    try:
        root_hash = base64.b64decode(root, validate=True)
    except (binascii.Error, ValueError):
        raise NoteError("checkpoint line 3: root is not base64") from None
    if len(root_hash) != HASH_SIZE or base64.b64encode(root_hash).decode() != root:
        raise NoteError(f"checkpoint line 3: root is not a canonical {HASH_SIZE}-byte hash")
    if any(not line for line in extensions):
        raise NoteError("checkpoint extension lines must be non-empty")
    return Checkpoint(origin, int(size), root_hash, tuple(extensions))


def open_checkpoint(note: str, origin: str, log_key: Verifier) -> Checkpoint:
    """Verify the log's signature on ``note`` and parse it; the origin must be ``origin``.

    Other signatures (witnesses, unknown keys) are left to the caller's policy.
    """
    parsed, _ = open_note(note, [log_key])
    checkpoint = parse_checkpoint(parsed.text)
    if checkpoint.origin != origin:
        raise NoteError(f"checkpoint origin {checkpoint.origin!r}, expected {origin!r}")
    return checkpoint
