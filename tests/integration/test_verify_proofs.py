"""``gongshi-verify proof`` and ``consistency`` under the auditor's policy: a checkpoint the
log signed alone proves nothing (issue 11: a fabricated 99,999,999-fen grant "VALID: the
record is leaf 0"). Tests are named after what was forged or left out."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.log import tree
from ledger.log.proofs import record_proof
from ledger.settings import Settings
from tests.integration.bundles import (
    ORIGIN,
    Keys,
    lines,
    make_bundle,
    no_pinned_policy,  # noqa: F401 (autouse)
    rules,
    run,
    run_json,
    tree_of,
)
from verify.canonical import canonical_bytes
from verify.tlogproof import TlogProof, parse_tlog_proof


@pytest.fixture
def made(
    ledger: Ledger, settings: Settings, clock: SteppingClock, tmp_path: Path
) -> tuple[Ledger, Keys, Path, Path]:
    keys, pinned = make_bundle(ledger, settings, clock, tmp_path / "bundle")
    return ledger, keys, tmp_path / "bundle", pinned


def _record_files(ledger: Ledger, bundle: Path, index: int, out: Path) -> tuple[Path, Path]:
    """The genuine tlog-proof of leaf ``index`` and its record's bytes (one line, LF)."""
    data = lines(bundle)[index]
    record = json.loads(data)
    (out / "p.tlog-proof").write_text(record_proof(ledger.log, record["stream"],
                                                   record["version"]))  # fmt: skip
    (out / "record").write_bytes(data + b"\n")
    return out / "p.tlog-proof", out / "record"


def _proof(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, set[str], dict[str, Any]]:
    code, report = run_json(capsys, "proof", *args)
    return code, rules(report), report


