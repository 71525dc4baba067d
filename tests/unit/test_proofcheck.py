"""verify/proofcheck.py and verify/checked.py in-process: what a record proof's and a
consistency check's report holds, and where each refusal is reported. Found by mutation
testing (bench/mutation-survivors.md); tests are named after the fault they catch."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.support.rfc9162 import mth, path
from tests.support.witness_log import ED_WITNESS, LOG, NOW, ORIGIN, consistency, leaves
from verify.checked import check_checkpoint
from verify.checkpoint import Checkpoint
from verify.failure import Failure
from verify.merkle import leaf_hash
from verify.note import COSIGNATURE_V1, Signer
from verify.policy import Policy, parse_policy
from verify.proofcheck import (
    check_consistency,
    check_record_proof,
    parse_consistency_json,
    record_leaf,
)
from verify.tlogproof import TlogProof

OTHER_LOG = Signer("gongshi.example/other", Ed25519PrivateKey.from_private_bytes(bytes([5] * 32)))
POLICY: Policy = parse_policy(
    f"log {LOG.verifier.vkey()}\nlog {OTHER_LOG.verifier.vkey()}\n"
    f"witness audit {ED_WITNESS.verifier.vkey()}\nquorum audit\n"
)
DATA = leaves(8)


def note(data: list[bytes], log: Signer = LOG, cosigned_at: int | None = NOW) -> str:
    """The checkpoint over ``data`` signed by ``log`` and, if dated, cosigned by the witness."""
    text = Checkpoint(log.name, len(data), mth(data)).text()
    line = "" if cosigned_at is None else ED_WITNESS.sign_line(text, cosigned_at)
    return text + "\n" + log.sign_line(text) + line


def proof_text(index: int, data: list[bytes], cosigned_at: int = NOW) -> str:
    return TlogProof(index, tuple(path(index, data)), note(data, cosigned_at=cosigned_at)).text()


def test_record_proof_report_keeps_the_source_checkpoint_and_cosigners() -> None:
    report = check_record_proof(proof_text(2, DATA), DATA[2] + b"\n", POLICY, NOW, "pinned")
    assert report.ok and report.policy_source == "pinned"
    assert report.checkpoint == Checkpoint(ORIGIN, 8, mth(DATA))
    assert report.cosigners == ("audit",) and report.times == {"audit": NOW}
    assert report.summary == ["the record is leaf 2 of the tree of 8"]


def test_record_proof_whose_cosignature_is_from_the_future_misses_the_quorum() -> None:
    report = check_record_proof(proof_text(2, DATA, NOW + 3600), DATA[2], POLICY, NOW, "pinned")
    (failure,) = report.failures
    assert (failure.where, failure.rule) == ("proof checkpoint", "policy.quorum")
    assert report.set_aside and "audit" in report.set_aside[0]


def test_record_proof_of_another_record_names_the_index_and_the_mismatch() -> None:
    report = check_record_proof(proof_text(2, DATA), DATA[3], POLICY, NOW, "pinned")
    (failure,) = report.failures
    assert (failure.where, failure.rule) == ("proof index 2", "tlog_proof.inclusion")
    assert "root" in failure.message


def test_malformed_tlog_proof_is_a_format_failure_with_the_reason() -> None:
    report = check_record_proof("c2sp.org/tlog-proof@v1\nindex x\n\n", DATA[0], POLICY, NOW, "p")
    (failure,) = report.failures
    assert (failure.where, failure.rule) == ("proof", "tlog_proof.format")
    assert failure.message == "tlog-proof: no empty line and checkpoint after the proof"
    assert report.policy_source == "p"


def test_consistency_report_keeps_the_new_checkpoint_and_its_cosigners() -> None:
    proof = list(consistency(5, DATA))
    report = check_consistency(note(DATA[:5], cosigned_at=None), note(DATA), proof, POLICY, NOW,
                               "pinned")  # fmt: skip
    assert report.ok and report.policy_source == "pinned"
    assert report.checkpoint == Checkpoint(ORIGIN, 8, mth(DATA))
    assert report.cosigners == ("audit",) and report.times == {"audit": NOW}
    assert report.summary == ["the tree of 8 extends the tree of 5"]


def test_consistency_new_checkpoint_cosigned_in_the_future_misses_the_quorum() -> None:
    proof = list(consistency(5, DATA))
    report = check_consistency(note(DATA[:5]), note(DATA, cosigned_at=NOW + 3600), proof, POLICY,
                               NOW, "pinned")  # fmt: skip
    assert [(f.where, f.rule) for f in report.failures] == [("new checkpoint", "policy.quorum")]


def test_consistency_malformed_old_checkpoint_is_reported_as_the_old_one() -> None:
    report = check_consistency("garbage\n", note(DATA), [], POLICY, NOW, "pinned")
    assert [(f.where, f.rule) for f in report.failures] == [("old checkpoint", "checkpoint.note")]


def test_consistency_malformed_new_checkpoint_is_reported_and_the_old_one_still_checked() -> None:
    report = check_consistency(note(DATA[:5]), "garbage\n", [], POLICY, NOW, "pinned")
    assert [(f.where, f.rule) for f in report.failures] == [("new checkpoint", "checkpoint.note")]


def test_consistency_old_checkpoint_of_another_log_of_the_policy_is_refused() -> None:
    """Both logs are in the policy, but a consistency proof between two logs means nothing."""
    other = Checkpoint(OTHER_LOG.name, 5, mth(DATA[:5])).text()
    old = other + "\n" + OTHER_LOG.sign_line(other)
    report = check_consistency(old, note(DATA), list(consistency(5, DATA)), POLICY, NOW, "p")
    assert report.failures == [
        Failure("old checkpoint", "checkpoint.origin", "another log's checkpoint", ORIGIN,
                OTHER_LOG.name)
    ]  # fmt: skip


def test_consistency_proof_that_does_not_verify_names_the_proof() -> None:
    proof = [bytes(32), *consistency(5, DATA)[1:]]
    report = check_consistency(note(DATA[:5]), note(DATA), proof, POLICY, NOW, "pinned")
    (failure,) = report.failures
    assert (failure.where, failure.rule) == ("consistency proof", "consistency.proof")
    assert "root" in failure.message


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('{"proof": ["AAAA!"]}', "not a consistency proof"),  # lenient base64 drops the !
        ('{"proof": "AAAA"}', r"not a consistency proof \(proof is not a list\)"),
        ("{}", "not a consistency proof"),
    ],
)
def test_consistency_json_that_is_not_a_proof_is_refused(text: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        parse_consistency_json(text)


def test_consistency_json_hashes_are_decoded() -> None:
    assert parse_consistency_json(json.dumps({"proof": ["AAAA"]})) == [bytes(3)]


def test_record_leaf_keeps_a_record_without_a_final_lf_whole() -> None:
    assert record_leaf(b'{"n":1}') == b'{"n":1}'
    assert record_leaf(b'{"n":1}\n') == b'{"n":1}'
    assert leaf_hash(record_leaf(DATA[0] + b"\n")) == leaf_hash(DATA[0])


def test_checkpoint_refusals_carry_where_rule_and_evidence() -> None:
    stranger = Signer("gongshi.example/stranger", Ed25519PrivateKey.from_private_bytes(bytes(32)))
    text = Checkpoint(stranger.name, 5, mth(DATA[:5])).text()
    foreign = text + "\n" + stranger.sign_line(text)
    mine = Checkpoint(ORIGIN, 5, mth(DATA[:5])).text()
    witness_only = mine + "\n" + ED_WITNESS.sign_line(mine, NOW)
    cases = {
        "garbage\n": Failure("cp", "checkpoint.note", "not a signed checkpoint: "),
        foreign: Failure("cp", "checkpoint.origin", "the origin is no log of the policy",
                         f"{ORIGIN} or {OTHER_LOG.name}", stranger.name),
        witness_only: Failure("cp", "checkpoint.log_signature",
                              f"the log key {ORIGIN} did not sign this checkpoint"),
    }  # fmt: skip
    for text_, expected in cases.items():
        checked, failures = check_checkpoint(text_, "cp", POLICY, NOW, quorum=True)
        assert checked is None
        (failure,) = failures
        if expected.rule == "checkpoint.note":
            assert failure.message.startswith(expected.message)
            assert len(failure.message) > len(expected.message)
            failure = Failure(failure.where, failure.rule, expected.message)
        assert failure == expected


def test_quorum_failure_names_the_cosigners_and_the_lines_set_aside() -> None:
    names = ["a", "b", "c", "d"]
    signers = {
        n: Signer(f"w.example/{n}", Ed25519PrivateKey.from_private_bytes(bytes([20 + i]) * 32),
                  COSIGNATURE_V1)
        for i, n in enumerate(names)
    }  # fmt: skip
    policy = parse_policy(
        f"log {LOG.verifier.vkey()}\n"
        + "".join(f"witness {n} {s.verifier.vkey()}\n" for n, s in signers.items())
        + "group all4 all a b c d\nquorum all4\n"
    )
    text = Checkpoint(ORIGIN, 8, mth(DATA)).text()
    signed = (text + "\n" + LOG.sign_line(text) + signers["a"].sign_line(text, NOW)
              + signers["b"].sign_line(text, NOW) + signers["c"].sign_line(text, 0)
              + signers["d"].sign_line(text, NOW + 3600))  # fmt: skip
    checked, failures = check_checkpoint(signed, "cp", policy, NOW, quorum=True)
    assert checked is not None and checked.cosigners == ("a", "b")
    assert failures == [
        Failure("cp", "policy.quorum", "2 witness cosignatures do not satisfy the quorum", "all4",
                "cosigned by a, b; set aside c: cosignature dated 0, which states no largest "
                f"tree; set aside d: cosignature dated {NOW + 3600}, after {NOW}")
    ]  # fmt: skip
    unsigned = text + "\n" + LOG.sign_line(text)
    failures = check_checkpoint(unsigned, "cp", policy, NOW, quorum=True)[1]
    assert failures[0].computed == "cosigned by none"
    assert check_checkpoint(unsigned, "cp", policy, NOW, quorum=False)[1] == []
