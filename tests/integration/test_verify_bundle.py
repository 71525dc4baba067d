"""gongshi-verify on an exported bundle: the clean bundle passes; every tampering fails with
exit 1 and is named; unreadable input exits 2. Tests are named after the tampering."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from pathlib import Path

import pytest

from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.log.checkpoints import sign_checkpoint
from ledger.log.export import export_bundle
from ledger.log.keys import create_log_key, load_signer
from ledger.log.witnesses import (
    DEPARTMENTS,
    create_witness_key,
    declared_policy,
    run_local_witnesses,
    witness_paths,
)  # fmt: skip
from ledger.settings import Settings
from tests.integration.helpers import INTAKE, disbursed, funded
from verify.checkpoint import Checkpoint
from verify.cli import main
from verify.merkle import CompactRange, leaf_hash
from verify.note import Signer, parse_skey, parse_vkey
from verify.witness import read_state

ORIGIN = "gongshi.example/anqing"


@pytest.fixture
def bundle(ledger: Ledger, settings: Settings, clock: SteppingClock, tmp_path: Path) -> Path:
    """A small real bundle: care-fund records, two checkpoints, three witnesses."""
    create_log_key(settings.log_skey_path, settings.log_vkey_path, ORIGIN)
    for name in DEPARTMENTS:
        create_witness_key(settings.keys_dir, name)
    signer = load_signer(settings.log_skey_path, ORIGIN)
    fund = funded(ledger)
    disbursed(fund, tier=2)
    sign_checkpoint(ledger.log, signer, ORIGIN, clock)
    run_local_witnesses(ledger.log, settings.home, DEPARTMENTS, 1_700_000_000)
    for _ in range(2):
        disbursed(fund, tier=1)
    fund.follow_up(disbursed(fund), "2023-03-01", "stable", "回访", INTAKE)
    sign_checkpoint(ledger.log, signer, ORIGIN, clock)
    run_local_witnesses(ledger.log, settings.home, DEPARTMENTS, 1_700_000_100)
    out = tmp_path / "bundle"
    vkey = settings.log_vkey_path.read_text()
    export_bundle(
        ledger.log,
        ledger.app.recorder,
        out,
        vkey,
        policy=declared_policy(settings.home, parse_vkey(vkey)),
    )
    return out


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _lines(bundle: Path) -> list[bytes]:
    return (bundle / "records.jsonl").read_bytes().split(b"\n")[:-1]


def _write_lines(bundle: Path, lines: list[bytes]) -> None:
    (bundle / "records.jsonl").write_bytes(b"".join(line + b"\n" for line in lines))


def _resign(bundle: Path, settings: Settings, witnesses: tuple[str, ...] = DEPARTMENTS) -> None:
    """What a log operator holding all the keys could do: sign a checkpoint over the
    current lines (and have witnesses that don't check consistency cosign it)."""
    tree = CompactRange()
    for line in _lines(bundle):
        tree.append(leaf_hash(line))
    text = Checkpoint(ORIGIN, tree.size, tree.root()).text()
    log = load_signer(settings.log_skey_path, ORIGIN)
    lines = log.sign_line(text)
    for name in witnesses:
        witness = parse_skey(witness_paths(settings.keys_dir, name)[0].read_text())
        lines += witness.sign_line(text, 1_700_000_200)
    (bundle / "checkpoint").write_text(text + "\n" + lines)


def _rechain(lines: list[bytes], start: int) -> list[bytes]:
    """Recompute every later record's prev in the same streams (a careful forger)."""
    heads: dict[str, str] = {}
    out = []
    for number, line in enumerate(lines):
        record = json.loads(line)
        if number >= start and record["version"] > 1:
            record["prev"] = heads[record["stream"]]
        line = _canonical(record) if number >= start else line
        heads[record["stream"]] = hashlib.sha256(line).hexdigest()
        out.append(line)
    return out


def _canonical(value: object) -> bytes:
    from verify.canonical import canonical_bytes

    return canonical_bytes(value)


def test_clean_bundle_passes(bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(capsys, "bundle", str(bundle))
    assert code == 0, out
    assert "VALID" in out and "cosigned by: audit, finance, supervision" in out
    assert "the bundle's declared policy" in out


def test_changed_byte_in_a_record(bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = _lines(bundle)
    lines[5] = lines[5].replace(b'"amount_fen":80000', b'"amount_fen":80001')
    _write_lines(bundle, lines)
    code, out = _run(capsys, "bundle", str(bundle))
    assert code == 1
    assert "prev mismatch" in out  # at the next record of the same stream
    assert "records.jsonl: root expected" in out


def test_deleted_record(bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = _lines(bundle)
    del lines[4]
    _write_lines(bundle, lines)
    code, out = _run(capsys, "bundle", str(bundle))
    assert code == 1 and "lines, checkpoint size" in out and "version gap" in out


def test_swapped_pair(bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = _lines(bundle)
    lines[3], lines[4] = lines[4], lines[3]
    _write_lines(bundle, lines)
    code, out = _run(capsys, "bundle", str(bundle))
    assert code == 1 and "root expected" in out


def test_inserted_forged_record_with_recomputed_chain(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = _lines(bundle)
    last = json.loads(lines[-1])
    forged = dict(last, version=last["version"] + 1, prev=hashlib.sha256(lines[-1]).hexdigest())
    _write_lines(bundle, [*lines, _canonical(forged)])
    code, out = _run(capsys, "bundle", str(bundle))
    assert code == 1 and f"{len(lines) + 1} lines, checkpoint size {len(lines)}" in out


def test_truncated_log_re_extended_with_different_records_since_old_checkpoint(
    bundle: Path, settings: Settings, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    old = sorted((bundle / "checkpoints").iterdir(), key=lambda p: int(p.name))[0]
    held = tmp_path / "held-checkpoint"
    shutil.copy(old, held)  # what an auditor kept from an earlier visit
    shutil.rmtree(bundle / "checkpoints")  # the operator hides the history
    lines = _lines(bundle)
    cut = int(old.name) - 2
    rewritten = [line.replace(b'"reference":"TX"', b'"reference":"TY"') for line in lines[cut:]]
    _write_lines(bundle, _rechain([*lines[:cut], *rewritten], cut))
    _resign(bundle, settings)
    assert _run(capsys, "bundle", str(bundle))[0] == 0  # alone, the fork is self-consistent
    code, out = _run(capsys, "bundle", str(bundle), "--since", str(held))
    assert code == 1 and "history was rewritten or the log forked" in out


@pytest.mark.parametrize("line", [1, 2], ids=["changed-size", "changed-root"])
def test_checkpoint_with_changed_size_or_root(
    bundle: Path, capsys: pytest.CaptureFixture[str], line: int
) -> None:
    note = (bundle / "checkpoint").read_text().split("\n")
    note[line] = "5" if line == 1 else base64.b64encode(bytes(32)).decode()
    (bundle / "checkpoint").write_text("\n".join(note))
    code, out = _run(capsys, "bundle", str(bundle))
    assert code == 1 and "FAIL checkpoint: signature by gongshi.example/anqing" in out


def test_signature_by_the_wrong_key(bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    text = (bundle / "checkpoint").read_text().split("\n\n")[0] + "\n"
    impostor = Signer(ORIGIN, Ed25519PrivateKey.generate())
    (bundle / "checkpoint").write_text(text + "\n" + impostor.sign_line(text))
    code, out = _run(capsys, "bundle", str(bundle))
    assert code == 1 and "no signature by a known key" in out


def test_cosignature_dropped_below_the_policy(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    note = (bundle / "checkpoint").read_text()
    kept = [line for line in note.split("\n") if "witness.gongshi.example/audit" not in line
            and "witness.gongshi.example/finance" not in line]  # fmt: skip
    (bundle / "checkpoint").write_text("\n".join(kept))
    code, out = _run(capsys, "bundle", str(bundle))
    assert code == 1 and "1 witness cosignatures (supervision) do not satisfy quorum departments" in out


def test_forged_cosignature(bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    note = (bundle / "checkpoint").read_text()
    line = next(x for x in note.split("\n") if "witness.gongshi.example/audit" in x)
    blob = bytearray(base64.b64decode(line.split()[-1]))
    blob[-1] ^= 1
    forged = line.rsplit(" ", 1)[0] + " " + base64.b64encode(bytes(blob)).decode()
    (bundle / "checkpoint").write_text(note.replace(line, forged))
    code, out = _run(capsys, "bundle", str(bundle))
    assert code == 1 and "signature by witness.gongshi.example/audit" in out


def test_auditors_own_policy_is_applied(
    bundle: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    strict = tmp_path / "policy"
    strict.write_text((bundle / "policy").read_text().replace("quorum 2", "quorum 3"))
    assert _run(capsys, "bundle", str(bundle), "--policy", str(strict))[0] == 0
    policy = (bundle / "policy").read_text()
    strict.write_text("\n".join(x for x in policy.split("\n") if "audit" not in x))
    code, out = _run(capsys, "bundle", str(bundle), "--policy", str(strict))
    assert code == 0 and f"--policy {strict}" in out  # audit's cosignature is then unknown


def test_approval_by_the_reviewer_breaks_an_invariant(
    bundle: Path, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = _lines(bundle)
    index = next(i for i, x in enumerate(lines) if b"carefund.ApplicationApproved" in x)
    record = json.loads(lines[index])
    record["actor"]["principal"] = "ipc-01"  # the reviewer
    lines[index] = _canonical(record)
    _write_lines(bundle, _rechain(lines, index))
    _resign(bundle, settings)
    shutil.rmtree(bundle / "checkpoints")
    code, out = _run(capsys, "bundle", str(bundle))
    assert code == 1 and "approved by its reviewer ipc-01" in out


@pytest.mark.parametrize(
    ("mangle", "message"),
    [(lambda b: b.replace(b'":', b'": ', 1), "not canonical"),
     (lambda b: b.replace(b'"tier":2', b'"tier":2.0', 1), "not an integer"),
     (lambda b: b[:-1], "truncated (no final newline)")],
    ids=["non-canonical-json", "record-with-a-float", "truncated-final-line"],
)  # fmt: skip
def test_malformed_lines_are_named(
    bundle: Path,
    capsys: pytest.CaptureFixture[str],
    mangle,
    message: str,  # type: ignore[no-untyped-def]
) -> None:
    path = bundle / "records.jsonl"
    data = path.read_bytes()
    if "truncated" in message:
        path.write_bytes(mangle(data))
    else:
        lines = data.split(b"\n")
        target = next(i for i, x in enumerate(lines) if b'"tier":2' in x)
        lines[target] = mangle(lines[target])
        path.write_bytes(b"\n".join(lines))
    code, out = _run(capsys, "bundle", str(bundle))
    assert code == 1 and message in out


def test_empty_bundle_and_missing_files(
    bundle: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (bundle / "records.jsonl").write_bytes(b"")
    code, out = _run(capsys, "bundle", str(bundle))
    assert code == 1 and "records.jsonl: empty" in out
    (bundle / "checkpoint").unlink()
    code, out = _run(capsys, "bundle", str(bundle))
    assert code == 2 and "checkpoint: missing" in out
    code, out = _run(capsys, "bundle", str(tmp_path / "nowhere"))
    assert code == 2 and "not a directory" in out
    assert _run(capsys, "frobnicate")[0] == 2


def test_witness_refuses_a_rollback_and_keeps_evidence(
    bundle: Path, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    name = "audit"
    state = settings.home / "witness" / f"{name}.json"
    before = read_state(state)
    assert before is not None
    old = sorted((bundle / "checkpoints").iterdir(), key=lambda p: int(p.name))[0]
    key = str(witness_paths(settings.keys_dir, name)[0])
    code, out = _run(capsys, "witness", "cosign", "--name", name, "--key", key,
                     "--state", str(state), "--checkpoint", str(old), "--bundle", str(bundle),
                     "--time", "1700000300")  # fmt: skip
    assert code == 1 and "REFUSED: rollback" in out
    evidence = list((state.parent / "evidence").glob("*.json"))
    assert evidence and "rollback" in evidence[0].read_text()
    assert read_state(state) == before  # nothing advanced


def test_witness_refuses_a_fork_found_from_the_bundle(
    bundle: Path, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = _lines(bundle)
    assert b'"reference":"R-1"' in lines[1]
    _write_lines(bundle, _rechain([lines[0], lines[1].replace(b"R-1", b"R-9"), *lines[2:]], 1))
    _write_lines(bundle, [*_lines(bundle), _lines(bundle)[-1]])  # and grow it
    _resign(bundle, settings, witnesses=())
    key = str(witness_paths(settings.keys_dir, "finance")[0])
    state = settings.home / "witness" / "finance.json"
    code, out = _run(capsys, "witness", "cosign", "--key", key, "--state", str(state),
                     "--bundle", str(bundle), "--time", "1700000400")  # fmt: skip
    assert code == 1 and "REFUSED: fork" in out


def test_proof_and_consistency_commands(
    ledger: Ledger,
    bundle: Path,
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    from ledger.log import tree
    from ledger.log.checkpoints import all_checkpoints, covering
    from verify.tlogproof import TlogProof

    lines = _lines(bundle)
    signed = covering(ledger.log, 4)
    assert signed is not None
    proof = TlogProof(4, tuple(tree.inclusion_proof(4, signed.checkpoint.size, ledger.log.fetch)),
                      signed.note)  # fmt: skip
    (tmp_path / "p.tlog-proof").write_text(proof.text())
    (tmp_path / "record").write_bytes(lines[4] + b"\n")
    (tmp_path / "other").write_bytes(lines[5] + b"\n")
    vkey = str(bundle / "keys" / "log.vkey")
    args = ["proof", str(tmp_path / "p.tlog-proof"), "--vkey", vkey]
    assert _run(capsys, *args, "--record", str(tmp_path / "record"))[0] == 0
    code, out = _run(capsys, *args, "--record", str(tmp_path / "other"))
    assert code == 1 and "INVALID" in out

    old, new = all_checkpoints(ledger.log)
    (tmp_path / "old").write_text(old.note)
    (tmp_path / "new").write_text(new.note)
    hashes = tree.consistency_proof(old.checkpoint.size, new.checkpoint.size, ledger.log.fetch)
    body = {"proof": [base64.b64encode(h).decode() for h in hashes]}
    (tmp_path / "c.json").write_text(json.dumps(body))
    cargs = ["consistency", str(tmp_path / "old"), str(tmp_path / "new"), "--vkey", vkey]
    assert _run(capsys, *cargs, "--proof", str(tmp_path / "c.json"))[0] == 0
    body["proof"] = body["proof"][1:]
    (tmp_path / "c.json").write_text(json.dumps(body))
    assert _run(capsys, *cargs, "--proof", str(tmp_path / "c.json"))[0] == 1
    assert _run(capsys, *cargs, "--proof", str(tmp_path / "missing.json"))[0] == 2


def test_concurrent_witness_runs_never_both_advance(
    ledger: Ledger, settings: Settings, clock: SteppingClock, tmp_path: Path
) -> None:
    import threading

    from ledger.log import tree
    from ledger.log.checkpoints import all_checkpoints
    from verify.witness import WitnessRefusal, cosign

    create_log_key(settings.log_skey_path, settings.log_vkey_path, ORIGIN)
    create_witness_key(settings.keys_dir, "finance")
    signer = load_signer(settings.log_skey_path, ORIGIN)
    fund = funded(ledger)
    sign_checkpoint(ledger.log, signer, ORIGIN, clock)
    disbursed(fund)
    sign_checkpoint(ledger.log, signer, ORIGIN, clock)
    disbursed(fund)
    sign_checkpoint(ledger.log, signer, ORIGIN, clock)
    first, second, third = all_checkpoints(ledger.log)
    witness = parse_skey(witness_paths(settings.keys_dir, "finance")[0].read_text())
    log = signer.verifier
    state = tmp_path / "finance.json"
    cosign(state, witness, first.note, log, 1)
    outcomes: list[str] = []

    def run(target: object) -> None:
        assert target is second or target is third
        size = target.checkpoint.size  # type: ignore[attr-defined]
        proof = tree.consistency_proof(first.checkpoint.size, size, ledger.log.fetch)
        try:
            cosign(state, witness, target.note, log, 2, proof)  # type: ignore[attr-defined]
            outcomes.append(f"cosigned {size}")
        except WitnessRefusal as refusal:
            outcomes.append(refusal.reason.split(":")[0])

    threads = [threading.Thread(target=run, args=(t,)) for t in (second, third)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    # Both proofs start from the first checkpoint; whichever run takes the lock second sees
    # the other's state (a rollback, or a proof from the wrong size): exactly one advances.
    cosigned = [o for o in outcomes if o.startswith("cosigned")]
    assert len(outcomes) == 2 and len(cosigned) == 1, outcomes
    assert set(outcomes) - set(cosigned) <= {"rollback", "fork"}
    final = read_state(state)
    assert final is not None and cosigned == [f"cosigned {final.checkpoint.size}"]


def test_unknown_bundle_format_is_named(bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = json.loads((bundle / "MANIFEST.json").read_text())
    manifest["format"] = "gongshi-bundle/v9"
    (bundle / "MANIFEST.json").write_text(json.dumps(manifest))
    code, out = _run(capsys, "bundle", str(bundle))
    assert code == 1 and "this verifier reads gongshi-bundle/v1" in out