def test_record_proof_cosigned_by_the_quorum_is_valid(
    made: tuple[Ledger, Keys, Path, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ledger, _, bundle, pinned = made
    proof, record = _record_files(ledger, bundle, 4, tmp_path)
    code, out = run(capsys, "proof", str(proof), "--record", str(record), "--policy", str(pinned))
    assert code == 0 and out.splitlines()[-1] == "VALID", out
    assert "the record is leaf 4 of the tree of" in out and "cosigned by: finance" in out


def test_record_proof_given_another_record_is_invalid(
    made: tuple[Ledger, Keys, Path, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ledger, _, bundle, pinned = made
    proof, record = _record_files(ledger, bundle, 4, tmp_path)
    record.write_bytes(lines(bundle)[5] + b"\n")
    code, found, _ = _proof(capsys, str(proof), "--record", str(record), "--policy", str(pinned))
    assert code == 1 and found == {"tlog_proof.inclusion"}


def test_fabricated_grant_in_a_tree_signed_by_the_log_alone_is_refused(
    made: tuple[Ledger, Keys, Path, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _, keys, bundle, pinned = made
    grant = next(json.loads(x) for x in lines(bundle) if b"carefund.GrantDisbursed" in x)
    grant["data"]["amount_fen"] = 99_999_999
    data = canonical_bytes(grant)
    (tmp_path / "record").write_bytes(data + b"\n")
    text = tree_of([data]).text()  # a tree of one leaf: the fabricated grant
    args = [str(tmp_path / "p.tlog-proof"), "--record", str(tmp_path / "record"),
            "--policy", str(pinned)]  # fmt: skip
    alone = keys.log.sign_line(text)
    (tmp_path / "p.tlog-proof").write_text(TlogProof(0, (), text + "\n" + alone).text())
    code, found, report = _proof(capsys, *args)
    assert code == 1 and found == {"policy.quorum"} and report["result"] == "INVALID"
    assert report["checkpoint"]["size"] == 1 and report["cosigners"] == []
    code, out = run(capsys, "proof", *args)
    assert code == 1 and "VALID" not in out.replace("INVALID", "")
    strangers = Keys.fresh(keys.log)  # the same witness names, other keys: unknown, ignored
    note = strangers.cosign(text)
    (tmp_path / "p.tlog-proof").write_text(TlogProof(0, (), note).text())
    code, found, _ = _proof(capsys, *args)
    assert code == 1 and found == {"policy.quorum"}


def test_record_proof_needs_a_policy_and_the_record(
    made: tuple[Ledger, Keys, Path, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ledger, _, bundle, pinned = made
    proof, record = _record_files(ledger, bundle, 4, tmp_path)
    code, out = run(capsys, "proof", str(proof), "--record", str(record))
    assert code == 2 and "no trust policy pinned" in out
    assert run(capsys, "proof", str(proof), "--policy", str(pinned))[0] == 2


def test_tlog_proof_extra_line_is_parsed_and_not_trusted(
    made: tuple[Ledger, Keys, Path, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ledger, _, bundle, pinned = made
    proof, record = _record_files(ledger, bundle, 4, tmp_path)
    parsed = parse_tlog_proof(proof.read_text())
    assert parsed.extra is None
    with_extra = TlogProof(parsed.index, parsed.proof, parsed.checkpoint, b"anything at all")
    assert (
        with_extra.text().split("\n")[1] == "extra " + base64.b64encode(b"anything at all").decode()
    )
    assert parse_tlog_proof(with_extra.text()) == with_extra
    proof.write_text(with_extra.text())
    args = [str(proof), "--record", str(record), "--policy", str(pinned)]
    assert _proof(capsys, *args)[0] == 0
    proof.write_text(with_extra.text().replace("extra ", "extra !", 1))
    code, found, _ = _proof(capsys, *args)
    assert code == 1 and found == {"tlog_proof.format"}


# -- consistency ------------------------------------------------------------------------------


def _consistency_files(ledger: Ledger, bundle: Path, out: Path) -> tuple[Path, Path, Path]:
    older = min((bundle / "checkpoints").iterdir(), key=lambda p: int(p.name))
    size = len(lines(bundle))
    hashes = tree.consistency_proof(int(older.name), size, ledger.log.fetch)
    body = {"proof": [base64.b64encode(h).decode() for h in hashes]}
    (out / "c.json").write_text(json.dumps(body))
    return older, bundle / "checkpoint", out / "c.json"


def _consistency(
    capsys: pytest.CaptureFixture[str], old: Path, new: Path, proof: Path, pinned: Path
) -> tuple[int, set[str]]:
    code, report = run_json(capsys, "consistency", str(old), str(new), "--proof", str(proof),
                            "--policy", str(pinned))  # fmt: skip
    return code, rules(report)


def _strip(path: Path, prefix: str) -> None:
    kept = [x for x in path.read_text().split("\n") if not x.startswith("\u2014 " + prefix)]
    path.write_text("\n".join(kept))


def test_consistency_of_a_cosigned_checkpoint_with_an_older_one(
    made: tuple[Ledger, Keys, Path, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ledger, _, bundle, pinned = made
    old, new, proof = _consistency_files(ledger, bundle, tmp_path)
    code, out = run(capsys, "consistency", str(old), str(new), "--proof", str(proof),
                    "--policy", str(pinned))  # fmt: skip
    assert code == 0 and "extends the tree of" in out and out.endswith("VALID\n")
    _strip(old, "witness.")  # the older one needs the log's signature, not the quorum
    assert _consistency(capsys, old, new, proof, pinned) == (0, set())
    body = json.loads(proof.read_text())
    proof.write_text(json.dumps({"proof": body["proof"][1:]}))
    assert _consistency(capsys, old, new, proof, pinned) == (1, {"consistency.proof"})


def test_consistency_refuses_a_new_checkpoint_without_the_quorum(
    made: tuple[Ledger, Keys, Path, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ledger, _, bundle, pinned = made
    old, new, proof = _consistency_files(ledger, bundle, tmp_path)
    _strip(new, "witness.gongshi.example/audit")
    _strip(new, "witness.gongshi.example/finance")
    assert _consistency(capsys, old, new, proof, pinned) == (1, {"policy.quorum"})


def test_consistency_refuses_an_old_checkpoint_without_the_log_signature(
    made: tuple[Ledger, Keys, Path, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ledger, _, bundle, pinned = made
    old, new, proof = _consistency_files(ledger, bundle, tmp_path)
    _strip(old, ORIGIN)
    assert _consistency(capsys, old, new, proof, pinned) == (1, {"checkpoint.log_signature"})


def test_consistency_needs_a_policy_and_a_readable_proof(
    made: tuple[Ledger, Keys, Path, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ledger, _, bundle, pinned = made
    old, new, proof = _consistency_files(ledger, bundle, tmp_path)
    assert run(capsys, "consistency", str(old), str(new), "--proof", str(proof))[0] == 2
    missing = tmp_path / "missing.json"
    args = ["consistency", str(old), str(new), "--proof", str(missing), "--policy", str(pinned)]
    assert run(capsys, *args)[0] == 2
