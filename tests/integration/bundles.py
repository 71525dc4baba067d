"""Export bundles for the verifier's tests: a genuine small one, and what a forger can do.

``make_bundle`` has three department witnesses (finance and supervision Ed25519, audit
ML-DSA-44) cosign the two checkpoints of a real ledger (care-fund records), the log store
their lines, and exports it; the departments' policy is written beside the bundle, as the
auditor pinned it. ``forge_history`` rewrites a record and re-signs everything with fresh log and
witness keys, replacing the policy and key files: a bundle that is self-consistent.
``forge_one`` changes one record and re-signs with the log's own keys: only the rules across
records can catch it.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.log.checkpoints import all_checkpoints, sign_checkpoint
from ledger.log.cosignatures import add_cosignature
from ledger.log.export import export_bundle
from ledger.log.keys import create_log_key, load_signer
from ledger.settings import Settings
from tests.integration.helpers import INTAKE, disbursed, funded
from verify.canonical import canonical_bytes
from verify.checkpoint import Checkpoint, parse_checkpoint
from verify.cli import main
from verify.merkle import CompactRange, leaf_hash
from verify.note import COSIGNATURE_V1, ED25519, MLDSA44_COSIGNATURE, Signer, parse_note
from verify.policy import Policy, departments_policy

ORIGIN = "gongshi.example/anqing"
DEPARTMENTS = ("finance", "audit", "supervision")
KEY_TYPES = {"finance": COSIGNATURE_V1, "audit": MLDSA44_COSIGNATURE, "supervision": COSIGNATURE_V1}
COSIGNED_AT = 1_700_000_100


@dataclass
class Keys:
    """Every signing key of one history: the log's and the departments' witnesses'."""

    log: Signer
    witnesses: dict[str, Signer]

    @classmethod
    def fresh(cls, log: Signer | None = None) -> Keys:
        witnesses = {
            name: Signer.generate(f"witness.gongshi.example/{name}", KEY_TYPES[name])
            for name in DEPARTMENTS
        }
        return cls(log or Signer.generate(ORIGIN, ED25519), witnesses)

    def policy(self) -> Policy:
        verifiers = {n: s.verifier for n, s in self.witnesses.items()}
        return departments_policy(self.log.verifier, verifiers)

    def cosign(self, text: str, names: tuple[str, ...] = DEPARTMENTS, at: int = COSIGNED_AT) -> str:
        """The note of checkpoint ``text``: the log's line, then the named witnesses'."""
        lines = self.log.sign_line(text)
        lines += "".join(self.witnesses[n].sign_line(text, at) for n in names)
        return text + "\n" + lines


def make_bundle(
    ledger: Ledger, settings: Settings, clock: SteppingClock, out: Path
) -> tuple[Keys, Path]:
    """A small real bundle at ``out`` and its keys; the pinned policy is written beside it
    (``out.parent / "pinned-policy"``), as the auditor got it from the departments."""
    create_log_key(settings.log_skey_path, settings.log_vkey_path, ORIGIN)
    keys = Keys.fresh(load_signer(settings.log_skey_path, ORIGIN))
    fund = funded(ledger)
    disbursed(fund, tier=2)
    sign_checkpoint(ledger.log, keys.log, ORIGIN, clock)
    for _ in range(2):
        disbursed(fund, tier=1)
    fund.follow_up(disbursed(fund), "2023-03-01", "stable", "回访", INTAKE)
    sign_checkpoint(ledger.log, keys.log, ORIGIN, clock)
    return keys, export_cosigned(ledger, settings, keys, out)


def export_cosigned(ledger: Ledger, settings: Settings, keys: Keys, out: Path) -> Path:
    """The departments cosign every checkpoint of ``ledger``'s log (the log stores their
    lines); export the bundle to ``out`` and write the pinned policy beside it (returned)."""
    policy = keys.policy()
    for signed in all_checkpoints(ledger.log):
        text = signed.checkpoint.text()
        for name in DEPARTMENTS:
            line = keys.witnesses[name].sign_line(text, COSIGNED_AT)
            add_cosignature(ledger.log, policy, line, datetime.now(UTC), signed.checkpoint.size)
    vkey = settings.log_vkey_path.read_text()
    export_bundle(ledger.log, ledger.app.recorder, out, vkey, policy=policy)
    (out.parent / "pinned-policy").write_text(keys.policy().text())
    return out.parent / "pinned-policy"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = main([*args, "--json"])
    captured = capsys.readouterr()
    assert captured.out, captured.err
    return code, json.loads(captured.out)


def rules(report: dict[str, Any]) -> set[str]:
    return {f["rule"] for f in report["failures"]}


