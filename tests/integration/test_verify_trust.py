"""The verifier trusts nothing the operator shipped (issue 11 §4): the policy is the
auditor's anchor; the bundle's own policy, keys, manifest and older checkpoints are checked
against it. Tests are named after what the operator (or a forger) did."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.settings import Settings
from tests.integration.bundles import (
    COSIGNED_AT,
    ORIGIN,
    Keys,
    forge_history,
    make_bundle,
    no_pinned_policy,  # noqa: F401 (autouse)
    rules,
    run,
    run_json,
)
from verify.canonical import canonical_bytes
from verify.checkpoint import Checkpoint
from verify.note import Signer, parse_note
from verify.params import LISTS
from verify.policy import Member, Policy, parse_policy


@pytest.fixture
def made(
    ledger: Ledger, settings: Settings, clock: SteppingClock, tmp_path: Path
) -> tuple[Keys, Path, Path]:
    keys, pinned = make_bundle(ledger, settings, clock, tmp_path / "bundle")
    return keys, tmp_path / "bundle", pinned


def _check(
    capsys: pytest.CaptureFixture[str], bundle: Path, *args: str
) -> tuple[int, set[str], dict[str, Any]]:
    code, report = run_json(capsys, "bundle", str(bundle), *args)
    return code, rules(report), report


DECLARED = {"bundle.policy_differs", "bundle.policy_missing", "bundle.policy_unreadable",
            "bundle.key_differs", "bundle.key_missing", "bundle.key_unreadable"}  # fmt: skip


def differ(report: dict[str, Any]) -> set[str]:
    """The rules of the report's differences (notices: the bundle's declarations vs the pin)."""
    assert not rules(report) & DECLARED, "a declared difference reported as a failure"
    return {d["rule"] for d in report["differences"]}


def _older(bundle: Path) -> Path:
    return min((bundle / "checkpoints").iterdir(), key=lambda p: int(p.name))


def _drop_lines(path: Path, key_name: str) -> None:
    """Remove the signature lines of ``key_name`` from the note at ``path``."""
    kept = [x for x in path.read_text().split("\n") if not x.startswith(f"\u2014 {key_name} ")]
    path.write_text("\n".join(kept))


# -- the anchor ------------------------------------------------------------------------------


def test_bundle_without_a_pinned_policy_exits_2_saying_how_to_pin(
    made: tuple[Keys, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, "bundle", str(made[1]))
    assert code == 2
    assert "no trust policy pinned outside the bundle" in out
    assert "gongshi-verify policy pin FILE" in out and "GONGSHI_VERIFY_POLICY" in out


def test_bundle_policy_accepted_with_trust_bundle_policy_says_unanchored(
    made: tuple[Keys, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = made[1]
    code, out = run(capsys, "bundle", str(bundle), "--trust-bundle-policy")
    assert code == 0 and out.splitlines()[-1].startswith("UNANCHORED: ")
    assert "VALID" not in out.splitlines()[-1]
    code, found, report = _check(capsys, bundle, "--trust-bundle-policy")
    assert report["result"] == "UNANCHORED" and report["anchored"] is False and not found
    refused = run(capsys, "bundle", str(bundle), "--trust-bundle-policy", "--policy", "x")
    assert refused[0] == 2


def test_policy_from_the_environment_then_the_pinned_file(
    made: tuple[Keys, Path, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    _, bundle, pinned = made
    monkeypatch.setenv("GONGSHI_VERIFY_POLICY", str(pinned))
    code, out = run(capsys, "bundle", str(bundle))
    assert code == 0 and f"policy: GONGSHI_VERIFY_POLICY={pinned}" in out
    monkeypatch.setenv("GONGSHI_VERIFY_POLICY", str(tmp_path / "gone"))
    assert run(capsys, "bundle", str(bundle))[0] == 2  # named but missing: no fall-through
    monkeypatch.delenv("GONGSHI_VERIFY_POLICY")
    code, out = run(capsys, "policy", "pin", str(pinned))
    target = tmp_path / "config" / "gongshi-verify" / "policy"
    assert code == 0 and target.read_text() == pinned.read_text()
    code, out = run(capsys, "bundle", str(bundle))
    assert code == 0 and f"policy: pinned {target}" in out and out.endswith("VALID\n")
    code, out = run(capsys, "policy", "show")
    assert code == 0 and "quorum departments" in out and f"pinned {target}" in out


def test_pinning_a_malformed_policy_is_refused_and_keeps_the_old_one(
    made: tuple[Keys, Path, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pinned = made[2]
    assert run(capsys, "policy", "pin", str(pinned))[0] == 0
    bad = tmp_path / "bad"
    bad.write_text(pinned.read_text().replace("quorum departments", "quorum nobody"))
    code, out = run(capsys, "policy", "pin", str(bad))
    assert code == 2 and "quorum 'nobody' is not defined above" in out
    target = tmp_path / "config" / "gongshi-verify" / "policy"
    assert target.read_text() == pinned.read_text()


# -- a rewritten, re-signed history ----------------------------------------------------------


def test_rewritten_history_resigned_with_fresh_log_and_witness_keys_is_never_valid(
    made: tuple[Keys, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, bundle, pinned = made
    forge_history(bundle)
    code, found, report = _check(capsys, bundle, "--trust-bundle-policy")
    assert report["result"] == "UNANCHORED" and not found  # self-consistent: only the anchor
    code, found, report = _check(capsys, bundle, "--policy", str(pinned))
    assert code == 1 and report["result"] == "INVALID"
    assert "checkpoint.signature" in found  # what makes it INVALID: the signatures
    assert differ(report) == {"bundle.policy_differs", "bundle.key_differs"}  # reported too
    assert report["cosigners"] == []


def test_rewritten_history_resigned_with_the_policy_file_deleted_is_never_valid(
    made: tuple[Keys, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, bundle, pinned = made
    forge_history(bundle)
    (bundle / "policy").unlink()
    code, found, report = _check(capsys, bundle, "--policy", str(pinned))
    assert code == 1 and report["result"] == "INVALID"
    assert "checkpoint.signature" in found and not found & DECLARED
    assert differ(report) == {"bundle.policy_missing", "bundle.key_differs"}
    code, out = run(capsys, "bundle", str(bundle), "--trust-bundle-policy")
    assert code == 2 and "no policy of its own to trust" in out


def test_bundle_policy_file_replaced_is_reported(
    made: tuple[Keys, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """A difference from the pinned policy is a notice (DIFFERS), never a failure: the
    checkpoint meets the pinned quorum, so the bundle is VALID whatever it declares."""
    _, bundle, pinned = made
    policy = (bundle / "policy").read_text()
    (bundle / "policy").write_text(policy.replace("group departments 2", "group departments 1"))
    code, found, report = _check(capsys, bundle, "--policy", str(pinned))
    assert code == 0 and report["result"] == "VALID" and found == set()
    [difference] = report["differences"]
    assert difference["rule"] == "bundle.policy_differs"
    assert difference["expected"] == "2 finance audit supervision"
    assert difference["computed"] == "1 finance audit supervision"
    code, out = run(capsys, "bundle", str(bundle), "--policy", str(pinned))
    assert code == 0 and out.splitlines()[-2:] == [
        "DIFFERS policy: group departments (expected 2 finance audit supervision, computed 1 "
        "finance audit supervision) [bundle.policy_differs]",
        "VALID",
    ]


def test_witness_key_file_replaced_is_reported(
    made: tuple[Keys, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, bundle, pinned = made
    other = Signer.generate("witness.gongshi.example/audit", 0x04).verifier.vkey()
    (bundle / "keys" / "witness-audit.vkey").write_text(other + "\n")
    (bundle / "keys" / "witness-nobody.vkey").write_text(other + "\n")
    (bundle / "keys" / "witness-finance.vkey").unlink()
    code, found, report = _check(capsys, bundle, "--policy", str(pinned))
    assert code == 0 and report["result"] == "VALID" and found == set()
    assert differ(report) == {"bundle.key_differs", "bundle.key_missing"}
    where = sorted(d["where"] for d in report["differences"])
    assert where == ["keys/witness-audit.vkey", "keys/witness-finance.vkey",
                     "keys/witness-nobody.vkey"]  # fmt: skip


def test_log_key_file_replaced_is_reported(
    made: tuple[Keys, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, bundle, pinned = made
    (bundle / "keys" / "log.vkey").write_text(Signer.generate(ORIGIN).verifier.vkey() + "\n")
    code, found, report = _check(capsys, bundle, "--policy", str(pinned))
    assert code == 0 and found == set() and differ(report) == {"bundle.key_differs"}


# -- MANIFEST.json ---------------------------------------------------------------------------


def _manifest(bundle: Path) -> dict[str, Any]:
    value: dict[str, Any] = json.loads((bundle / "MANIFEST.json").read_text())
    return value


@pytest.mark.parametrize(
    ("change", "rule"),
    [("origin", "manifest.origin"), ("tree_size", "manifest.tree_size"),
     ("root", "manifest.root"), ("extra", "manifest.members"), ("files", "manifest.files")],
    ids=["other-origin", "other-size", "other-root", "extra-member", "listed-file-missing"],
)  # fmt: skip
def test_manifest_disagreeing_with_the_checkpoint_or_files(
    made: tuple[Keys, Path, Path], capsys: pytest.CaptureFixture[str], change: str, rule: str
) -> None:
    _, bundle, pinned = made
    manifest = _manifest(bundle)
    values = {"origin": "other.example/log", "tree_size": 3,
              "root": base64.b64encode(bytes(32)).decode(), "extra": 1,
              "files": {**manifest["files"], "records-2.jsonl": "more records"}}  # fmt: skip
    manifest[change] = values[change]
    (bundle / "MANIFEST.json").write_bytes(canonical_bytes(manifest) + b"\n")
    code, found, _ = _check(capsys, bundle, "--policy", str(pinned))
    assert code == 1 and found == {rule}


@pytest.mark.parametrize(
    "write",
    [lambda m: json.dumps(m, indent=1).encode() + b"\n",
     lambda m: canonical_bytes(m),
     lambda m: canonical_bytes(m) + b"\n\n"],
    ids=["indented", "no-final-lf", "two-lfs"],
)  # fmt: skip
def test_manifest_not_canonical_json_then_lf(
    made: tuple[Keys, Path, Path], capsys: pytest.CaptureFixture[str], write: Any
) -> None:
    _, bundle, pinned = made
    (bundle / "MANIFEST.json").write_bytes(write(_manifest(bundle)))
    code, found, _ = _check(capsys, bundle, "--policy", str(pinned))
    assert code == 1 and found == {"manifest.canonical"}


def test_manifest_deleted(
    made: tuple[Keys, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, bundle, pinned = made
    (bundle / "MANIFEST.json").unlink()
    code, found, _ = _check(capsys, bundle, "--policy", str(pinned))
    assert code == 1 and found == {"manifest.missing"}


# -- the checkpoint and the older ones -------------------------------------------------------


def test_checkpoint_differs_from_its_copy_in_checkpoints(
    made: tuple[Keys, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, bundle, pinned = made
    note = (bundle / "checkpoint").read_text()
    stranger = Signer.generate("stranger.example/w", 0x04).sign_line(parse_note(note).text, 1)
    (bundle / "checkpoint").write_text(note + stranger)  # an unknown key: ignored, but extra
    code, found, _ = _check(capsys, bundle, "--policy", str(pinned))
    assert code == 1 and found == {"bundle.checkpoint_copy"}


def test_older_checkpoint_without_the_log_signature(
    made: tuple[Keys, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, bundle, pinned = made
    _drop_lines(_older(bundle), ORIGIN)  # the witnesses' lines stay: known keys did sign
    code, found, report = _check(capsys, bundle, "--policy", str(pinned))
    assert code == 1 and found == {"checkpoint.log_signature"}
    assert report["failures"][0]["where"] == f"checkpoints/{_older(bundle).name}"


def test_since_checkpoint_without_the_log_signature(
    made: tuple[Keys, Path, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _, bundle, pinned = made
    held = tmp_path / "held"
    shutil.copy(_older(bundle), held)
    assert _check(capsys, bundle, "--policy", str(pinned), "--since", str(held))[0] == 0
    _drop_lines(held, ORIGIN)
    code, found, report = _check(capsys, bundle, "--policy", str(pinned), "--since", str(held))
    assert code == 1 and found == {"checkpoint.log_signature"}
    assert report["failures"][0]["where"] == f"--since {held}"


def test_older_checkpoint_with_a_failing_cosignature(
    made: tuple[Keys, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, bundle, pinned = made
    older = _older(bundle)
    note = older.read_text()
    line = next(x for x in note.split("\n") if "witness.gongshi.example/finance" in x)
    blob = bytearray(base64.b64decode(line.split()[-1]))
    blob[-1] ^= 1
    older.write_text(note.replace(line.split()[-1], base64.b64encode(bytes(blob)).decode()))
    code, found, _ = _check(capsys, bundle, "--policy", str(pinned))
    assert code == 1 and found == {"checkpoint.signature"}


def test_older_checkpoint_without_cosignatures_is_accepted(
    made: tuple[Keys, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """Older checkpoints need the log's signature, not the quorum (FORMAT.md §7)."""
    _, bundle, pinned = made
    for name in ("finance", "audit", "supervision"):
        _drop_lines(_older(bundle), f"witness.gongshi.example/{name}")
    assert _check(capsys, bundle, "--policy", str(pinned))[0] == 0


