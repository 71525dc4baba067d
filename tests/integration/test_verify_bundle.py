"""gongshi-verify on an exported bundle under the auditor's pinned policy: the clean bundle
passes; every tampering fails with exit 1 and is named by its rule; unreadable input exits 2.
Tests are named after the tampering."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.settings import Settings
from tests.integration.bundles import (
    ORIGIN,
    Keys,
    lines,
    make_bundle,
    no_pinned_policy,  # noqa: F401 (autouse)
    rechain,
    resign,
    rules,
    run,
    run_json,
    write_lines,
)
from verify.canonical import canonical_bytes
from verify.note import Signer, parse_note


def first_after_registry(records: list[bytes]) -> int:
    """The index of the bundle's first record after the registry's enrolments (the standard
    test actors, tests/conftest.py; the principal rules' bundle tests are in
    test_principals_verified.py): the positions below count from it."""
    return next(i for i, x in enumerate(records) if b'"type":"principal.' not in x)


@pytest.fixture
def made(
    ledger: Ledger, settings: Settings, clock: SteppingClock, tmp_path: Path
) -> tuple[Keys, Path, Path]:
    keys, pinned = make_bundle(ledger, settings, clock, tmp_path / "bundle")
    return keys, tmp_path / "bundle", pinned


@pytest.fixture
def bundle(made: tuple[Keys, Path, Path]) -> Path:
    return made[1]


@pytest.fixture
def keys(made: tuple[Keys, Path, Path]) -> Keys:
    return made[0]


@pytest.fixture
def pinned(made: tuple[Keys, Path, Path]) -> Path:
    return made[2]


def check(
    capsys: pytest.CaptureFixture[str], bundle: Path, pinned: Path, *extra: str
) -> tuple[int, set[str], dict[str, Any]]:
    """``bundle DIR --policy PINNED`` as JSON: (exit code, the failures' rules, the report)."""
    code, report = run_json(capsys, "bundle", str(bundle), "--policy", str(pinned), *extra)
    return code, rules(report), report


def test_clean_bundle_passes(
    bundle: Path, pinned: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, "bundle", str(bundle), "--policy", str(pinned), "--now", "1700000160")
    assert code == 0, out
    assert out.splitlines()[-1] == "VALID"
    assert "cosigned by: finance (60 s ago), audit (60 s ago), supervision (60 s ago)" in out
    assert f"policy: --policy {pinned}" in out


def test_changed_byte_in_a_record(
    bundle: Path, pinned: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = lines(bundle)
    # the tier-2 grant's first record: it is not its stream's last, so the next one's prev breaks
    at = next(i for i, r in enumerate(records) if b'"amount_fen":80000' in r)
    records[at] = records[at].replace(b'"amount_fen":80000', b'"amount_fen":80001')
    write_lines(bundle, records)
    code, found, _ = check(capsys, bundle, pinned)
    assert code == 1
    assert {"chain.prev", "records.root"} <= found  # prev: at the stream's next record


def test_deleted_record(bundle: Path, pinned: Path, capsys: pytest.CaptureFixture[str]) -> None:
    records = lines(bundle)
    del records[first_after_registry(records) + 4]
    write_lines(bundle, records)
    code, found, _ = check(capsys, bundle, pinned)
    assert code == 1 and {"records.size", "chain.version"} <= found


def test_swapped_pair(bundle: Path, pinned: Path, capsys: pytest.CaptureFixture[str]) -> None:
    records = lines(bundle)
    at = first_after_registry(records) + 3
    records[at], records[at + 1] = records[at + 1], records[at]
    write_lines(bundle, records)
    code, found, _ = check(capsys, bundle, pinned)
    assert code == 1 and "records.root" in found


def test_inserted_forged_record_with_recomputed_chain(
    bundle: Path, pinned: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = lines(bundle)
    last = json.loads(records[-1])
    forged = dict(last, version=last["version"] + 1, prev=hashlib.sha256(records[-1]).hexdigest())
    write_lines(bundle, [*records, canonical_bytes(forged)])
    code, out = run(capsys, "bundle", str(bundle), "--policy", str(pinned))
    assert code == 1
    assert f"(expected {len(records)}, computed {len(records) + 1}) [records.size]" in out


def test_truncated_log_re_extended_with_different_records_since_old_checkpoint(
    bundle: Path, pinned: Path, keys: Keys, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    old = sorted((bundle / "checkpoints").iterdir(), key=lambda p: int(p.name))[0]
    held = tmp_path / "held-checkpoint"
    shutil.copy(old, held)  # what an auditor kept from an earlier visit
    shutil.rmtree(bundle / "checkpoints")  # the operator hides the history
    (bundle / "checkpoints").mkdir()
    records = lines(bundle)
    cut = int(old.name) - 2
    rewritten = [line.replace(b'"reference":"TX"', b'"reference":"TY"') for line in records[cut:]]
    write_lines(bundle, rechain([*records[:cut], *rewritten], cut))
    resign(bundle, keys)  # the operator holds the log key, and its witnesses don't check
    assert check(capsys, bundle, pinned)[0] == 0  # alone, the fork is self-consistent
    code, out = run(capsys, "bundle", str(bundle), "--policy", str(pinned), "--since", str(held))
    assert code == 1 and "history was rewritten or the log forked" in out
    assert "[checkpoint.prefix_root]" in out


@pytest.mark.parametrize("line", [1, 2], ids=["changed-size", "changed-root"])
def test_checkpoint_with_changed_size_or_root(
    bundle: Path, pinned: Path, capsys: pytest.CaptureFixture[str], line: int
) -> None:
    note = (bundle / "checkpoint").read_text().split("\n")
    note[line] = "5" if line == 1 else base64.b64encode(bytes(32)).decode()
    (bundle / "checkpoint").write_text("\n".join(note))
    code, out = run(capsys, "bundle", str(bundle), "--policy", str(pinned))
    assert code == 1
    assert f"FAIL checkpoint: signature by {ORIGIN}" in out and "[checkpoint.signature]" in out


def test_signature_by_the_wrong_key(
    bundle: Path, pinned: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = parse_note((bundle / "checkpoint").read_text()).text
    impostor = Signer.generate(ORIGIN)
    (bundle / "checkpoint").write_text(text + "\n" + impostor.sign_line(text))
    code, out = run(capsys, "bundle", str(bundle), "--policy", str(pinned))
    assert code == 1 and "no signature by a known key" in out


def test_cosignature_dropped_below_the_policy(
    bundle: Path, pinned: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    note = (bundle / "checkpoint").read_text()
    kept = [line for line in note.split("\n") if "witness.gongshi.example/audit" not in line
            and "witness.gongshi.example/finance" not in line]  # fmt: skip
    (bundle / "checkpoint").write_text("\n".join(kept))
    code, out = run(capsys, "bundle", str(bundle), "--policy", str(pinned))
    assert code == 1
    assert "(expected departments, computed cosigned by supervision) [policy.quorum]" in out


@pytest.mark.parametrize("witness", ["audit", "finance"], ids=["ml-dsa-44", "ed25519"])
def test_forged_cosignature(
    bundle: Path, pinned: Path, capsys: pytest.CaptureFixture[str], witness: str
) -> None:
    note = (bundle / "checkpoint").read_text()
    line = next(x for x in note.split("\n") if f"witness.gongshi.example/{witness}" in x)
    blob = bytearray(base64.b64decode(line.split()[-1]))
    blob[-1] ^= 1
    forged = line.rsplit(" ", 1)[0] + " " + base64.b64encode(bytes(blob)).decode()
    (bundle / "checkpoint").write_text(note.replace(line, forged))
    code, out = run(capsys, "bundle", str(bundle), "--policy", str(pinned))
    assert code == 1 and f"signature by witness.gongshi.example/{witness}" in out


def test_auditors_own_policy_is_applied(
    bundle: Path, pinned: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A stricter pinned quorum is what the checkpoint is held to; the bundle's declared
    policy then differs from it, and that difference is reported as a notice, never a
    failure: a genuine bundle cosigned by all three is VALID under "all", and under a smaller
    policy (audit left out) too. A quorum the checkpoint does not meet is INVALID."""
    strict = tmp_path / "strict"
    strict.write_text(pinned.read_text().replace("group departments 2", "group departments all"))
    code, found, report = check(capsys, bundle, strict)
    assert code == 0 and report["result"] == "VALID" and found == set(), report
    assert [(d["rule"], d["message"]) for d in report["differences"]] == [
        ("bundle.policy_differs", "group departments")
    ]
    assert report["cosigners"] and len(report["cosigners"]) == 3
    without_audit = "\n".join(
        x for x in pinned.read_text().split("\n") if not x.startswith("witness audit")
    )
    strict.write_text(without_audit.replace("finance audit supervision", "finance supervision"))
    code, found, report = check(capsys, bundle, strict)
    assert code == 0 and found == set(), report  # no checkpoint.*
    assert {d["rule"] for d in report["differences"]} == {
        "bundle.policy_differs", "bundle.key_differs"}  # fmt: skip
    assert [c["name"] for c in report["cosigners"]] == ["finance", "supervision"]
    strict.write_text(pinned.read_text().replace("group departments 2", "group departments all"))
    note = (bundle / "checkpoint").read_text()
    kept = [x for x in note.split("\n") if "witness.gongshi.example/supervision" not in x]
    size = parse_note(note).text.split("\n")[1]
    for path in (bundle / "checkpoint", bundle / "checkpoints" / size):
        path.write_text("\n".join(kept))
    code, found, report = check(capsys, bundle, strict)
    assert code == 1 and found == {"policy.quorum"}, report  # the pinned quorum decides


def test_approval_by_the_reviewer_breaks_an_invariant(
    bundle: Path, pinned: Path, keys: Keys, capsys: pytest.CaptureFixture[str]
) -> None:
    records = lines(bundle)
    index = next(i for i, x in enumerate(records) if b"carefund.ApplicationApproved" in x)
    record = json.loads(records[index])
    record["actor"]["principal"] = "ipc-01"  # the reviewer
    records[index] = canonical_bytes(record)
    write_lines(bundle, rechain(records, index))
    shutil.rmtree(bundle / "checkpoints")
    (bundle / "checkpoints").mkdir()
    resign(bundle, keys)
    code, out = run(capsys, "bundle", str(bundle), "--policy", str(pinned))
    assert code == 1 and "approved by its reviewer ipc-01" in out


@pytest.mark.parametrize(
    ("mangle", "message"),
    [(lambda b: b.replace(b'":', b'": ', 1), "[record.canonical]"),
     (lambda b: b.replace(b'"tier":2', b'"tier":2.0', 1), "not an integer"),
     (lambda b: b[:-1], "truncated (no final newline) [records.newline]")],
    ids=["non-canonical-json", "record-with-a-float", "truncated-final-line"],
)  # fmt: skip
def test_malformed_lines_are_named(
    bundle: Path,
    pinned: Path,
    capsys: pytest.CaptureFixture[str],
    mangle: Callable[[bytes], bytes],
    message: str,
) -> None:
    path = bundle / "records.jsonl"
    data = path.read_bytes()
    if "truncated" in message:
        path.write_bytes(mangle(data))
    else:
        records = data.split(b"\n")
        target = next(i for i, x in enumerate(records) if b'"tier":2' in x)
        records[target] = mangle(records[target])
        path.write_bytes(b"\n".join(records))
    code, out = run(capsys, "bundle", str(bundle), "--policy", str(pinned))
    assert code == 1 and message in out


def test_empty_bundle_and_missing_files(
    bundle: Path, pinned: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (bundle / "records.jsonl").write_bytes(b"")
    code, out = run(capsys, "bundle", str(bundle), "--policy", str(pinned))
    assert code == 1 and "records.jsonl: no records [records.empty]" in out
    (bundle / "checkpoint").unlink()
    code, out = run(capsys, "bundle", str(bundle), "--policy", str(pinned))
    assert code == 2 and "checkpoint: missing" in out
    code, out = run(capsys, "bundle", str(tmp_path / "nowhere"), "--policy", str(pinned))
    assert code == 2 and "not a directory" in out
    assert run(capsys, "frobnicate")[0] == 2


def test_unknown_bundle_format_is_named(
    bundle: Path, pinned: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = json.loads((bundle / "MANIFEST.json").read_text())
    manifest["format"] = "gongshi-bundle/v9"
    (bundle / "MANIFEST.json").write_bytes(canonical_bytes(manifest) + b"\n")
    code, out = run(capsys, "bundle", str(bundle), "--policy", str(pinned))
    assert code == 1
    assert "(expected gongshi-bundle/v1, computed 'gongshi-bundle/v9') [manifest.format]" in out
