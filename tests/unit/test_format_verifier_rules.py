"""docs/FORMAT.md's normative verifier rules (issue 11 §6 items 1, 8–13), one test each.

Each test's docstring quotes its rule, and the test checks the quote is in FORMAT.md, so the
text and the behaviour change together."""

from __future__ import annotations

import base64
import inspect
import json
import re
from pathlib import Path

from verify.canonical import canonical_bytes
from verify.checked import check_checkpoint
from verify.checkpoint import Checkpoint, parse_checkpoint
from verify.cli import main
from verify.manifest import read_manifest
from verify.merkle import leaf_hash
from verify.note import COSIGNATURE_V1, MLDSA44_COSIGNATURE, Signer, parse_note, parse_vkey
from verify.policy import Policy, departments_policy
from verify.proofcheck import check_record_proof
from verify.tlogproof import TlogProof

FORMAT = Path(__file__).resolve().parents[2] / "docs" / "FORMAT.md"
ORIGIN = "gongshi.example/anqing"
AT = 1_700_000_000


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def quoted_in_format(test: object) -> None:
    """The quoted rule (between the docstring's first pair of double quotes) is in FORMAT.md."""
    doc = inspect.getdoc(test) or ""
    quote = doc[doc.index('"') + 1 : doc.index('"', doc.index('"') + 1)]
    assert _words(quote) in _words(FORMAT.read_text(encoding="utf-8").replace("**", "")), quote


class Setup:
    """A log and two witnesses (Ed25519 and ML-DSA-44), any one of which is the quorum."""

    def __init__(self) -> None:
        self.log = Signer.generate(ORIGIN)
        self.finance = Signer.generate("witness.gongshi.example/finance", COSIGNATURE_V1)
        self.audit = Signer.generate("witness.gongshi.example/audit", MLDSA44_COSIGNATURE)
        self.policy: Policy = departments_policy(
            self.log.verifier,
            {"finance": self.finance.verifier, "audit": self.audit.verifier},
            threshold=1,
        )

    def note(self, text: str, *witnesses: Signer, at: int = AT) -> str:
        return (
            text
            + "\n"
            + self.log.sign_line(text)
            + "".join(w.sign_line(text, at) for w in witnesses)
        )


def test_item_1_manifest_is_canonical_json_then_lf(tmp_path: Path) -> None:
    """ "MANIFEST.json is exactly the canonical JSON (§1) of its object followed by one LF
    (0x0A), and nothing else." """
    quoted_in_format(test_item_1_manifest_is_canonical_json_then_lf)
    value = {
        "files": {},
        "format": "gongshi-bundle/v1",
        "origin": ORIGIN,
        "root": "",
        "timezone": "Asia/Shanghai",
        "tree_size": 1,
    }
    for data, ok in [(canonical_bytes(value) + b"\n", True), (canonical_bytes(value), False),
                     (canonical_bytes(value) + b"\n\n", False),
                     (json.dumps(value).encode() + b"\n", False)]:  # fmt: skip
        (tmp_path / "MANIFEST.json").write_bytes(data)
        _, failures = read_manifest(tmp_path)
        assert (failures == []) is ok, (data, failures)
        assert all(f.rule == "manifest.canonical" for f in failures)


def test_item_8_vkey_splits_at_the_first_two_plus_signs() -> None:
    """ "A vkey is split at its first two `+`: the key name (which contains no `+`), the key
    ID, and the base64 key, which may itself contain `+`." """
    quoted_in_format(test_item_8_vkey_splits_at_the_first_two_plus_signs)
    signer = Signer.generate(ORIGIN)
    while "+" not in signer.verifier.vkey().split("+", 2)[2]:
        signer = Signer.generate(ORIGIN)
    vkey = signer.verifier.vkey()
    assert parse_vkey(vkey) == signer.verifier
    name, hex_id, key = vkey.split("+", 2)
    assert parse_vkey(f"{name}+{hex_id}+{key}").public_key == signer.verifier.public_key


