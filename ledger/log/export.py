"""The auditor's bundle: every leaf's data, the signed checkpoints, the log's public key.

    DIR/records.jsonl      line i (from 0) is exactly the data of leaf i, then LF
    DIR/checkpoint         the newest witnessed checkpoint (covering every line): its
                           cosignatures satisfy the log's policy (``unwitnessed``: the newest
                           signed one, witnessed or not)
    DIR/checkpoints/SIZE   every signed checkpoint, named by its tree size
    DIR/keys/log.vkey      the log's verifier key, one line
    DIR/keys/witness-NAME.vkey   each witness's verifier key named by the policy
    DIR/policy             the operator's declared trust policy (verify/policy.py)
    DIR/MANIFEST.json      what each file is, format versions, size, root and the business
                           timezone the records' dates are taken in (canonical JSON)

Records are streamed in batches of plain SQL (keyset on the notification id: each batch
costs the same wherever it starts in the log); while writing, the root is recomputed and
must equal the checkpoint's, so a bundle that was written is a bundle that verifies.
"""

from __future__ import annotations

import base64
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from eventsourcing.persistence import ApplicationRecorder

from ledger.errors import LedgerError
from ledger.log.checkpoints import all_checkpoints, latest, latest_witnessed
from ledger.log.store import LogStore
from ledger.mapper import unpack_state
from verify.canonical import canonical_bytes
from verify.checkpoint import open_checkpoint
from verify.days import DEFAULT_TIMEZONE
from verify.merkle import CompactRange, leaf_hash
from verify.note import NoteError, parse_vkey
from verify.policy import Policy

BUNDLE_FORMAT = "gongshi-bundle/v1"
Progress = Callable[[int, int], None]
Publisher = Callable[[Path, int], object]


class ExportError(LedgerError):
    """The bundle can't be written (no checkpoint, directory not empty, root mismatch)."""


@dataclass(frozen=True)
class ExportSummary:
    size: int
    root: bytes
    checkpoints: int


def export_bundle(
    store: LogStore,
    recorder: ApplicationRecorder,
    out: Path,
    vkey: str,
    progress: Progress | None = None,
    policy: Policy | None = None,
    publish: Publisher | None = None,
    unwitnessed: bool = False,
    timezone: str = DEFAULT_TIMEZONE,
) -> ExportSummary:
    """Write the bundle for the newest witnessed checkpoint (``unwitnessed``: the newest
    signed one) into ``out`` (new or empty); ExportError if there is none, naming the newest
    signed one. ``publish(dir, tree_size)`` adds the published lists (projections/publish.py).
    Older checkpoints are those up to it, with the cosignatures stored so far."""
    newest = latest(store)
    signed = newest if unwitnessed else latest_witnessed(store)
    if signed is None:
        if newest is None:
            raise ExportError("no signed checkpoint yet: run 'gongshi checkpoint' first")
        raise ExportError(
            f"no witnessed checkpoint yet: the newest signed one (size {newest.checkpoint.size})"
            " lacks the cosignatures its policy requires (see 'gongshi log status'); "
            "--unwitnessed exports it anyway"
        )
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ExportError(f"{out} exists and is not an empty directory")
    try:
        open_checkpoint(signed.note, signed.checkpoint.origin, parse_vkey(vkey))
    except NoteError as e:
        raise ExportError(f"the log vkey does not verify the latest checkpoint: {e}") from None
    final, out = out, out.with_name(out.name + ".partial")
    if out.exists():
        shutil.rmtree(out)  # an earlier export that was interrupted
    size, root = signed.checkpoint.size, signed.checkpoint.root
    first, last = store.notification_of(0), store.notification_of(size - 1)
    assert first is not None and last is not None
    (out / "keys").mkdir(parents=True, exist_ok=True)
    (out / "checkpoints").mkdir(exist_ok=True)
    tree = CompactRange()
    with (out / "records.jsonl").open("wb") as f:
        for state in store.records_between(first, last):
            _, record = unpack_state(state)
            f.write(record + b"\n")
            tree.append(leaf_hash(record))
            if progress is not None and tree.size % 10_000 == 0:
                progress(tree.size, size)
    if (tree.size, tree.root()) != (size, root):
        raise ExportError(
            f"records give size {tree.size} root {tree.root().hex()}, checkpoint says "
            f"size {size} root {root.hex()}"
        )
    (out / "checkpoint").write_bytes(signed.note.encode())
    every = [c for c in all_checkpoints(store) if c.checkpoint.size <= size]
    for c in every:
        (out / "checkpoints" / str(c.checkpoint.size)).write_bytes(c.note.encode())
    (out / "keys" / "log.vkey").write_bytes(vkey.strip().encode() + b"\n")
    if policy is not None:
        (out / "policy").write_bytes(policy.text().encode())
        for label, witness in policy.witnesses.items():
            (out / "keys" / f"witness-{label}.vkey").write_bytes(
                witness.verifier.vkey().encode() + b"\n"
            )
    which = "newest signed checkpoint, witnessed or not" if unwitnessed else (
        "newest checkpoint witnessed under the policy")  # fmt: skip
    files = {
        "records.jsonl": "leaf data, one record per line (gongshi record, docs/FORMAT.md)",
        "checkpoint": f"{which} (c2sp.org/tlog-checkpoint, with its cosignatures) over all lines",
        "checkpoints/": "every signed checkpoint, file named by tree size",
        "keys/log.vkey": "the log's Ed25519 verifier key (c2sp.org/signed-note vkey)",
        "keys/witness-NAME.vkey": "the witnesses' verifier keys (type 0x04 or 0x06)",
        "policy": "the operator's declared policy (c2sp.org/tlog-policy)",
    }
    if publish is not None:
        publish(out, size)
        files["published/"] = "the public lists, each a header line then rows (FORMAT.md §8)"
    manifest = {
        "format": BUNDLE_FORMAT,
        "origin": signed.checkpoint.origin,
        "tree_size": size,
        "root": base64.b64encode(root).decode(),
        "timezone": timezone,
        "files": files,
    }
    (out / "MANIFEST.json").write_bytes(canonical_bytes(manifest) + b"\n")
    if final.exists():
        final.rmdir()  # empty, checked above
    out.rename(final)
    return ExportSummary(size=size, root=root, checkpoints=len(every))
