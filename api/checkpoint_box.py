"""What the public page says about the checkpoint it shows, and about time.

The page shows the log's newest *witnessed* checkpoint (the one served at
``/log/v1/checkpoint``) and verifies rows in the browser against it. This module decides,
from that checkpoint's note, the log's policy, the witnesses' statuses and the clock:

- which departments cosigned it: only those whose cosignature verifies under the policy
  (a line by an unknown key, or a known key's line that does not verify, counts for nothing
  and is counted as set aside);
- how old it is (from the time the log signed it);
- what each department's witness is doing: cosigned, refused (fork evidence), silent
  (unreachable, or not cosigning a checkpoint the log signed a while ago), or waiting;
- for a row the shown checkpoint does not cover yet, about how many seconds until it will,
  or, when the witnesses not down (unreachable or refusing) can't satisfy the quorum,
  that it waits for the departments (no number that would never come true).

Pure functions: time is passed in, nothing here reads a database or a file.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from verify.checkpoint import Checkpoint
from verify.note import parse_note
from verify.policy import CheckedCheckpoint, Policy, open_under_policy

WITNESS_SECONDS = 1  # allowance for the witnesses' round trip after the log signs
SILENT_INTERVALS = 5  # a witness behind the newest checkpoint this many intervals is silent
SILENT_MIN_SECONDS = 30


class WitnessReport(Protocol):
    """What the log knows of one witness (ledger/log's WitnessStatus has these fields)."""

    @property
    def name(self) -> str: ...
    @property
    def state(self) -> str: ...  # "cosigning", "refused", "unreachable" or "unknown"
    @property
    def detail(self) -> str: ...
    @property
    def cosigned_size(self) -> int | None: ...  # None: no cosignature stored yet


@dataclass(frozen=True)
class Signed:
    """A signed checkpoint as the page needs it: parsed, its note, when the log signed it."""

    checkpoint: Checkpoint
    note: str
    signed_at: datetime


@dataclass(frozen=True)
class WitnessLine:
    """One department of the policy, as the checkpoint box shows it."""

    name: str  # the policy's witness name, e.g. "audit"
    state: str  # "cosigned", "refused", "silent" or "waiting"
    detail: str


@dataclass(frozen=True)
class CheckpointBox:
    origin: str
    size: int
    root: str  # base64, as in the note
    age_seconds: int  # now - signed_at, whole seconds (0 if the clock is behind)
    signed_at: datetime
    cosigners: tuple[str, ...]  # policy names whose cosignature verified, policy order
    quorum: str
    quorum_met: bool
    set_aside: tuple[str, ...]  # signature lines that did not count, and why


def checked_cosigners(note: str, policy: Policy, now: int) -> tuple[CheckedCheckpoint, list[str]]:
    """Open ``note`` under ``policy`` after setting aside every signature line that is not a
    known key's verifying signature; returns the result and what was set aside.

    Raises NoteError or PolicyError if what remains is not signed by the policy's log."""
    parsed = parse_note(note)
    keys = {(m.verifier.name, m.verifier.key_id): m.verifier for m in policy.logs}
    keys |= {(m.verifier.name, m.verifier.key_id): m.verifier for m in policy.witnesses.values()}
    kept, set_aside = [], []
    for signature in parsed.signatures:
        verifier = keys.get((signature.name, signature.key_id))
        if verifier is None:
            set_aside.append(f"{signature.name} ({signature.key_id:08x}): not a key of the policy")
        elif not verifier.verify(parsed.text.encode(), signature.signature):
            set_aside.append(f"{signature.name} ({signature.key_id:08x}): does not verify")
        else:
            kept.append(signature.line)
    checked = open_under_policy(parsed.text + "\n" + "".join(kept), policy, now)
    return checked, set_aside + list(checked.set_aside)


def checkpoint_box(shown: Signed, policy: Policy, now: datetime) -> CheckpointBox:
    """The box for checkpoint ``shown`` (the newest witnessed one) at time ``now``.

    Requires timezone-aware datetimes. Raises NoteError or PolicyError if ``shown`` is not
    signed by the policy's log."""
    checked, set_aside = checked_cosigners(shown.note, policy, int(now.timestamp()))
    checkpoint = checked.checkpoint
    return CheckpointBox(
        origin=checkpoint.origin, size=checkpoint.size,
        root=base64.b64encode(checkpoint.root).decode(),
        age_seconds=_seconds(now - shown.signed_at), signed_at=shown.signed_at,
        cosigners=checked.cosigners, quorum=policy.quorum, quorum_met=checked.quorum_met,
        set_aside=tuple(set_aside),
    )  # fmt: skip


def witness_lines(
    policy: Policy,
    cosigners: Sequence[str],
    reports: Sequence[WitnessReport],
    newest: Signed | None,
    now: datetime,
    interval: float,
) -> list[WitnessLine]:
    """Each witness of ``policy``, in policy order: whether it cosigned the shown checkpoint
    (``cosigners``, verified), refused, or is silent: unreachable, or still behind the
    ``newest`` signed checkpoint once that is ``SILENT_INTERVALS`` intervals old (at least
    ``SILENT_MIN_SECONDS``)."""
    silent_after = max(SILENT_INTERVALS * interval, SILENT_MIN_SECONDS)
    overdue = newest is not None and _seconds(now - newest.signed_at) >= silent_after
    newest_size = newest.checkpoint.size if newest is not None else 0
    by_name = {r.name: r for r in reports}
    return [
        _witness_line(name, name in cosigners, by_name.get(name), newest_size, overdue)
        for name in policy.witnesses
    ]


def _witness_line(
    name: str, cosigned: bool, report: WitnessReport | None, newest_size: int, overdue: bool
) -> WitnessLine:
    """Refused beats everything (its evidence is shown); a witness that cosigned the shown
    checkpoint is "cosigned" unless it has since gone unreachable or fallen behind."""
    state = report.state if report is not None else "unknown"
    detail = report.detail if report is not None else ""
    if state == "refused":
        return WitnessLine(name, "refused", detail)
    cosigned_size = report.cosigned_size if report is not None else None
    behind = cosigned_size is None or cosigned_size < newest_size
    if state == "unreachable" or (behind and overdue):
        return WitnessLine(name, "silent", detail)
    return WitnessLine(name, "cosigned" if cosigned else "waiting", detail)


def pending_seconds(leaf: int, newest: Signed | None, now: datetime, interval: float) -> int:
    """About how many seconds until leaf ``leaf`` is in a witnessed checkpoint: until the
    log's next checkpoint (``interval`` after the ``newest`` one, none if that already
    covers the leaf), plus the witnesses' round trip. At least 1.

    Requires ``leaf`` not covered by the checkpoint the page shows."""
    wait = 0.0
    if newest is None or newest.checkpoint.size <= leaf:
        since = 0.0 if newest is None else (now - newest.signed_at).total_seconds()
        wait = max(interval - since, 0.0)
    return max(math.ceil(wait) + WITNESS_SECONDS, 1)


DOWN = ("unreachable", "refused")


def quorum_reachable(policy: Policy, reports: Sequence[WitnessReport]) -> bool:
    """Whether the witnesses of ``policy`` that the log has not found unreachable or
    refusing at its last submission (``reports``; no report: not known to be down) could
    still satisfy its quorum."""
    down = {r.name for r in reports if r.state in DOWN}
    return policy.satisfied(name for name in policy.witnesses if name not in down)


def pending_text(
    leaf: int, newest: Signed | None, now: datetime, interval: float, reachable: bool
) -> str:
    """What a row not covered by the shown checkpoint says: ``待纳入检查点（约 N 秒）`` with
    ``pending_seconds``, or ``待纳入检查点（见证部门无响应）`` when the quorum is not
    ``reachable`` (``quorum_reachable``)."""
    if not reachable:
        return "待纳入检查点（见证部门无响应）"
    return f"待纳入检查点（约 {pending_seconds(leaf, newest, now, interval)} 秒）"


def _seconds(delta: timedelta) -> int:
    return max(int(delta.total_seconds()), 0)
