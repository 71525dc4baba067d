"""The trust policy, in the c2sp.org/tlog-policy format: known logs, witnesses, the quorum.

    # comments and blank lines are ignored
    log <vkey, type 0x01> [<url>]               the log's key; its name is the origin
    witness <name> <vkey, type 0x04 or 0x06> [<url>]
    group <name> all|any|<k> <member>...        k of the members (witnesses or groups)
    quorum <name>|none                          exactly one line

Items are separated by runs of spaces and tabs only; a group or the quorum may name only
what earlier lines defined; witnesses and groups share one namespace, where ``none`` is
reserved; a name is a group member at most once; 1 <= k <= n; two logs or two witnesses
that wrap the same public key are duplicates. The only control characters allowed are tab
and newline. Anything else is a PolicyError naming the line.

A checkpoint satisfies a policy when a listed log whose name is the checkpoint's origin
signed it, no known key's signature fails, and the witnesses whose cosignatures verify
satisfy the quorum. The departments' default: finance, audit and supervision, any 2
(``group departments 2 finance audit supervision``, ``quorum departments``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from verify.checkpoint import Checkpoint, parse_checkpoint
from verify.note import (
    COSIGNATURE_TYPES,
    ED25519,
    NoteError,
    Verifier,
    cosignature_time,
    open_note,
    parse_vkey,
)

NONE = "none"
FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
SEPARATOR = re.compile(r"[ \t]+")
MAX_LINES = 10_000


class PolicyError(ValueError):
    """A policy is malformed, or a checkpoint does not satisfy it (with the counts)."""


@dataclass(frozen=True)
class Member:
    """A ``log`` or ``witness`` line: its key and, if given, its URL (a witness's
    submission prefix, c2sp.org/tlog-witness; a log's base URL)."""

    verifier: Verifier
    url: str | None = None


@dataclass(frozen=True)
class Group:
    threshold: int
    members: tuple[str, ...]


@dataclass(frozen=True)
class Policy:
    logs: tuple[Member, ...]
    witnesses: dict[str, Member] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    quorum: str = NONE

    @property
    def log(self) -> Verifier:
        """The one log key of a policy that lists exactly one log (the operator's own)."""
        if len(self.logs) != 1:
            raise PolicyError(f"the policy lists {len(self.logs)} logs, not exactly one")
        return self.logs[0].verifier

    def logs_for(self, origin: str) -> list[Verifier]:
        """The listed log keys whose name is ``origin``."""
        return [m.verifier for m in self.logs if m.verifier.name == origin]

    def witness_named(self, verifier: Verifier) -> str | None:
        """The policy's name for the witness holding ``verifier``, or None."""
        for name, member in self.witnesses.items():
            if member.verifier == verifier:
                return name
        return None

    def witnessed(self, name: str, cosigners: frozenset[str]) -> bool:
        """Whether witness or group ``name`` witnessed, given the witnesses that cosigned."""
        if name == NONE:
            return True
        if name in self.witnesses:
            return name in cosigners
        group = self.groups[name]
        return sum(self.witnessed(m, cosigners) for m in group.members) >= group.threshold

    def satisfied(self, cosigners: Iterable[str]) -> bool:
        """Whether the quorum holds when exactly ``cosigners`` (witness names) cosigned."""
        return self.witnessed(self.quorum, frozenset(cosigners))

    def text(self) -> str:
        """The policy file: logs, witnesses, groups in definition order, the quorum."""
        lines = [_line("log", m.verifier.vkey(), m.url) for m in self.logs]
        lines += [_line("witness", n, m.verifier.vkey(), m.url) for n, m in self.witnesses.items()]
        for name, group in self.groups.items():
            k = _threshold_word(group)
            lines.append(" ".join(["group", name, k, *group.members]))
        lines.append(f"quorum {self.quorum}")
        return "\n".join(lines) + "\n"


def _line(*words: str | None) -> str:
    return " ".join(w for w in words if w is not None)


def _threshold_word(group: Group) -> str:
    if group.threshold == len(group.members) and len(group.members) > 1:
        return "all"
    return "any" if group.threshold == 1 else str(group.threshold)


def parse_policy(text: str) -> Policy:
    """Parse a tlog-policy file; PolicyError naming the line at fault."""
    logs: list[Member] = []
    witnesses: dict[str, Member] = {}
    groups: dict[str, Group] = {}
    quorum: str | None = None
    lines = text.split("\n")
    if len(lines) > MAX_LINES:
        raise PolicyError(f"a policy has at most {MAX_LINES} lines")
    for number, raw in enumerate(lines, start=1):
        bad = FORBIDDEN.search(raw)
        if bad:
            raise PolicyError(f"policy line {number}: control character {ord(bad[0]):#04x}")
        words = [w for w in SEPARATOR.split(raw) if w]
        if not words or words[0].startswith("#"):
            continue
        where = f"policy line {number}"
        try:
            if words[0] == "log" and len(words) in (2, 3):
                log = Member(_key(words[1], (ED25519,), where), _url(words))
                _no_duplicate(log, logs, where, "log")
                logs.append(log)
            elif words[0] == "witness" and len(words) in (3, 4):
                name = _new_name(words[1], witnesses, groups, where)
                member = Member(_key(words[2], COSIGNATURE_TYPES, where), _url(words[1:]))
                _no_duplicate(member, list(witnesses.values()), where, "witness")
                witnesses[name] = member
            elif words[0] == "group" and len(words) >= 4:
                name = _new_name(words[1], witnesses, groups, where)
                groups[name] = _group(words[2], words[3:], witnesses, groups, where)
            elif words[0] == "quorum" and len(words) == 2:
                if quorum is not None:
                    raise PolicyError(f"{where}: a policy has exactly one quorum line")
                if words[1] != NONE and words[1] not in witnesses and words[1] not in groups:
                    raise PolicyError(f"{where}: quorum {words[1]!r} is not defined above")
                quorum = words[1]
            else:
                raise PolicyError(f"{where}: can't read {raw.strip()[:60]!r}")
        except NoteError as e:
            raise PolicyError(f"{where}: {e}") from None
    if quorum is None:
        raise PolicyError("the policy has no quorum line")
    return Policy(tuple(logs), witnesses, groups, quorum)


def _key(vkey: str, types: tuple[int, ...], where: str) -> Verifier:
    verifier = parse_vkey(vkey)
    if verifier.sig_type not in types:
        wanted = " or ".join(f"{t:#04x}" for t in types)
        raise PolicyError(f"{where}: key type {verifier.sig_type:#04x}, expected {wanted}")
    return verifier


def _url(words: list[str]) -> str | None:
    return words[2] if len(words) == 3 else None


def _no_duplicate(member: Member, seen: list[Member], where: str, kind: str) -> None:
    if any(m.verifier.public_key == member.verifier.public_key for m in seen):
        raise PolicyError(f"{where}: duplicate {kind}: the same public key is listed twice")


def _new_name(name: str, witnesses: dict[str, Member], groups: dict[str, Group], where: str) -> str:
    if name == NONE:
        raise PolicyError(f"{where}: 'none' is reserved")
    if name in witnesses or name in groups:
        raise PolicyError(f"{where}: {name!r} is already defined")
    return name


def _group(
    k: str, members: list[str], witnesses: dict[str, Member], groups: dict[str, Group], where: str
) -> Group:
    for member in members:
        if member not in witnesses and member not in groups:
            raise PolicyError(f"{where}: group member {member!r} is not defined above")
    if len(set(members)) != len(members):
        raise PolicyError(f"{where}: a name is listed twice in one group")
    n = len(members)
    if k == "all":
        threshold = n
    elif k == "any":
        threshold = 1
    elif re.fullmatch(r"[0-9]+", k) and 1 <= int(k) <= n:
        threshold = int(k)
    else:
        raise PolicyError(f"{where}: threshold {k!r} is not all, any or 1..{n}")
    return Group(threshold, tuple(members))


@dataclass(frozen=True)
class CheckedCheckpoint:
    """A checkpoint opened under a policy: who signed it and what was left aside."""

    checkpoint: Checkpoint
    cosigners: tuple[str, ...]  # policy names of the witnesses whose cosignature verified
    times: dict[str, int]  # witness name -> cosignature timestamp
    set_aside: tuple[str, ...]  # why a verified line did not count (timestamp 0 or future)
    quorum_met: bool


def open_under_policy(note: str, policy: Policy, now: int | None = None) -> CheckedCheckpoint:
    """Verify a checkpoint note's log signature and cosignatures against ``policy``.

    A listed log named as the checkpoint's origin must have signed it; any signature by a
    known key that fails makes the note invalid (NoteError); unknown keys are ignored. A
    cosignature dated 0 (it states no largest tree seen: c2sp.org/tlog-cosignature, and
    c2sp.org/tlog-witness forbids it) or more than ``MAX_FUTURE_SECONDS`` after ``now``
    (POSIX seconds, when given) does not count and is set aside. Does not require the
    quorum: see ``quorum_met``.
    """
    witness_keys = [m.verifier for m in policy.witnesses.values()]
    known = [m.verifier for m in policy.logs] + witness_keys
    parsed, verified = open_note(note, known)
    checkpoint = parse_checkpoint(parsed.text)
    logs = policy.logs_for(checkpoint.origin)
    if not logs:
        raise PolicyError(f"checkpoint origin {checkpoint.origin!r} is no log of the policy")
    if not any(log in verified for log in logs):
        raise PolicyError(f"the log key {checkpoint.origin} did not sign this checkpoint")
    times: dict[str, int] = {}
    set_aside: list[str] = []
    for signature in parsed.signatures:
        for verifier in witness_keys:
            if (verifier.name, verifier.key_id) != (signature.name, signature.key_id):
                continue
            name = policy.witness_named(verifier)
            assert name is not None
            timestamp = cosignature_time(signature)
            if timestamp == 0:
                set_aside.append(f"{name}: cosignature dated 0, which states no largest tree")
                continue
            if now is not None and timestamp > now + MAX_FUTURE_SECONDS:
                set_aside.append(f"{name}: cosignature dated {timestamp}, after {now}")
                continue
            times[name] = max(timestamp, times.get(name, 0))
    cosigners = tuple(n for n in policy.witnesses if n in times)
    return CheckedCheckpoint(
        checkpoint, cosigners, times, tuple(set_aside), policy.satisfied(cosigners)
    )


MAX_FUTURE_SECONDS = 300


def check_policy(note: str, policy: Policy, now: int | None = None) -> tuple[Checkpoint, list[str]]:
    """Verify the log's signature and the witnesses' cosignatures on a checkpoint note.

    Returns the checkpoint and the names of the witnesses whose cosignatures verified.
    Raises NoteError if a known key's signature fails, PolicyError if no listed log signed
    or the cosigners do not satisfy the quorum.
    """
    checked = open_under_policy(note, policy, now)
    if not checked.quorum_met:
        raise PolicyError(
            f"{len(checked.cosigners)} witness cosignatures "
            f"({', '.join(checked.cosigners) or 'none'}) do not satisfy quorum {policy.quorum}"
            + "".join(f"; set aside {s}" for s in checked.set_aside)
        )
    return checked.checkpoint, list(checked.cosigners)


def departments_policy(
    log: Verifier,
    witnesses: dict[str, Verifier],
    urls: dict[str, str] | None = None,
    threshold: int = 2,
    group: str = "departments",
) -> Policy:
    """The operator's default: every witness in group ``group`` with ``threshold`` (at most
    the number of witnesses), which is the quorum; ``quorum none`` with no witnesses."""
    urls = urls or {}
    members = {n: Member(v, urls.get(n)) for n, v in witnesses.items()}
    if not members:
        return Policy((Member(log),), {}, {}, NONE)
    k = min(threshold, len(members))
    return Policy((Member(log),), members, {group: Group(k, tuple(members))}, group)
