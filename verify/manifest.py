"""A bundle's MANIFEST.json (docs/FORMAT.md §7), checked in full.

The file is exactly the canonical JSON (§1) of an object with exactly the members
``format`` (``gongshi-bundle/v1``), ``origin``, ``tree_size``, ``root`` (base64),
``timezone`` (the IANA name of the ledger's business timezone, in which the records' dates
are taken: verify/days.py) and ``files`` (path -> description), then one LF. ``origin``,
``tree_size`` and ``root`` are the bundle checkpoint's; every path in ``files`` is present
(a path ending in ``/`` is a directory; ``NAME`` in a path stands for each witness of the
policy, checked with the keys).
"""

from __future__ import annotations

from datetime import tzinfo
from pathlib import Path
from typing import Any

from verify.canonical import CanonicalError, canonical_bytes, parse_canonical
from verify.checkpoint import Checkpoint
from verify.days import DEFAULT_TIMEZONE, zone_named
from verify.failure import Failure
from verify.report import b64

BUNDLE_FORMAT = "gongshi-bundle/v1"
MEMBERS = ("files", "format", "origin", "root", "timezone", "tree_size")
WHERE = "MANIFEST.json"


def read_manifest(bundle: Path) -> tuple[dict[str, Any], list[Failure]]:
    """The manifest's value (empty if unusable) and what is wrong with its form."""
    path = bundle / WHERE
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}, [Failure(WHERE, "manifest.missing", "a bundle has a MANIFEST.json")]
    except OSError as e:
        return {}, [Failure(WHERE, "manifest.missing", f"unreadable ({e})")]
    try:
        value = parse_canonical(data.removesuffix(b"\n"))
    except CanonicalError as e:
        return {}, [Failure(WHERE, "manifest.canonical", f"not canonical JSON ({e})")]
    failures = []
    if not data.endswith(b"\n") or data != canonical_bytes(value) + b"\n":
        message = "the canonical JSON is followed by exactly one LF"
        failures.append(Failure(WHERE, "manifest.canonical", message, "LF", repr(data[-1:])))
    if not isinstance(value, dict):
        return {}, [*failures, Failure(WHERE, "manifest.members", "not a JSON object")]
    if sorted(value) != list(MEMBERS):
        message = "exactly these members"
        failures.append(
            Failure(WHERE, "manifest.members", message, ", ".join(MEMBERS), ", ".join(value))
        )
    if value.get("format") != BUNDLE_FORMAT:
        message = "this verifier reads one bundle format"
        found = repr(value.get("format"))
        failures.append(Failure(WHERE, "manifest.format", message, BUNDLE_FORMAT, found))
    return value, failures


def manifest_zone(value: dict[str, Any]) -> tuple[tzinfo, list[Failure]]:
    """The business timezone the manifest states (``manifest.timezone`` if it names no IANA
    zone; then Asia/Shanghai, so the other checks still run)."""
    name = value.get("timezone", DEFAULT_TIMEZONE)
    try:
        if not isinstance(name, str):
            raise ValueError(f"{name!r} is not a string")
        return zone_named(name), []
    except ValueError as e:
        message = "timezone is an IANA timezone name"
        failure = Failure(WHERE, "manifest.timezone", message, DEFAULT_TIMEZONE, str(e))
        return zone_named(DEFAULT_TIMEZONE), [failure]


def check_manifest(bundle: Path, value: dict[str, Any], checkpoint: Checkpoint) -> list[Failure]:
    """What in the manifest ``value`` disagrees with the bundle's ``checkpoint`` or files."""
    failures = []
    for member, expected in [
        ("origin", checkpoint.origin),
        ("tree_size", checkpoint.size),
        ("root", b64(checkpoint.root)),
    ]:
        if member in value and (value[member] != expected or type(value[member]) is bool):
            message = f"{member} is the checkpoint's"
            found = str(value[member])
            failures.append(Failure(WHERE, f"manifest.{member}", message, str(expected), found))
    files = value.get("files")
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        return [*failures, Failure(WHERE, "manifest.files", "files is an object of strings")]
    for name in sorted(files):
        if "NAME" in name:
            continue  # one per witness: checked against the policy (verify/declared.py)
        if name.startswith("/") or ".." in name.split("/"):
            failures.append(Failure(WHERE, "manifest.files", f"{name!r} is outside the bundle"))
            continue
        path = bundle / name
        if not (path.is_dir() if name.endswith("/") else path.is_file()):
            failures.append(Failure(WHERE, "manifest.files", f"lists {name}, which is missing"))
    return failures
