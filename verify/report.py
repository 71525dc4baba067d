"""What a check found, as values: the failures, the checkpoint, who cosigned it and when.

``bundle``, ``proof`` and ``consistency`` each fill a Report; the command line prints it one
failure per line, or as one JSON object (``--json``). The result is VALID, INVALID, or
UNANCHORED (no failure, but the policy came from the bundle itself: nothing outside the
operator vouches for it). Differences between what the bundle declares (its ``policy`` and
``keys/``) and the pinned policy are reported too, as notices: they never change the result,
since trust comes only from the pinned policy.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from verify.checkpoint import Checkpoint
from verify.failure import Failure

MAX_DETAILED = 1000
VALID, INVALID, UNANCHORED = "VALID", "INVALID", "UNANCHORED"


def as_failure(problem: str | Failure, rule: str) -> Failure:
    """``problem`` as a Failure: a Failure stays as it is; a string ``"where: message"``
    (how verify/published.py and verify/invariants.py word theirs) gets ``rule``."""
    if isinstance(problem, Failure):
        return problem
    where, sep, message = problem.partition(": ")
    if not sep:
        return Failure("", rule, problem)
    return Failure(where, rule, message)


def b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


@dataclass
class Report:
    """Everything one check found; ``fail`` keeps the first MAX_DETAILED failures in full
    and counts the rest."""

    policy_source: str = ""
    anchored: bool = True
    checkpoint: Checkpoint | None = None
    cosigners: tuple[str, ...] = ()
    times: dict[str, int] = field(default_factory=dict)
    set_aside: tuple[str, ...] = ()
    failures: list[Failure] = field(default_factory=list)
    more_failures: int = 0
    differences: list[Failure] = field(default_factory=list)  # notices, not failures
    summary: list[str] = field(default_factory=list)  # what was checked, in words

    @property
    def ok(self) -> bool:
        return not self.failures and not self.more_failures

    @property
    def result(self) -> str:
        if not self.ok:
            return INVALID
        return VALID if self.anchored else UNANCHORED

    def fail(self, failure: Failure) -> None:
        if len(self.failures) < MAX_DETAILED:
            self.failures.append(failure)
        else:
            self.more_failures += 1

    def cosigner_ages(self, now: int) -> list[tuple[str, int, int]]:
        """(witness, cosignature time, age in seconds at ``now``) for each cosigner."""
        return [(n, self.times[n], now - self.times[n]) for n in self.cosigners]

    def lines(self, now: int) -> list[str]:
        """The report as text: policy, checkpoint, cosigners with ages, summary, differences
        (``DIFFERS``), failures (``FAIL``), then the result line."""
        anchor = "" if self.anchored else " (UNANCHORED: the bundle's own policy)"
        out = [f"policy: {self.policy_source}{anchor}"]
        if self.checkpoint is not None:
            cp = self.checkpoint
            out.append(f"checkpoint: {cp.origin} size {cp.size} root {b64(cp.root)}")
            ages = [f"{n} ({_age(age)})" for n, _, age in self.cosigner_ages(now)]
            out.append(f"cosigned by: {', '.join(ages) or 'no witness'}")
        out += [f"set aside: {reason}" for reason in self.set_aside]
        out += self.summary
        out += [f"DIFFERS {difference}" for difference in self.differences]
        out += [f"FAIL {failure}" for failure in self.failures]
        if self.more_failures:
            out.append(f"FAIL ... and {self.more_failures} more failures")
        count = len(self.failures) + self.more_failures
        if self.result == INVALID:
            out.append(f"INVALID: {count} failures{anchor}")
        elif self.result == UNANCHORED:
            out.append(
                "UNANCHORED: consistent under the bundle's own policy, which nothing outside "
                "the bundle vouches for (pin the departments' policy: gongshi-verify policy pin)"
            )
        else:
            out.append("VALID")
        return out

    def to_json(self, now: int) -> dict[str, Any]:
        """The report as one JSON object (``--json``)."""
        cp = self.checkpoint
        return {
            "result": self.result,
            "anchored": self.anchored,
            "policy": self.policy_source,
            "now": now,
            "checkpoint": None
            if cp is None
            else {"origin": cp.origin, "size": cp.size, "root": b64(cp.root)},
            "cosigners": [
                {"name": n, "time": t, "age_seconds": age} for n, t, age in self.cosigner_ages(now)
            ],
            "set_aside": list(self.set_aside),
            "summary": self.summary,
            "failures": [f.to_json() for f in self.failures],
            "more_failures": self.more_failures,
            "differences": [d.to_json() for d in self.differences],
        }


def _age(seconds: int) -> str:
    if seconds < 0:
        return f"dated {-seconds} s ahead"
    if seconds < 120:
        return f"{seconds} s ago"
    if seconds < 7200:
        return f"{seconds // 60} min ago"
    if seconds < 172_800:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86_400} days ago"
