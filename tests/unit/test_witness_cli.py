"""``gongshi-verify witness cosign`` (pull mode) with either key type, from a checkpoint and a
proof file or from a bundle; the forked bundle of issue 11 is refused and the state stays."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from tests.support.witness_log import (
    ED_WITNESS,
    LOG,
    MLDSA_WITNESS,
    checkpoint_note,
    consistency,
    leaves,
    write_keys,
    write_records,
)
from verify.cli import main
from verify.note import open_note
from verify.witness import read_state

GENUINE = leaves(10)


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _bundle(folder: Path, records: list[bytes], note: str) -> Path:
    """A bundle as the witness reads it: checkpoint, records.jsonl, keys/log.vkey."""
    write_keys(folder / "keys")
    write_records(folder / "records.jsonl", records)
    (folder / "checkpoint").write_text(note)
    return folder


@pytest.fixture
def keys(tmp_path: Path) -> list[str]:
    return write_keys(tmp_path / "keys", MLDSA_WITNESS, ED_WITNESS)


def test_cosign_with_both_key_types_from_checkpoint_and_proof(
    tmp_path: Path, keys: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    state, first = tmp_path / "state.json", tmp_path / "first"
    first.write_text(checkpoint_note(GENUINE[:4]))
    base = ["witness", "cosign", "--name", "audit", "--key", keys[0], "--key", keys[1],
            "--state", str(state), "--time", "1700000000"]  # fmt: skip
    code, out = _run(capsys, *base, "--checkpoint", str(first), "--log-vkey",
                     str(tmp_path / "keys" / "log.vkey"))  # fmt: skip
    assert code == 0, out
    second = tmp_path / "second"
    second.write_text(checkpoint_note(GENUINE[:9]))
    code, out = _run(capsys, *base, "--checkpoint", str(second))
    assert code == 1 and "REFUSED: no proof" in out
    proof = tmp_path / "proof.json"
    hashes = consistency(4, GENUINE[:9])
    proof.write_text(json.dumps({"proof": [base64.b64encode(h).decode() for h in hashes]}))
    code, out = _run(capsys, *base, "--checkpoint", str(second), "--proof", str(proof))
    assert code == 0, out
    verifiers = [LOG.verifier, MLDSA_WITNESS.verifier, ED_WITNESS.verifier]
    assert open_note(second.read_text() + out, verifiers)[1] == verifiers
    assert read_state(state).checkpoint.size == 9  # type: ignore[union-attr]


def test_cosign_refuses_the_forked_bundle_with_the_genuine_prefix(
    tmp_path: Path, keys: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 11: the witness cosigned size 5; the operator rewrites record 1, signs a
    checkpoint of size 8 over the rewritten history and ships the genuine records."""
    state = tmp_path / "state.json"
    base = ["witness", "cosign", "--key", keys[0], "--state", str(state), "--time", "1700000000"]
    genuine = _bundle(tmp_path / "b1", GENUINE[:5], checkpoint_note(GENUINE[:5]))
    assert _run(capsys, *base, "--bundle", str(genuine))[0] == 0
    before = state.read_bytes()
    rewritten = [GENUINE[0], b'{"n":1,"history":"rewritten"}', *GENUINE[2:8]]
    forked = _bundle(tmp_path / "b2", GENUINE[:8], checkpoint_note(rewritten))
    code, out = _run(capsys, *base, "--bundle", str(forked))
    assert code == 1 and "REFUSED: fork: the bundle's 8 records" in out
    assert state.read_bytes() == before
    assert list((tmp_path / "evidence").glob("*.json"))
    honest_rewrite = _bundle(tmp_path / "b3", rewritten, checkpoint_note(rewritten))
    code, out = _run(capsys, *base, "--bundle", str(honest_rewrite))
    assert code == 1 and "REFUSED: fork: the first 5 leaves" in out
    assert state.read_bytes() == before
    grown = _bundle(tmp_path / "b4", GENUINE[:8], checkpoint_note(GENUINE[:8]))
    assert _run(capsys, *base, "--bundle", str(grown))[0] == 0


def test_cosign_checks_the_whole_bundle_on_first_use(
    tmp_path: Path, keys: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state.json"
    forked = _bundle(tmp_path / "b", GENUINE[:6], checkpoint_note(leaves(6, "rewritten")))
    code, out = _run(capsys, "witness", "cosign", "--key", keys[1], "--state", str(state),
                     "--bundle", str(forked))  # fmt: skip
    assert code == 1 and "REFUSED: fork" in out and not state.exists()


def test_cosign_refuses_keys_that_are_not_witness_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_keys(tmp_path / "keys")
    log_skey = tmp_path / "log.skey"
    log_skey.write_text(LOG.skey())
    code, out = _run(capsys, "witness", "cosign", "--key", str(log_skey), "--state",
                     str(tmp_path / "s.json"), "--checkpoint", str(tmp_path / "x"))  # fmt: skip
    assert code == 2 and "0x04 (Ed25519) or 0x06 (ML-DSA-44)" in out
    keys = write_keys(tmp_path / "keys", MLDSA_WITNESS)
    code, out = _run(capsys, "witness", "cosign", "--name", "finance", "--key", keys[0],
                     "--state", str(tmp_path / "s.json"), "--checkpoint", "x")  # fmt: skip
    assert code == 2 and "not of finance" in out


def test_keygen_writes_an_skey_only_its_owner_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _run(capsys, "witness", "keygen", "--name", "witness.example/finance",
                     "--out", str(tmp_path))  # fmt: skip
    assert code == 0
    assert (tmp_path / "finance-mldsa44.skey").stat().st_mode & 0o077 == 0
    assert (tmp_path / "finance-mldsa44.vkey").read_text().split("\n")[0] in out
    code, out = _run(capsys, "witness", "keygen", "--name", "bad name", "--out", str(tmp_path))
    assert code == 2 and "space" in out
