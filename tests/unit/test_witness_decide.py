"""The witness's decision (verify/witness.py), in pull and add-checkpoint form: it cosigns only
what it has proven consistent with its state, answers the c2sp.org/tlog-witness status of
each refusal, and leaves the state file untouched when it refuses. Tests are named after the
misbehaviour they catch."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.support.rfc9162 import mth
from tests.support.witness_log import (
    ED_WITNESS,
    LOG,
    MLDSA_WITNESS,
    NOW,
    ORIGIN,
    checkpoint_note,
    consistency,
    leaves,
    write_records,
)
from verify.merkle import EMPTY_ROOT
from verify.note import Signer, open_note
from verify.witness import (
    RecordsTree,
    Submission,
    WitnessRefusal,
    add_checkpoint,
    cosign,
    read_state,
)
from verify.witness_pull import records_tree

LOG_KEY = LOG.verifier
GENUINE = leaves(12)


@pytest.fixture
def state(tmp_path: Path) -> Path:
    """A witness that cosigned the genuine checkpoint of size 5."""
    path = tmp_path / "witness" / "audit.json"
    cosign(path, MLDSA_WITNESS, checkpoint_note(GENUINE[:5]), LOG_KEY, NOW)
    return path


def _refused(path: Path, submission: Submission, status: int, reason: str) -> WitnessRefusal:
    before = path.read_bytes() if path.exists() else None
    with pytest.raises(WitnessRefusal) as refused:
        add_checkpoint(path, [MLDSA_WITNESS], LOG_KEY, submission, NOW + 10)
    assert refused.value.status == status, refused.value.reason
    assert reason in refused.value.reason
    assert (path.read_bytes() if path.exists() else None) == before  # the state did not move
    return refused.value


def _evidence(path: Path) -> list[str]:
    return [p.read_text() for p in sorted((path.parent / "evidence").glob("*.json"))]


def test_witness_cosigns_a_consistent_checkpoint_and_persists_it(state: Path) -> None:
    note = checkpoint_note(GENUINE[:9])
    cosigned = add_checkpoint(
        state, [MLDSA_WITNESS], LOG_KEY, Submission(note, 5, consistency(5, GENUINE[:9])), NOW + 1
    )
    stored = read_state(state)
    assert stored == cosigned.state and stored.checkpoint.size == 9
    assert stored.cosignatures == cosigned.lines and stored.timestamp == NOW + 1
    verified = open_note(stored.cosigned_note(), [LOG_KEY, MLDSA_WITNESS.verifier])[1]
    assert verified == [LOG_KEY, MLDSA_WITNESS.verifier]


def test_witness_returns_mldsa_and_ed25519_lines_that_both_verify(tmp_path: Path) -> None:
    note = checkpoint_note(GENUINE[:3])
    signers = [MLDSA_WITNESS, ED_WITNESS]
    cosigned = add_checkpoint(tmp_path / "w.json", signers, LOG_KEY, Submission(note, 0, ()), NOW)
    assert len(cosigned.lines) == 2
    for signer, line in zip(signers, cosigned.lines, strict=True):
        assert line.startswith(f"\u2014 {signer.name} ")
        assert open_note(note + line, [signer.verifier])[1] == [signer.verifier]
        assert open_note(note + line, [LOG_KEY])[1] == [LOG_KEY]


def test_witness_refuses_same_size_other_root(state: Path) -> None:
    forked = checkpoint_note(leaves(5, "rewritten"))
    _refused(state, Submission(forked), 422, "fork: two roots for size 5")
    _refused(state, Submission(forked, 5, ()), 422, "fork: two roots for size 5")
    assert any("two roots" in e for e in _evidence(state))


def test_witness_refuses_larger_checkpoint_without_proof(state: Path) -> None:
    larger = checkpoint_note(GENUINE[:8])
    _refused(state, Submission(larger), 422, "no proof")
    _refused(state, Submission(larger, 5, ()), 422, "fork: not consistent with size 5")


def test_witness_refuses_a_consistency_proof_that_does_not_verify(state: Path) -> None:
    larger = checkpoint_note(GENUINE[:8])
    proof = list(consistency(5, GENUINE[:8]))
    proof[0] = bytes(32)
    _refused(state, Submission(larger, 5, tuple(proof)), 422, "fork: not consistent")
    forked = leaves(8, "rewritten")
    good_shape = consistency(5, forked)
    _refused(state, Submission(checkpoint_note(forked), 5, good_shape), 422, "fork")


def test_witness_refuses_wrong_origin(state: Path) -> None:
    other = Signer("gongshi.example/elsewhere", LOG.private_key)
    _refused(state, Submission(checkpoint_note(GENUINE[:8], other.name, other)), 404, "origin")
    text = checkpoint_note(GENUINE[:8], "gongshi.example/elsewhere").split("\n\n")[0] + "\n"
    by_the_log_key = text + "\n" + LOG.sign_line(text)  # the log's key, another origin
    _refused(state, Submission(by_the_log_key, 5, ()), 404, "unknown origin")


def test_witness_refuses_rollback(state: Path) -> None:
    smaller = checkpoint_note(GENUINE[:3])
    refusal = _refused(state, Submission(smaller), 409, "rollback")
    assert refusal.latest_size == 5 and any("rollback" in e for e in _evidence(state))
    _refused(state, Submission(smaller, 5, ()), 400, "old size 5 > checkpoint size 3")


def test_witness_answers_409_with_its_size_when_old_size_differs(state: Path) -> None:
    note = checkpoint_note(GENUINE[:8])
    refusal = _refused(state, Submission(note, 3, consistency(3, GENUINE[:8])), 409, "conflict")
    assert refusal.latest_size == 5 and not refusal.keep
    refusal = _refused(state, Submission(note, 0, ()), 409, "conflict")
    assert refusal.latest_size == 5
    fresh = state.with_name("fresh.json")
    assert _refused(fresh, Submission(note, 5, ()), 409, "latest cosigned is 0").latest_size == 0


def test_witness_refuses_a_checkpoint_not_signed_by_the_log(state: Path) -> None:
    stranger = Signer.generate(ORIGIN)  # the log's name, another key
    note = checkpoint_note(GENUINE[:5], signer=stranger)
    _refused(state, Submission(note, 5, ()), 403, "no signature by a known key")
    genuine = checkpoint_note(GENUINE[:5])
    head, line = genuine.rsplit(" ", 1)
    blob = bytearray(base64.b64decode(line))
    blob[-1] ^= 1  # the log's name and key ID, a signature that fails
    _refused(state, Submission(f"{head} {base64.b64encode(blob).decode()}\n", 5, ()), 403,
             "does not verify")  # fmt: skip


def test_witness_refuses_size_zero_with_a_non_empty_tree_root(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    _refused(path, Submission(checkpoint_note([], root=bytes(32)), 0, ()), 422, "size-0")
    add_checkpoint(path, [MLDSA_WITNESS], LOG_KEY, Submission(checkpoint_note([]), 0, ()), NOW)
    assert read_state(path).checkpoint.root == EMPTY_ROOT  # type: ignore[union-attr]


def test_witness_refuses_a_proof_from_old_size_zero(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    proof = consistency(3, GENUINE[:8])
    _refused(path, Submission(checkpoint_note(GENUINE[:8]), 0, proof), 422, "empty tree")


def test_witness_refuses_a_proof_at_the_same_size(state: Path) -> None:
    proof = consistency(3, GENUINE[:5])
    _refused(state, Submission(checkpoint_note(GENUINE[:5]), 5, proof), 422, "empty consistency")


def test_witness_recosigns_the_same_checkpoint_with_a_later_time(state: Path) -> None:
    note = checkpoint_note(GENUINE[:5])
    again = add_checkpoint(state, [MLDSA_WITNESS], LOG_KEY, Submission(note, 5, ()), NOW + 60)
    assert again.state.timestamp == NOW + 60 and read_state(state) == again.state


def test_witness_time_never_goes_back(state: Path) -> None:
    note = checkpoint_note(GENUINE[:9])
    earlier = add_checkpoint(
        state, [ED_WITNESS], LOG_KEY, Submission(note, 5, consistency(5, GENUINE[:9])), NOW - 100
    )
    assert earlier.state.timestamp == NOW
    with pytest.raises(ValueError, match="must not be 0"):
        add_checkpoint(state, [ED_WITNESS], LOG_KEY, Submission(note, 9, ()), 0)


def test_witness_refuses_forked_bundle_with_the_genuine_prefix(state: Path) -> None:
    """The issue's attack: the checkpoint is over a rewritten history, the bundle keeps the
    genuine records (so its first 5 lines still make the cosigned root)."""
    bundle_records = write_records(state.parent / "records.jsonl", GENUINE[:8])
    rewritten = [*GENUINE[:5], *leaves(8, "rewritten")[5:]]
    rewritten[1] = b'{"n":1,"history":"rewritten"}'
    forged = checkpoint_note(rewritten)
    records = records_tree(bundle_records, 5)
    assert records.prefix_root == read_state(state).checkpoint.root  # type: ignore[union-attr]
    refusal = _refused(state, Submission(forged, None, None, records), 422, "fork: the bundle's")
    assert refusal.keep and any("records" in e for e in _evidence(state))


def test_witness_refuses_bundle_whose_prefix_differs_from_the_cosigned(state: Path) -> None:
    rewritten = [GENUINE[0], b'{"n":1,"history":"rewritten"}', *GENUINE[2:8]]
    records = records_tree(write_records(state.parent / "records.jsonl", rewritten), 5)
    forged = checkpoint_note(rewritten)
    _refused(state, Submission(forged, None, None, records), 422, "first 5 leaves")


def test_witness_cosigns_a_bundle_that_extends_its_state(state: Path) -> None:
    records = records_tree(write_records(state.parent / "records.jsonl", GENUINE[:8]), 5)
    line = cosign(state, MLDSA_WITNESS, checkpoint_note(GENUINE[:8]), LOG_KEY, NOW, None, records)
    assert line and read_state(state).checkpoint.size == 8  # type: ignore[union-attr]


def test_first_cosignature_checks_the_whole_bundle(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    records = records_tree(write_records(tmp_path / "records.jsonl", GENUINE[:6]), 0)
    forged = checkpoint_note(leaves(6, "rewritten"))
    _refused(path, Submission(forged, None, None, records), 422, "fork: the bundle's 6 records")
    assert cosign(path, MLDSA_WITNESS, checkpoint_note(GENUINE[:6]), LOG_KEY, NOW, None, records)


def test_bundle_prefix_taken_at_another_size_is_a_conflict(state: Path) -> None:
    records = records_tree(write_records(state.parent / "records.jsonl", GENUINE[:8]), 4)
    _refused(state, Submission(checkpoint_note(GENUINE[:8]), None, None, records), 409, "prefix")


def test_witness_keys_must_be_cosignature_keys(tmp_path: Path) -> None:
    note = checkpoint_note(GENUINE[:3])
    with pytest.raises(ValueError, match="0x04 or 0x06"):
        add_checkpoint(tmp_path / "w.json", [LOG], LOG_KEY, Submission(note, 0, ()), NOW)
    assert not (tmp_path / "w.json").exists()


# Mutation testing (bench/mutation-survivors.md): what the refusals carry, and the edges.


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def test_witness_fork_evidence_holds_both_checkpoints_old_size_and_proof(state: Path) -> None:
    """A kept refusal is the evidence of a misbehaving log: both notes, the client's old size
    and the proof, base64, under fixed keys; the exception's text is the reason."""
    forked = leaves(8, "rewritten")
    note, proof = checkpoint_note(forked), consistency(5, forked)
    refusal = _refused(state, Submission(note, 5, proof), 422, "fork")
    assert str(refusal) == refusal.reason
    assert refusal.evidence == {
        "reason": refusal.reason,
        "new_checkpoint": note,
        "old_checkpoint": read_state(state).note,  # type: ignore[union-attr]
        "old_size": 5,
        "proof": [_b64(h) for h in proof],
    }


