"""c2sp.org/tlog-proof@v1: an offline proof that a leaf is in a signed checkpoint.

c2sp.org/tlog-proof@v1
[extra <base64>]
index <decimal>
<base64 inclusion-proof hash, leaf's sibling first>   (zero or more lines)
<empty line>
<the signed checkpoint note, verbatim>
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from verify.merkle import HASH_SIZE
from verify.note import NoteError

HEADER = "c2sp.org/tlog-proof@v1"


@dataclass(frozen=True)
class TlogProof:
    index: int
    proof: tuple[bytes, ...]
    checkpoint: str  # the signed note
    extra: bytes | None = None

    def text(self) -> str:
        lines = [HEADER]
        if self.extra is not None:
            lines.append("extra " + base64.b64encode(self.extra).decode())
        lines.append(f"index {self.index}")
        lines += [base64.b64encode(h).decode() for h in self.proof]
        return "\n".join(lines) + "\n\n" + self.checkpoint


def parse_tlog_proof(text: str) -> TlogProof:
    """Parse a tlog-proof@v1 file; NoteError naming the line at fault."""
    head, sep, checkpoint = text.partition("\n\n")
    if not sep or not checkpoint:
        raise NoteError("tlog-proof: no empty line and checkpoint after the proof")
    lines = head.split("\n")
    if lines[0] != HEADER:
        raise NoteError(f"tlog-proof line 1: expected {HEADER!r}")
    position, extra = 1, None
    if len(lines) > 1 and lines[1].startswith("extra "):
        extra, position = _b64(lines[1][6:], 2), 2
    if len(lines) <= position or not re.fullmatch(r"index (0|[1-9][0-9]*)", lines[position]):
        raise NoteError(f"tlog-proof line {position + 1}: expected 'index N'")
    index = int(lines[position][6:])
    hashes = []
    for number, line in enumerate(lines[position + 1 :], start=position + 2):
        value = _b64(line, number)
        if len(value) != HASH_SIZE:
            raise NoteError(f"tlog-proof line {number}: not a {HASH_SIZE}-byte hash")
        hashes.append(value)
    return TlogProof(index, tuple(hashes), checkpoint, extra)


def _b64(value: str, line: int) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise NoteError(f"tlog-proof line {line}: not base64") from None
