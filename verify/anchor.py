"""The auditor's trust anchor: the c2sp.org/tlog-policy file pinned outside any bundle.

A bundle is written by the operator, so the keys and the policy inside it prove nothing
about who made it. The verifier takes its policy, in this order, from:

1. ``--policy FILE`` on the command line;
2. the file named by ``GONGSHI_VERIFY_POLICY``;
3. ``$XDG_CONFIG_HOME/gongshi-verify/policy`` (``~/.config/gongshi-verify/policy`` when
   ``XDG_CONFIG_HOME`` is unset or empty), installed once with
   ``gongshi-verify policy pin FILE``.

A source that is named (1 or 2) but unreadable or malformed is a usage error, never a
fall-through to the next one. With none of them there is no anchor (``NoAnchor``: exit 2).
The environment is passed in, so tests and callers decide what it holds.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from verify.note import NoteError
from verify.policy import Policy, PolicyError, parse_policy
from verify.usage import UsageError

ENV_POLICY = "GONGSHI_VERIFY_POLICY"
PIN_HINT = (
    "no trust policy pinned outside the bundle: give --policy FILE, set "
    f"{ENV_POLICY}=FILE, or pin one once with 'gongshi-verify policy pin FILE' (the "
    "departments' c2sp.org/tlog-policy file, obtained from them, not from the operator); "
    "--trust-bundle-policy checks the bundle against its own policy (UNANCHORED)"
)


class NoAnchor(UsageError):
    """No policy from outside the bundle: exit 2 with how to pin one."""

    def __init__(self) -> None:
        super().__init__(PIN_HINT)


@dataclass(frozen=True)
class Anchor:
    """A policy and where it came from (``source``, shown to the auditor); ``anchored`` is
    False only for a bundle's own policy accepted with ``--trust-bundle-policy``."""

    policy: Policy
    source: str
    anchored: bool = True


def pinned_path(environ: Mapping[str, str]) -> Path:
    """Where ``policy pin`` installs the policy: ``$XDG_CONFIG_HOME/gongshi-verify/policy``,
    or under ``$HOME/.config`` when ``XDG_CONFIG_HOME`` is unset or empty."""
    config = environ.get("XDG_CONFIG_HOME") or ""
    if not config:
        home = environ.get("HOME") or str(Path.home())
        config = str(Path(home) / ".config")
    return Path(config) / "gongshi-verify" / "policy"


def read_policy(path: Path, source: str) -> Policy:
    """Parse the policy file at ``path``; UsageError naming ``source`` if it can't be read
    or is not a tlog-policy listing at least one log."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"{source}: {e}") from None
    try:
        policy = parse_policy(text)
    except (PolicyError, NoteError) as e:
        raise UsageError(f"{source}: {e}") from None
    if not policy.logs:
        raise UsageError(f"{source}: the policy lists no log key")
    return policy


def resolve_anchor(policy_file: str | None, environ: Mapping[str, str]) -> Anchor:
    """The auditor's policy from ``--policy``, the environment or the pinned file, in that
    order; NoAnchor if there is none, UsageError if a named one is unreadable."""
    if policy_file:
        return Anchor(read_policy(Path(policy_file), policy_file), f"--policy {policy_file}")
    named = environ.get(ENV_POLICY)
    if named:
        source = f"{ENV_POLICY}={named}"
        return Anchor(read_policy(Path(named), source), source)
    pinned = pinned_path(environ)
    if pinned.exists():
        return Anchor(read_policy(pinned, str(pinned)), f"pinned {pinned}")
    raise NoAnchor()


def pin_policy(source: Path, environ: Mapping[str, str]) -> Path:
    """Validate the policy at ``source`` and install it at ``pinned_path`` atomically
    (temp file, fsync, rename); returns where it went. UsageError if it is malformed."""
    read_policy(source, str(source))
    target = pinned_path(environ)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(target.name + ".tmp")
    with temp.open("wb") as f:
        f.write(source.read_bytes())
        f.flush()
        os.fsync(f.fileno())
    os.replace(temp, target)
    return target