def lines(bundle: Path) -> list[bytes]:
    return (bundle / "records.jsonl").read_bytes().split(b"\n")[:-1]


def write_lines(bundle: Path, records: list[bytes]) -> None:
    (bundle / "records.jsonl").write_bytes(b"".join(line + b"\n" for line in records))


def tree_of(records: list[bytes]) -> Checkpoint:
    tree = CompactRange()
    for line in records:
        tree.append(leaf_hash(line))
    return Checkpoint(ORIGIN, tree.size, tree.root())


def resign(bundle: Path, keys: Keys, names: tuple[str, ...] = DEPARTMENTS) -> None:
    """What a log operator holding ``keys`` could do: sign a checkpoint over the current
    lines (with witnesses that don't check consistency) and keep its copy in checkpoints/."""
    checkpoint = tree_of(lines(bundle))
    note = keys.cosign(checkpoint.text(), names)
    (bundle / "checkpoint").write_text(note)
    (bundle / "checkpoints" / str(checkpoint.size)).write_text(note)
    manifest = json.loads((bundle / "MANIFEST.json").read_text())
    manifest["tree_size"] = checkpoint.size
    manifest["root"] = base64.b64encode(checkpoint.root).decode()
    (bundle / "MANIFEST.json").write_bytes(canonical_bytes(manifest) + b"\n")


def rechain(records: list[bytes], start: int) -> list[bytes]:
    """Recompute every later record's prev in the same streams (a careful forger)."""
    heads: dict[str, str] = {}
    out = []
    for number, line in enumerate(records):
        record = json.loads(line)
        if number >= start and record["version"] > 1:
            record["prev"] = heads[record["stream"]]
        line = canonical_bytes(record) if number >= start else line
        heads[record["stream"]] = hashlib.sha256(line).hexdigest()
        out.append(line)
    return out


DROP = "drop"  # as a change: the record taken out (the last of its stream: the stream ends earlier)
Change = Callable[[dict[str, Any]], None] | Mapping[str, Any] | str


def forge_one(
    bundle: Path,
    keys: Keys,
    kind: str,
    change: Change,
    pick: Callable[[dict[str, Any]], bool] = lambda record: True,
) -> None:
    """What an operator holding ``keys`` can do to one record: ``change`` the first record
    of type ``kind`` that ``pick`` accepts (a function editing the parsed record, a map of
    dotted paths such as ``"data.unit"`` to new values, or ``DROP``), re-chain the later
    records of the same streams, and sign (and have cosigned) one checkpoint over the lines,
    the older ones dropped."""
    records = lines(bundle)
    index = next(
        i for i, x in enumerate(records) if json.loads(x)["type"] == kind and pick(json.loads(x))
    )
    if change == DROP:
        del records[index]
    else:
        records[index] = canonical_bytes(_changed(json.loads(records[index]), change))
    write_lines(bundle, rechain(records, index))
    for old in (bundle / "checkpoints").iterdir():
        old.unlink()
    resign(bundle, keys)


def _changed(record: dict[str, Any], change: Change) -> dict[str, Any]:
    if callable(change):
        change(record)
        return record
    assert isinstance(change, Mapping), change
    for path, value in change.items():
        *parents, last = path.split(".")
        target = record
        for name in parents:
            target = target[name]
        target[last] = value
    return record


def forge_history(bundle: Path) -> Keys:
    """Rewrite a disbursement's reference, re-chain, and re-sign every checkpoint with fresh
    log and witness keys; replace keys/ and policy to match. Returns the forger's keys."""
    records = lines(bundle)
    first = next(i for i, x in enumerate(records) if b'"reference":"TX"' in x)
    records[first] = records[first].replace(b'"reference":"TX"', b'"reference":"TY"')
    write_lines(bundle, rechain(records, first))
    forged = Keys.fresh()
    resign(bundle, forged)
    for path in (bundle / "checkpoints").iterdir():
        size = parse_checkpoint(parse_note(path.read_text()).text).size
        if size != len(lines(bundle)):
            path.write_text(forged.cosign(tree_of(lines(bundle)[:size]).text()))
    (bundle / "keys" / "log.vkey").write_text(forged.log.verifier.vkey() + "\n")
    for name, signer in forged.witnesses.items():
        (bundle / "keys" / f"witness-{name}.vkey").write_text(signer.verifier.vkey() + "\n")
    (bundle / "policy").write_text(forged.policy().text())
    return forged


@pytest.fixture(autouse=True)
def no_pinned_policy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Nothing from the developer's own configuration: no pinned policy, no env anchor."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("GONGSHI_VERIFY_POLICY", raising=False)