def test_checkpoint_with_another_origin_signed_by_the_log_key(
    made: tuple[Keys, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    keys, bundle, pinned = made
    older = _older(bundle)
    text = parse_note(older.read_text()).text.replace(ORIGIN, "other.example/log", 1)
    older.write_text(keys.cosign(text))
    code, found, report = _check(capsys, bundle, "--policy", str(pinned))
    assert code == 1 and found == {"checkpoint.origin"}
    assert report["failures"][0]["computed"] == "other.example/log"


def test_older_checkpoint_of_another_log_of_the_policy(
    made: tuple[Keys, Path, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A policy may list several logs; a bundle is one log's: every checkpoint in it has
    the origin of its ``checkpoint``."""
    _, bundle, pinned = made
    other = Signer.generate("other.example/log")
    policy = parse_policy(pinned.read_text())
    two_logs = Policy((*policy.logs, Member(other.verifier)), policy.witnesses, policy.groups,
                      policy.quorum)  # fmt: skip
    (tmp_path / "two-logs").write_text(two_logs.text())
    (bundle / "policy").write_text(two_logs.text())
    older = _older(bundle)
    text = parse_note(older.read_text()).text.replace(ORIGIN, "other.example/log", 1)
    older.write_text(text + "\n" + other.sign_line(text))
    code, found, report = _check(capsys, bundle, "--policy", str(tmp_path / "two-logs"))
    assert code == 1 and found == {"checkpoint.origin"}
    assert (report["failures"][0]["expected"], report["failures"][0]["computed"]) == (
        ORIGIN, "other.example/log")  # fmt: skip


def test_older_checkpoint_file_named_by_another_size(
    made: tuple[Keys, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, bundle, pinned = made
    older = _older(bundle)
    older.rename(older.with_name(str(int(older.name) + 1)))
    code, found, _ = _check(capsys, bundle, "--policy", str(pinned))
    assert code == 1 and found == {"bundle.checkpoint_name"}


@pytest.mark.parametrize("root", [hashlib.sha256(b"").digest(), bytes(32)],
                         ids=["empty-tree-root", "other-root"])  # fmt: skip
def test_size_0_checkpoint_in_the_history(
    made: tuple[Keys, Path, Path], capsys: pytest.CaptureFixture[str], root: bytes
) -> None:
    keys, bundle, pinned = made
    (bundle / "checkpoints" / "0").write_text(keys.cosign(Checkpoint(ORIGIN, 0, root).text()))
    code, found, _ = _check(capsys, bundle, "--policy", str(pinned))
    if root == hashlib.sha256(b"").digest():
        assert code == 0, found
    else:
        assert code == 1 and found == {"checkpoint.empty_root"}


def test_published_directory_missing_its_lists(
    made: tuple[Keys, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, bundle, pinned = made
    (bundle / "published").mkdir()
    code, found, report = _check(capsys, bundle, "--policy", str(pinned))
    assert code == 1 and found == {"published.missing"}
    assert len(report["failures"]) == len(LISTS)  # one per list


# -- cosignature times -----------------------------------------------------------------------


def test_cosignature_from_the_future_does_not_count(
    made: tuple[Keys, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, bundle, pinned = made
    base = ["--policy", str(pinned)]
    code, found, report = _check(capsys, bundle, *base, "--now", str(COSIGNED_AT - 300))
    assert code == 0 and report["set_aside"] == []
    assert [c["age_seconds"] for c in report["cosigners"]] == [-300, -300, -300]
    code, found, report = _check(capsys, bundle, *base, "--now", str(COSIGNED_AT - 301))
    assert code == 1 and found == {"policy.quorum"} and report["cosigners"] == []
    assert len(report["set_aside"]) == 3
    code, out = run(capsys, "bundle", str(bundle), *base, "--now", str(COSIGNED_AT - 301))
    assert f"set aside: finance: cosignature dated {COSIGNED_AT}" in out