def test_item_9_checkpoint_extension_lines_are_accepted_and_ignored() -> None:
    """ "A verifier accepts extension lines and ignores them: they have no meaning in this
    project, and this log emits none." """
    quoted_in_format(test_item_9_checkpoint_extension_lines_are_accepted_and_ignored)
    s = Setup()
    root = base64.b64encode(leaf_hash(b"x")).decode()
    text = f"{ORIGIN}\n1\n{root}\nan extension line\n"
    assert parse_checkpoint(text).extensions == ("an extension line",)
    checked, failures = check_checkpoint(s.note(text, s.finance, s.audit), "cp", s.policy, AT,
                                         quorum=True)  # fmt: skip
    assert failures == [] and checked is not None and checked.cosigners == ("finance", "audit")
    # ML-DSA-44 cosignatures do not cover them, Ed25519 ones do:
    other = text.replace("an extension line", "another line")
    mldsa = parse_note(s.note(text, s.audit)).signatures[-1].line
    ed = parse_note(s.note(text, s.finance)).signatures[-1].line
    assert check_checkpoint(other + "\n" + s.log.sign_line(other) + mldsa, "cp", s.policy, AT,
                            quorum=True)[1] == []  # fmt: skip
    assert check_checkpoint(other + "\n" + s.log.sign_line(other) + ed, "cp", s.policy, AT,
                            quorum=True)[1][0].rule == "checkpoint.signature"  # fmt: skip


def test_item_10_the_policy_is_pinned_out_of_band(tmp_path: Path) -> None:
    """ "The auditor MUST pin the policy out of band: a verifier never takes it from the
    bundle or the log it checks." """
    quoted_in_format(test_item_10_the_policy_is_pinned_out_of_band)
    s = Setup()
    (tmp_path / "bundle").mkdir()
    (tmp_path / "bundle" / "policy").write_text(s.policy.text())
    environ = {"XDG_CONFIG_HOME": str(tmp_path / "config")}
    assert main(["bundle", str(tmp_path / "bundle")], environ) == 2
    assert main(["bundle", str(tmp_path / "bundle"), "--json"], environ) == 2


def test_item_11_older_checkpoints_need_the_log_signature_not_the_quorum() -> None:
    """ "Older checkpoints need the log's signature, not the quorum" """
    quoted_in_format(test_item_11_older_checkpoints_need_the_log_signature_not_the_quorum)
    s = Setup()
    text = Checkpoint(ORIGIN, 1, leaf_hash(b"x")).text()
    alone = s.note(text)
    assert check_checkpoint(alone, "old", s.policy, AT, quorum=False)[1] == []
    assert check_checkpoint(alone, "new", s.policy, AT, quorum=True)[1][0].rule == "policy.quorum"
    witnesses_only = text + "\n" + s.finance.sign_line(text, AT)
    _, failures = check_checkpoint(witnesses_only, "old", s.policy, AT, quorum=False)
    assert [f.rule for f in failures] == ["checkpoint.log_signature"]


def test_item_12_tlog_proof_extra_line_and_witness_cosignatures() -> None:
    """ "A verifier parses it (`extra`, a space, standard base64) and otherwise ignores it: it
    is not authenticated, and nothing here depends on it." """
    quoted_in_format(test_item_12_tlog_proof_extra_line_and_witness_cosignatures)
    s = Setup()
    text = Checkpoint(ORIGIN, 1, leaf_hash(b"record")).text()
    cosigned = TlogProof(0, (), s.note(text, s.audit), extra=b"\x00opaque").text()
    assert check_record_proof(cosigned, b"record\n", s.policy, AT, "test").result == "VALID"
    alone = TlogProof(0, (), s.note(text), extra=b"\x00opaque").text()
    report = check_record_proof(alone, b"record\n", s.policy, AT, "test")
    assert [f.rule for f in report.failures] == ["policy.quorum"]


def test_item_13_cosignatures_dated_in_the_future_do_not_count() -> None:
    """ "A cosignature dated more than 300 seconds after the verifier's `now` does not count
    toward the quorum and is reported" """
    quoted_in_format(test_item_13_cosignatures_dated_in_the_future_do_not_count)
    s = Setup()
    note = s.note(Checkpoint(ORIGIN, 1, leaf_hash(b"x")).text(), s.finance, s.audit)
    checked, failures = check_checkpoint(note, "cp", s.policy, AT - 300, quorum=True)
    assert failures == [] and checked is not None and checked.set_aside == ()
    checked, failures = check_checkpoint(note, "cp", s.policy, AT - 301, quorum=True)
    assert [f.rule for f in failures] == ["policy.quorum"]
    assert checked is not None and len(checked.set_aside) == 2 and checked.cosigners == ()
    old, _ = check_checkpoint(note, "cp", s.policy, AT + 10 * 365 * 86_400, quorum=True)
    assert old is not None and old.quorum_met  # no freshness requirement offline