def test_witness_pull_refusal_evidence_has_no_old_size(state: Path) -> None:
    refusal = _refused(state, Submission(checkpoint_note(GENUINE[:3])), 409, "rollback")
    assert set(refusal.evidence) == {"reason", "new_checkpoint", "old_checkpoint"}


def test_witness_bundle_fork_evidence_holds_the_recomputed_roots(state: Path) -> None:
    rewritten = [GENUINE[0], b'{"n":1,"history":"rewritten"}', *GENUINE[2:8]]
    records = records_tree(write_records(state.parent / "records.jsonl", rewritten), 5)
    assert records.prefix_root is not None
    refusal = _refused(state, Submission(checkpoint_note(rewritten), None, None, records), 422,
                       "fork: the first 5 leaves")  # fmt: skip
    assert refusal.evidence["records"] == {
        "size": 8,
        "root": _b64(records.root),
        "prefix_size": 5,
        "prefix_root": _b64(records.prefix_root),
    }


def test_witness_bundle_shorter_than_its_stated_prefix_is_refused_with_its_evidence(
    state: Path,
) -> None:
    """A bundle of 3 records against a state of 5: no prefix root (None in the evidence),
    and its root is not the checkpoint's: the reason names both roots."""
    short = RecordsTree(3, bytes(32), 5, None)
    note = checkpoint_note(GENUINE[:8])
    refusal = _refused(state, Submission(note, None, None, short), 422, "fork")
    root = _b64(mth(GENUINE[:8]))
    assert refusal.reason == (
        f"fork: the bundle's 3 records have root {_b64(bytes(32))}, "
        f"the checkpoint says size 8 root {root}"
    )
    assert refusal.evidence["records"] == {
        "size": 3, "root": _b64(bytes(32)), "prefix_size": 5, "prefix_root": None,
    }  # fmt: skip


