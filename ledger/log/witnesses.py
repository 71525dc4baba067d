"""The log's witnesses: their keys and the log's own policy file, ``$GONGSHI_HOME/policy``.

The policy is in the c2sp.org/tlog-policy format (verify/policy.py): the log line (the log's
vkey), one ``witness NAME VKEY [URL]`` line per department (URL = its c2sp.org/tlog-witness
submission prefix), ``group departments 2 finance audit supervision`` and
``quorum departments``. It says whom the log submits its checkpoints to and which
checkpoints it serves as witnessed. Departments generate their own keys and hand the
operator the vkey; ``create_witness_key`` is for demos and tests.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from ledger.errors import LedgerError
from verify.note import MLDSA44_COSIGNATURE, Signer, Verifier, parse_vkey
from verify.policy import Member, Policy, PolicyError, departments_policy, parse_policy

DEPARTMENTS = ("finance", "audit", "supervision")
DEFAULT_QUORUM = 2
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
    keys_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(skey_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(signer.skey() + "\n")
    vkey_path.write_text(signer.verifier.vkey() + "\n")
    return True, signer.verifier.vkey()


def witness_verifiers(keys_dir: Path) -> dict[str, Verifier]:
    """The witnesses whose vkeys the operator holds: keys/witness-NAME.vkey."""
    found = {}
    for path in sorted(keys_dir.glob("witness-*.vkey")):
        found[path.stem.removeprefix("witness-")] = parse_vkey(path.read_text())
    return found


def default_policy(home: Path, log: Verifier) -> Policy:
    """The log key, every witness vkey under keys/, any 2 of them (fewer if fewer known)."""
    witnesses = witness_verifiers(home / "keys")
    return departments_policy(log, witnesses, threshold=DEFAULT_QUORUM)


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
    home.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(path.name + ".tmp")
    temp.write_text(policy.text(), encoding="utf-8")
    os.replace(temp, path)
    return path


def ensure_policy(home: Path, log: Verifier) -> Policy:
    """The demo's step: write the default policy if there is none; if there is one for
    another log key (after ``demo --reset``), keep its witnesses and URLs, with ``log``."""
    path = home / POLICY_FILE
    if not path.exists():
        policy = default_policy(home, log)
        write_policy(home, policy)
        return policy
    try:
        policy = parse_policy(path.read_text(encoding="utf-8"))
    except PolicyError as e:
        raise WitnessError(f"{path}: {e}") from None
    if [m.verifier for m in policy.logs] != [log]:
        url = policy.logs[0].url if policy.logs else None
        policy = replace(policy, logs=(Member(log, url),))
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
    if url is not None and (not url.startswith(("http://", "https://")) or " " in url):
        raise WitnessError(f"{url!r} is not an http:// or https:// URL")
    witnesses = {**policy.witnesses, name: Member(member.verifier, url)}
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
