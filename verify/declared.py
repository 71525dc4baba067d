"""The bundle's declared ``policy`` and ``keys/`` compared with the auditor's anchor.

The operator writes the bundle, so its policy and key files are claims, never trust: they
are only compared with the policy the auditor pinned (verify/anchor.py), and every
difference is a Failure. Rules: ``bundle.policy_missing``, ``bundle.policy_unreadable``,
``bundle.policy_differs`` (a log, a witness, a group or the quorum), ``bundle.key_missing``,
``bundle.key_unreadable``, ``bundle.key_differs``. URLs are not compared: they say where to
reach a log or witness, not whom to trust.
"""

from __future__ import annotations

from pathlib import Path

from verify.failure import Failure
from verify.note import NoteError, Verifier, parse_vkey
from verify.policy import Group, Member, Policy, PolicyError, parse_policy


def compare_declared(bundle: Path, anchor: Policy) -> list[Failure]:
    """Every difference between ``anchor`` and the bundle's ``policy`` and ``keys/``."""
    return [*_compare_policy(bundle / "policy", anchor), *_compare_keys(bundle / "keys", anchor)]


def _compare_policy(path: Path, anchor: Policy) -> list[Failure]:
    where = "policy"
    try:
        declared = parse_policy(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return [Failure(where, "bundle.policy_missing", "the bundle declares no policy")]
    except (OSError, UnicodeDecodeError, PolicyError, NoteError) as e:
        return [Failure(where, "bundle.policy_unreadable", str(e))]
    return policy_differences(anchor, declared, where)


def policy_differences(anchor: Policy, declared: Policy, where: str) -> list[Failure]:
    """Each log, witness, group and quorum on which ``declared`` differs from ``anchor``
    (expected: the anchor's; computed: the declared one's; ``None`` where one has none)."""
    rule = "bundle.policy_differs"
    failures = []
    theirs = {m.verifier.vkey() for m in declared.logs}
    ours = {m.verifier.vkey() for m in anchor.logs}
    for vkey in sorted(ours - theirs):
        failures.append(Failure(where, rule, "the pinned log key is not declared", vkey, None))
    for vkey in sorted(theirs - ours):
        failures.append(Failure(where, rule, "a log key the pinned policy lacks", None, vkey))
    for name in sorted(anchor.witnesses.keys() | declared.witnesses.keys()):
        expected, computed = _vkey(anchor.witnesses, name), _vkey(declared.witnesses, name)
        if expected != computed:
            failures.append(Failure(where, rule, f"witness {name}", expected, computed))
    for name in sorted(anchor.groups.keys() | declared.groups.keys()):
        group_a, group_d = _group(anchor.groups.get(name)), _group(declared.groups.get(name))
        if group_a != group_d:
            failures.append(Failure(where, rule, f"group {name}", group_a, group_d))
    if anchor.quorum != declared.quorum:
        failures.append(Failure(where, rule, "quorum", anchor.quorum, declared.quorum))
    return failures


def _vkey(members: dict[str, Member], name: str) -> str | None:
    member = members.get(name)
    return None if member is None else member.verifier.vkey()


def _group(group: Group | None) -> str | None:
    return None if group is None else " ".join([str(group.threshold), *group.members])


def _compare_keys(keys: Path, anchor: Policy) -> list[Failure]:
    failures: list[Failure] = []
    log_vkeys = sorted(m.verifier.vkey() for m in anchor.logs)
    where = "keys/log.vkey"
    log = _read_vkey(keys / "log.vkey", where, failures)
    if log is not None and log.vkey() not in log_vkeys:
        message = "the log key is not the pinned one"
        pinned = " or ".join(log_vkeys)
        failures.append(Failure(where, "bundle.key_differs", message, pinned, log.vkey()))
    files = sorted(keys.glob("witness-*.vkey")) if keys.is_dir() else []
    seen = set()
    for path in files:
        name = path.name.removeprefix("witness-").removesuffix(".vkey")
        where = f"keys/{path.name}"
        seen.add(name)
        key = _read_vkey(path, where, failures)
        expected = _vkey(anchor.witnesses, name)
        if key is not None and key.vkey() != expected:
            message = f"witness {name}'s key is not the pinned one"
            failures.append(Failure(where, "bundle.key_differs", message, expected, key.vkey()))
    for name in sorted(anchor.witnesses.keys() - seen):
        message = f"the bundle holds no key file for witness {name}"
        failures.append(Failure(f"keys/witness-{name}.vkey", "bundle.key_missing", message))
    return failures


def _read_vkey(path: Path, where: str, failures: list[Failure]) -> Verifier | None:
    try:
        return parse_vkey(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        failures.append(Failure(where, "bundle.key_missing", "missing"))
    except (OSError, UnicodeDecodeError, NoteError) as e:
        failures.append(Failure(where, "bundle.key_unreadable", str(e)))
    return None
