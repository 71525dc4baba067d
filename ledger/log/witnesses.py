"""The log's witnesses: their keys and the log's own policy file, ``$GONGSHI_HOME/policy``.

The policy is in the c2sp.org/tlog-policy format (verify/policy.py): the log line (the log's
vkey), one ``witness NAME VKEY [URL]`` line per department (URL = its c2sp.org/tlog-witness
submission prefix), ``group departments 2 finance audit supervision`` and
``quorum departments``. It says whom the log submits its checkpoints to and which
checkpoints it serves as witnessed. Departments generate their own keys and hand the
operator the vkey, which ``add_witness`` (``gongshi witness add``) puts in the policy;
``create_witness_key`` is for demos and tests.

A policy with no witness (``quorum none``) trusts nothing but the log: every checkpoint
counts as witnessed. ``gongshi keys init`` therefore writes no policy unless it made
witness keys, ``gongshi demo`` always ends with the three departments in the policy, and
the commands that run the log warn when the quorum is ``none``.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from ledger.errors import LedgerError
from ledger.files import private_dir, private_file
from verify.note import MLDSA44_COSIGNATURE, NoteError, Signer, Verifier, parse_vkey
from verify.policy import (
    NONE,
    Group,
    Member,
    Policy,
    PolicyError,
    departments_policy,
    parse_policy,
)

DEPARTMENTS = ("finance", "audit", "supervision")
DEFAULT_QUORUM = 2
GROUP = "departments"
POLICY_FILE = "policy"


class WitnessError(LedgerError):
    """A cosignature can't be attached, or the policy can't be read or changed."""


def witness_key_name(name: str) -> str:
    """The note key name of a department's witness."""
    return f"witness.gongshi.example/{name}"


def witness_paths(keys_dir: Path, name: str) -> tuple[Path, Path]:
    """The witness's skey and vkey files under ``keys_dir``."""
    return keys_dir / f"witness-{name}.skey", keys_dir / f"witness-{name}.vkey"


