"""Every transparency-dev/merkle vector against verify.merkle (copied into tests/vectors)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from verify.merkle import ProofError, verify_consistency, verify_inclusion

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "merkle"

# Where this project is deliberately stricter than Go's verifier: every hash must be 32 bytes
# (the rule). This vector accepts 12-byte placeholder roots ("don't care 2") when the
# sizes are equal; we reject them. Everything else must agree with wantErr.
STRICTER_THAN_GO = {"consistency/additional/sizes-are-equal-one-and-proof-is-empty.json"}


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value or "")


def _proof(values: list[str] | None) -> list[bytes]:
    return [_b64(v) for v in values or []]


def _cases(kind: str) -> list[Any]:
    files = sorted((VECTORS / kind).rglob("*.json"))
    assert files, f"no {kind} vectors found under {VECTORS}"
    return [pytest.param(f, id=str(f.relative_to(VECTORS))) for f in files]


@pytest.mark.parametrize("path", _cases("inclusion"))
def test_inclusion_vector(path: Path) -> None:
    v = json.loads(path.read_text())
    call = lambda: verify_inclusion(  # noqa: E731
        v["leafIdx"], v["treeSize"], _b64(v["leafHash"]), _proof(v["proof"]), _b64(v["root"])
    )
    if v["wantErr"]:
        with pytest.raises(ProofError):
            call()
    else:
        call()


@pytest.mark.parametrize("path", _cases("consistency"))
def test_consistency_vector(path: Path) -> None:
    v = json.loads(path.read_text())
    name = str(path.relative_to(VECTORS))
    want_err = v["wantErr"] or name in STRICTER_THAN_GO
    call = lambda: verify_consistency(  # noqa: E731
        v["size1"], v["size2"], _proof(v["proof"]), _b64(v["root1"]), _b64(v["root2"])
    )
    if want_err:
        with pytest.raises(ProofError):
            call()
    else:
        call()


def test_vector_counts() -> None:
    assert len(list((VECTORS / "inclusion").rglob("*.json"))) >= 90
    assert len(list((VECTORS / "consistency").rglob("*.json"))) >= 90
