"""What the page says about its checkpoint: only verified cosigners count, witnesses that
refuse or fall silent are named, and pending rows get an honest estimate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api import labels
from api.checkpoint_box import (
    Signed,
    checkpoint_box,
    pending_seconds,
    pending_text,
    quorum_reachable,
    witness_lines,
)
from verify.checkpoint import Checkpoint
from verify.note import COSIGNATURE_V1, MLDSA44_COSIGNATURE, NoteError, Signer
from verify.policy import PolicyError, departments_policy

ORIGIN = "gongshi.example/test"
LOG = Signer(ORIGIN, Ed25519PrivateKey.from_private_bytes(bytes(32)))
WITNESSES = {
    "finance": Signer.generate("witness.gongshi.example/finance", MLDSA44_COSIGNATURE),
    "audit": Signer.generate("witness.gongshi.example/audit", COSIGNATURE_V1),
    "supervision": Signer.generate("witness.gongshi.example/supervision", COSIGNATURE_V1),
}
POLICY = departments_policy(LOG.verifier, {n: s.verifier for n, s in WITNESSES.items()})
NOW = datetime(2024, 5, 1, 8, 0, 0, tzinfo=UTC)
STAMP = int(NOW.timestamp())
INTERVAL = 2.0


def signed(size: int, *cosigners: str, at: datetime = NOW, time: int = STAMP) -> Signed:
    checkpoint = Checkpoint(ORIGIN, size, bytes([size % 256]) * 32)
    text = checkpoint.text()
    lines = LOG.sign_line(text) + "".join(WITNESSES[c].sign_line(text, time) for c in cosigners)
    return Signed(checkpoint, text + "\n" + lines, at)


@dataclass(frozen=True)
class Report:
    name: str
    state: str
    detail: str = ""
    cosigned_size: int = 0


def test_replayed_audit_line_and_unknown_key_show_no_fourth_department() -> None:
    shown = signed(9, "finance", "supervision")
    replayed = signed(8, "audit").note.splitlines()[-1] + "\n"  # audit's line for size 8
    stranger = Signer("witness.gongshi.example/planning", Ed25519PrivateKey.generate(), 0x04)
    text = shown.checkpoint.text()
    note = shown.note + replayed + stranger.sign_line(text, STAMP)
    named_on_lines = {line.split(" ")[1].rsplit("/", 1)[-1] for line in note.splitlines()[5:]}
    assert named_on_lines == {"finance", "supervision", "audit", "planning"}  # what was listed
    box = checkpoint_box(Signed(shown.checkpoint, note, NOW), POLICY, NOW)
    assert box.cosigners == ("finance", "supervision")
    assert box.quorum_met
    assert len(box.set_aside) == 2
    assert any("audit" in s and "does not verify" in s for s in box.set_aside)
    assert any("planning" in s and "not a key of the policy" in s for s in box.set_aside)


def test_replayed_line_alone_does_not_meet_the_quorum() -> None:
    shown = signed(9, "finance")
    replayed = signed(8, "audit").note.splitlines()[-1] + "\n"
    box = checkpoint_box(Signed(shown.checkpoint, shown.note + replayed, NOW), POLICY, NOW)
    assert box.cosigners == ("finance",) and not box.quorum_met


def test_cosignature_dated_in_the_future_does_not_count() -> None:
    shown = signed(5, "finance", "audit", time=STAMP + 3600)
    box = checkpoint_box(shown, POLICY, NOW)
    assert box.cosigners == () and not box.quorum_met
    assert len(box.set_aside) == 2


def test_checkpoint_signed_by_another_log_key_is_refused() -> None:
    shown = signed(5, "finance", "audit")
    impostor = Signer(ORIGIN, Ed25519PrivateKey.generate())
    text = shown.checkpoint.text()
    forged = text + "\n" + impostor.sign_line(text) + shown.note.split("\n\n")[1].split("\n", 1)[1]
    with pytest.raises((NoteError, PolicyError)):
        checkpoint_box(Signed(shown.checkpoint, forged, NOW), POLICY, NOW)


def test_box_age_from_the_signed_time() -> None:
    box = checkpoint_box(signed(5, "finance", "audit", at=NOW - timedelta(seconds=12)), POLICY, NOW)
    assert box.age_seconds == 12 and labels.ago(box.age_seconds) == "12 秒前"
    later = checkpoint_box(signed(5, "audit", "supervision", at=NOW + timedelta(1)), POLICY, NOW)
    assert later.age_seconds == 0  # a clock behind the signer is not a negative age


def lines_for(
    reports: list[Report], newest: Signed | None, cosigners: tuple[str, ...]
) -> dict[str, str]:
    found = witness_lines(POLICY, cosigners, reports, newest, NOW, INTERVAL)
    return {w.name: w.state for w in found}


def test_refused_witness_is_shown_with_its_evidence() -> None:
    reports = [Report("audit", "refused", "same size 9, other root", 9)]
    found = witness_lines(POLICY, ("audit",), reports, signed(9), NOW, INTERVAL)
    audit = next(w for w in found if w.name == "audit")
    assert audit.state == "refused" and audit.detail == "same size 9, other root"


def test_unreachable_witness_is_silent() -> None:
    states = lines_for([Report("finance", "unreachable", "connection refused")], signed(9), ())
    assert states["finance"] == "silent"


def test_witness_behind_an_old_checkpoint_is_silent_but_not_a_young_one() -> None:
    reports = [Report(n, "cosigning", cosigned_size=8) for n in WITNESSES]
    reports[2] = Report("supervision", "cosigning", cosigned_size=9)
    old = signed(9, at=NOW - timedelta(seconds=60))
    assert lines_for(reports, old, ("supervision",)) == {
        "finance": "silent", "audit": "silent", "supervision": "cosigned",
    }  # fmt: skip
    young = signed(9, at=NOW - timedelta(seconds=1))
    assert lines_for(reports, young, ()) == {
        "finance": "waiting", "audit": "waiting", "supervision": "waiting",
    }  # fmt: skip


def test_witness_listed_as_cosigned_only_if_its_line_verified() -> None:
    reports = [Report(n, "cosigning", cosigned_size=9) for n in WITNESSES]
    assert lines_for(reports, signed(9), ("finance",)) == {
        "finance": "cosigned", "audit": "waiting", "supervision": "waiting",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("newest_size", "age", "expected"),
    [
        (None, 0.0, 3),  # nothing signed yet: one interval, then the witnesses
        (4, 0.5, 3),  # next checkpoint in 1.5 s (rounded up), then the witnesses
        (4, 10.0, 1),  # the signer is due now
        (9, 0.0, 1),  # signed already, waiting for the witnesses
    ],
)
def test_pending_estimate(newest_size: int | None, age: float, expected: int) -> None:
    newest = None
    if newest_size is not None:
        newest = signed(newest_size, at=NOW - timedelta(seconds=age))
    assert pending_seconds(6, newest, NOW, INTERVAL) == expected


@pytest.mark.parametrize(
    ("states", "reachable"),
    [
        ({"finance": "unreachable", "audit": "unreachable"}, False),  # two of three stopped
        ({"finance": "refused", "supervision": "unreachable"}, False),
        ({"audit": "unreachable"}, True),  # the two others can still make 2 of 3
        ({}, True),
    ],
)
def test_pending_row_with_the_witnesses_down_says_so_instead_of_a_number(
    states: dict[str, str], reachable: bool
) -> None:
    """With two of three witnesses stopped the quorum can't be met: a row must not promise
    "约 1 秒" for ever."""
    reports = [Report(n, states.get(n, "cosigning"), cosigned_size=4) for n in WITNESSES]
    newest = signed(4, at=NOW - timedelta(seconds=0.5))
    assert quorum_reachable(POLICY, reports) is reachable
    text = pending_text(6, newest, NOW, INTERVAL, quorum_reachable(POLICY, reports))
    assert text == ("待纳入检查点（约 3 秒）" if reachable else "待纳入检查点（见证部门无响应）")


def test_ago_in_whole_units() -> None:
    assert [labels.ago(s) for s in (0, 59, 60, 3599, 7200, 90000)] == [
        "刚刚", "59 秒前", "1 分钟前", "59 分钟前", "2 小时前", "1 天前",
    ]  # fmt: skip