def create_witness_key(
    keys_dir: Path, name: str, sig_type: int = MLDSA44_COSIGNATURE
) -> tuple[bool, str]:
    """A witness key (ML-DSA-44, type 0x06, unless ``sig_type`` is 0x04 for Ed25519) for
    demos and tests; returns (created, vkey). An existing key is kept, whatever its type."""
    skey_path, vkey_path = witness_paths(keys_dir, name)
    if skey_path.exists():
        return False, vkey_path.read_text().strip()
    signer = Signer.generate(witness_key_name(name), sig_type)
    private_dir(keys_dir)
    fd = os.open(skey_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(signer.skey() + "\n")
    private_file(vkey_path).write_text(signer.verifier.vkey() + "\n")
    return True, signer.verifier.vkey()


def witness_verifiers(keys_dir: Path) -> dict[str, Verifier]:
    """The witnesses whose vkeys the operator holds: keys/witness-NAME.vkey."""
    found = {}
    for path in sorted(keys_dir.glob("witness-*.vkey")):
        found[path.stem.removeprefix("witness-")] = parse_vkey(path.read_text())
    return found


def default_policy(home: Path, log: Verifier) -> Policy:
    """The log key, every witness vkey under keys/ (the departments first, in the order
    finance, audit, supervision), any 2 of them (fewer if fewer known)."""
    found = witness_verifiers(home / "keys")
    order = [n for n in DEPARTMENTS if n in found] + [n for n in found if n not in DEPARTMENTS]
    return departments_policy(log, {n: found[n] for n in order}, None, DEFAULT_QUORUM, GROUP)


def declared_policy(home: Path, log: Verifier) -> Policy:
    """``$GONGSHI_HOME/policy`` if the operator wrote one (its one log must be ``log``),
    else ``default_policy``."""
    path = home / POLICY_FILE
    if not path.exists():
        return default_policy(home, log)
    try:
        policy = parse_policy(path.read_text(encoding="utf-8"))
        if policy.log != log:
            raise PolicyError(f"its log key is {policy.log.vkey()}, the log's is {log.vkey()}")
    except PolicyError as e:
        raise WitnessError(f"{path}: {e}") from None
    return policy


def write_policy(home: Path, policy: Policy) -> Path:
    """Replace ``$GONGSHI_HOME/policy`` atomically (temp file, rename)."""
    path = home / POLICY_FILE
    private_dir(home)
    temp = private_file(path.with_name(path.name + ".tmp"))
    temp.write_text(policy.text(), encoding="utf-8")
    os.replace(temp, path)
    return path


def _read_policy(path: Path) -> Policy:
    try:
        return parse_policy(path.read_text(encoding="utf-8"))
    except PolicyError as e:
        raise WitnessError(f"{path}: {e}") from None


def ensure_policy(home: Path, log: Verifier) -> Policy:
    """The demo's step: a policy with the log key ``log`` (after ``demo --reset`` a policy
    for another log key keeps its witnesses and URLs) in which every department is a
    witness: a department it lacks is added with the demo's key (keys/witness-NAME.vkey,
    which must exist) by ``add_witness``, so a policy that trusted nothing (``quorum
    none``) ends as ``group departments 2 finance audit supervision``. Written if changed."""
    path = home / POLICY_FILE
    found = path.exists()
    policy = _read_policy(path) if found else Policy((Member(log),))
    changed = not found
    if [m.verifier for m in policy.logs] != [log]:
        url = policy.logs[0].url if policy.logs else None
        policy, changed = replace(policy, logs=(Member(log, url),)), True
    demo = witness_verifiers(home / "keys")
    for name in DEPARTMENTS:
        if name not in policy.witnesses:
            policy, changed = add_witness(policy, name, demo[name]), True
    if changed:
        write_policy(home, policy)
    return policy


def _checked_url(url: str | None) -> str | None:
    if url is not None and (not url.startswith(("http://", "https://")) or " " in url):
        raise WitnessError(f"{url!r} is not an http:// or https:// URL")
    return url


def add_witness(policy: Policy, name: str, key: Verifier, url: str | None = None) -> Policy:
    """``policy`` with witness ``name`` holding ``key`` (a cosignature key, type 0x04 or
    0x06) at submission prefix ``url``. When the quorum is ``none`` or the group
    ``departments``, the witness joins that group (made of every witness if the quorum
    was ``none``), whose threshold becomes the larger of
    its own and min(2, members): one witness alone is needed, two of two, then two of
    three and more; it is never lowered. Another quorum is left as it is. WitnessError if
    the name or the key is already in the policy, or the result is no valid tlog-policy."""
    if name in policy.witnesses:
        raise WitnessError(f"witness {name!r} is already in the policy (set-url changes its URL)")
    held = policy.witness_named(key)
    if held is not None:
        raise WitnessError(f"the key {key.vkey()} is already witness {held!r}")
    witnesses = {**policy.witnesses, name: Member(key, _checked_url(url))}
    groups, quorum = policy.groups, policy.quorum
    if quorum in (NONE, GROUP):
        old = groups.get(GROUP, Group(0, tuple(policy.witnesses) if quorum == NONE else ()))
        members = (*old.members, name)
        threshold = max(old.threshold, min(DEFAULT_QUORUM, len(members)))
        groups, quorum = {**groups, GROUP: Group(threshold, members)}, GROUP
    try:
        return parse_policy(replace(policy, witnesses=witnesses, groups=groups,
                                    quorum=quorum).text())  # fmt: skip
    except PolicyError as e:
        raise WitnessError(f"witness {name!r} can't be added: {e}") from None


def add_witness_to_file(
    home: Path, log: Verifier, name: str, vkey: str, url: str | None = None
) -> Policy:
    """``add_witness`` on the policy file (written first from the default if missing)."""
    try:
        key = parse_vkey(vkey)
    except NoteError as e:
        raise WitnessError(f"witness {name!r}: not a vkey: {e}") from None
    policy = add_witness(declared_policy(home, log), name, key, url)
    write_policy(home, policy)
    return policy


def set_witness_url(home: Path, log: Verifier, name: str, url: str | None) -> Policy:
    """Set (or, with None, remove) witness ``name``'s submission prefix in the policy file
    (written first from the default if missing); WitnessError for an unknown name."""
    policy = declared_policy(home, log)
    member = policy.witnesses.get(name)
    if member is None:
        known = ", ".join(policy.witnesses) or "none"
        raise WitnessError(f"no witness {name!r} in the policy (witnesses: {known})")
    witnesses = {**policy.witnesses, name: Member(member.verifier, _checked_url(url))}
    changed = replace(policy, witnesses=witnesses)
    write_policy(home, changed)
    return changed


class PolicyFile:
    """The log's policy as it stands: ``declared_policy``, read again when the file changes
    (so ``gongshi witness set-url`` reaches a running server)."""

    def __init__(self, home: Path, log: Verifier) -> None:
        self.home = home
        self.log = log
        self._seen: tuple[int, int] | None = None
        self._policy = declared_policy(home, log)

    def __call__(self) -> Policy:
        path = self.home / POLICY_FILE
        try:
            stat = path.stat()
            seen: tuple[int, int] | None = (stat.st_mtime_ns, stat.st_size)
        except FileNotFoundError:
            seen = None
        if seen != self._seen:
            self._policy = declared_policy(self.home, self.log)
            self._seen = seen
        return self._policy
