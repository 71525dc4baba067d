"""verify/tlogproof.py: a malformed tlog-proof is refused naming the line at fault, with or
without the ``extra`` line (mutants killed: bench/mutation-survivors.md)."""

from __future__ import annotations

import base64

import pytest

from verify.note import NoteError
from verify.tlogproof import parse_tlog_proof

HEADER = "c2sp.org/tlog-proof@v1"
HASH = base64.b64encode(bytes(32)).decode()
SHORT = base64.b64encode(bytes(31)).decode()

MALFORMED = {
    "no blank line": (f"{HEADER}\nindex 0\n", "tlog-proof: no empty line and checkpoint after"),
    "no checkpoint": (f"{HEADER}\nindex 0\n\n", "tlog-proof: no empty line and checkpoint after"),
    "other header": (
        "c2sp.org/tlog-proof@v2\nindex 0\n\ncp\n",
        "tlog-proof line 1: expected 'c2sp.org/tlog-proof@v1'",
    ),
    "no index line": (f"{HEADER}\n\ncp\n", "tlog-proof line 2: expected 'index N'"),
    "extra, no index line": (
        f"{HEADER}\nextra AAAA\n\ncp\n",
        "tlog-proof line 3: expected 'index N'",
    ),
    "extra not base64": (f"{HEADER}\nextra !!!!\nindex 0\n\ncp\n", "tlog-proof line 2: not base64"),
    "index with a leading zero": (f"{HEADER}\nindex 01\n\ncp\n", "tlog-proof line 2: expected"),
    "extra, index malformed": (
        f"{HEADER}\nextra AAAA\nindex x\n\ncp\n",
        "tlog-proof line 3: expected 'index N'",
    ),
    "hash not base64": (
        f"{HEADER}\nindex 0\n{HASH}\n!!!!\n\ncp\n",
        "tlog-proof line 4: not base64",
    ),
    "extra, hash not base64": (
        f"{HEADER}\nextra AAAA\nindex 0\n!!!!\n\ncp\n",
        "tlog-proof line 4: not base64",
    ),
    "hash of 31 bytes": (
        f"{HEADER}\nextra AAAA\nindex 0\n{HASH}\n{SHORT}\n\ncp\n",
        "tlog-proof line 5: not a 32-byte hash",
    ),
}


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_malformed_tlog_proof_names_the_line_at_fault(case: str) -> None:
    text, message = MALFORMED[case]
    with pytest.raises(NoteError) as e:
        parse_tlog_proof(text)
    assert str(e.value).startswith(message)


def test_tlog_proof_with_extra_and_hashes_parses() -> None:
    parsed = parse_tlog_proof(f"{HEADER}\nextra AAAA\nindex 7\n{HASH}\n{HASH}\n\ncp\n")
    assert (parsed.index, parsed.proof, parsed.extra) == (7, (bytes(32),) * 2, b"\0\0\0")
    assert parsed.checkpoint == "cp\n"