def test_witness_at_size_1_refuses_a_bundle_whose_first_leaf_differs(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    cosign(path, MLDSA_WITNESS, checkpoint_note(GENUINE[:1]), LOG_KEY, NOW)
    rewritten = [b'{"n":0,"history":"rewritten"}', *GENUINE[1:4]]
    records = records_tree(write_records(tmp_path / "records.jsonl", rewritten), 1)
    _refused(path, Submission(checkpoint_note(rewritten), None, None, records), 422,
             "fork: the first 1 leaves")  # fmt: skip


def test_witness_bundle_prefix_conflict_answers_its_size(state: Path) -> None:
    records = records_tree(write_records(state.parent / "records.jsonl", GENUINE[:8]), 4)
    refusal = _refused(state, Submission(checkpoint_note(GENUINE[:8]), None, None, records),
                       409, "prefix")  # fmt: skip
    assert refusal.latest_size == 5 and not refusal.keep


def test_witness_refuses_a_malformed_note_with_400(state: Path) -> None:
    refusal = _refused(state, Submission("not a note\n", 5, ()), 400, "malformed: ")
    assert refusal.reason.startswith("malformed: ") and len(refusal.reason) > len("malformed: ")
    assert refusal.evidence["new_checkpoint"] == "not a note\n" and not refusal.keep


def test_witness_refuses_a_log_key_other_than_the_one_it_follows(state: Path) -> None:
    """The same origin signed by another key given as the log's: the state pins the key."""
    other = Signer(ORIGIN, Ed25519PrivateKey.from_private_bytes(bytes([9] * 32)))
    note = checkpoint_note(GENUINE[:5], signer=other)
    before = state.read_bytes()
    with pytest.raises(WitnessRefusal) as refused:
        add_checkpoint(state, [MLDSA_WITNESS], other.verifier, Submission(note, 5, ()), NOW)
    assert refused.value.status == 403
    assert refused.value.reason == "the log key differs from the one this witness follows"
    assert refused.value.evidence["old_checkpoint"] == read_state(state).note  # type: ignore[union-attr]
    assert state.read_bytes() == before


@pytest.mark.parametrize(
    ("submission", "reason"),
    [
        (Submission(checkpoint_note([], root=bytes(32)), 0, ()),
         "fork: a size-0 checkpoint whose root is not the empty tree's"),
        (Submission(checkpoint_note(GENUINE[:5]), 0, consistency(3, GENUINE[:5])),
         "bad proof: a proof from the empty tree must be empty"),
    ],
)  # fmt: skip
def test_witness_refusal_reasons_are_exact_on_a_fresh_state(
    tmp_path: Path, submission: Submission, reason: str
) -> None:
    assert _refused(tmp_path / "w.json", submission, 422, reason).reason == reason


def test_witness_refusal_reasons_are_exact_against_its_state(state: Path) -> None:
    same = _refused(state, Submission(checkpoint_note(GENUINE[:5]), 5, consistency(3, GENUINE[:5])),
                    422, "bad proof")  # fmt: skip
    assert same.reason == "bad proof: equal sizes need an empty consistency proof"
    rollback = _refused(state, Submission(checkpoint_note(GENUINE[:3])), 409, "rollback")
    assert rollback.reason == "rollback: size 3 is smaller than the 5 already cosigned"


def test_witness_keeps_evidence_named_by_the_refusal_time(state: Path) -> None:
    _refused(state, Submission(checkpoint_note(GENUINE[:3])), 409, "rollback")
    (kept,) = sorted((state.parent / "evidence").glob("*.json"))
    assert kept.name.startswith(f"{state.stem}-{NOW + 10}-")


def test_witness_cosigns_at_timestamp_1(tmp_path: Path) -> None:
    """1 is the smallest time a cosignature may carry (0 states nothing)."""
    path = tmp_path / "w.json"
    cosigned = add_checkpoint(path, [ED_WITNESS], LOG_KEY,
                              Submission(checkpoint_note(GENUINE[:3]), 0, ()), 1)  # fmt: skip
    assert cosigned.state.timestamp == 1


def test_witness_pull_mode_with_a_stale_old_size_is_a_conflict(state: Path) -> None:
    note = checkpoint_note(GENUINE[:8])
    with pytest.raises(WitnessRefusal) as refused:
        cosign(state, MLDSA_WITNESS, note, LOG_KEY, NOW, consistency(3, GENUINE[:8]), None, 3)
    assert refused.value.status == 409 and refused.value.latest_size == 5


def test_witness_value_error_names_the_key_types(tmp_path: Path) -> None:
    note = checkpoint_note(GENUINE[:3])
    with pytest.raises(ValueError) as refused:
        add_checkpoint(tmp_path / "w.json", [], LOG_KEY, Submission(note, 0, ()), NOW)
    assert str(refused.value) == "a witness signs with one or more keys of type 0x04 or 0x06"


def test_witness_stores_only_the_log_lines_each_whole(tmp_path: Path) -> None:
    """A note with the log's line twice and another witness's line: the state keeps the
    log's two lines, one after the other, and a note that still verifies."""
    note = checkpoint_note(GENUINE[:3])
    log_line = note.split("\n\n", 1)[1]
    text = note.split("\n\n", 1)[0] + "\n"
    submitted = note + log_line + ED_WITNESS.sign_line(text, NOW)
    path = tmp_path / "w.json"
    cosigned = add_checkpoint(path, [MLDSA_WITNESS], LOG_KEY, Submission(submitted, 0, ()), NOW)
    assert cosigned.state.note == note + log_line
    assert open_note(cosigned.state.note, [LOG_KEY])[1] == [LOG_KEY]
