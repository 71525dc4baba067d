"""docs/FORMAT.md §5, the routine assessment's free text (issue 14; review14 item 5): an outside
reader holding a subject's key K, a document's text and its label opens the record's
``commitment`` with the standard library alone — HKDF-SHA256 (RFC 5869, salt none, info
``gongshi vault commitment``), then HMAC-SHA256 over the canonical JSON (§1) of
X = ``{"document": {"text": TEXT}, "label": LABEL}``. The recipe below is written from
FORMAT, not from ledger/vault.py; it reproduces FORMAT's worked example and the vault's own
``document_commitment`` for every label form §5 lists."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from pathlib import Path

import pytest

from ledger.vault import document_commitment

FORMAT = Path(__file__).resolve().parents[2] / "docs" / "FORMAT.md"
RECORD = "6f1c1a52-9d4e-5b55-8a5f-0c3e0b7d2a10"
LECTURE = "0b3c7d6e-1f2a-5b4c-9d8e-7f6a5b4c3d2e"
PAIR = "9a8b7c6d-5e4f-5a3b-8c2d-1e0f9a8b7c6d"
EXAMPLE = r'X is `(\{"document"[^`]*)` and the commitment `([0-9a-f]{64})`'


def hkdf_sha256(ikm: bytes, info: bytes, length: int = 32) -> bytes:
    """RFC 5869 with no salt (a string of HashLen zeros)."""
    prk = hmac.new(bytes(32), ikm, hashlib.sha256).digest()
    okm, block, counter = b"", b"", 1
    while len(okm) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        okm, counter = okm + block, counter + 1
    return okm[:length]


def canonical(value: object) -> bytes:
    """§1 for these values (ASCII member names, strings without lone surrogates)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def recipe(key: bytes, label: str, text: str) -> str:
    """§5: the commitment of a routine-assessment document, 64 lower-case hex."""
    x = {"document": {"text": text}, "label": label}
    mac_key = hkdf_sha256(key, b"gongshi vault commitment")
    return hmac.new(mac_key, canonical(x), hashlib.sha256).hexdigest()


def _section_5() -> str:
    text = FORMAT.read_text(encoding="utf-8")
    return text[text.index("## 5. Personal data") : text.index("## 6. ")]


def test_format_worked_example_is_the_recipe() -> None:
    """§5's example: K = 0x00..0x1F, its X byte for byte and its commitment."""
    section = " ".join(_section_5().split())  # the example wraps across lines
    example = re.search(EXAMPLE, section)
    assert example is not None, "§5 has no worked example of a routine-assessment commitment"
    x_text, expected = example.groups()
    x = json.loads(x_text)
    assert canonical(x) == x_text.encode()  # printed canonical
    assert set(x) == {"document", "label"} and set(x["document"]) == {"text"}
    key = bytes(range(32))
    assert recipe(key, x["label"], x["document"]["text"]) == expected
    assert document_commitment(key, x["label"], x["document"]) == expected


@pytest.mark.parametrize(
    ("form", "label"),
    [
        ("assessment/RECORD/Qn/summary", f"assessment/{RECORD}/Q1/summary"),
        ("assessment/RECORD/Qn/appraisal", f"assessment/{RECORD}/Q2/appraisal"),
        ("assessment/RECORD/Qn/goal", f"assessment/{RECORD}/Q3/goal"),
        ("assessment/RECORD/annual", f"assessment/{RECORD}/annual"),
        ("lecture/LECTURE/CAPACITY", f"lecture/{LECTURE}/section_head"),
        ("lecture/LECTURE/CAPACITY", f"lecture/{LECTURE}/deputy_head"),
        ("mentoring/PAIR/Qn/SIDE", f"mentoring/{PAIR}/Q4/mentor"),
        ("mentoring/PAIR/Qn/SIDE", f"mentoring/{PAIR}/Q1/mentee"),
    ],
)
def test_every_label_form_of_format_opens_with_the_recipe(form: str, label: str) -> None:
    """Each label form §5 lists (here with a text holding quotes, a newline and a tab,
    escaped as §1 says) gives the vault's commitment; the label is in the MAC input, so
    equal texts under two labels differ."""
    assert f"`{form}`" in _section_5(), f"{form} is not a label form of §5"
    key = hashlib.sha256(b"a subject key").digest()
    text = '本季度完成“干部档案”专项审核\n\t"复核"两次'
    assert recipe(key, label, text) == document_commitment(key, label, {"text": text})
    assert recipe(key, label, text) != recipe(key, label + "x", text)
