"""Whether a checkpoint covers a record's leaf: "已纳入检查点" (with the smallest signed
checkpoint that includes it, and whether its cosignatures satisfied the witnesses' policy)
or "待纳入检查点" (the log signs one every GONGSHI_CHECKPOINT_INTERVAL seconds)."""

from __future__ import annotations

from typing import Any

from api.history import proof_url
from api.services import Services
from ledger.log.checkpoints import covering

COVERED = "已纳入检查点"
PENDING = "待纳入检查点"


def with_checkpoint(s: Services, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``records`` (each with ``stream``, ``version``, ``leaf_index``) with ``checkpoint``
    (COVERED or PENDING), ``checkpoint_size`` (or None), ``witnessed`` and ``proof``."""
    found = []
    for record in records:
        leaf = record.get("leaf_index")
        signed = covering(s.ledger.log, leaf) if leaf is not None else None
        witnessed = signed is not None and covering(s.ledger.log, leaf, witnessed=True) is not None
        found.append({
            **record, "checkpoint": COVERED if signed is not None else PENDING,
            "checkpoint_size": signed.checkpoint.size if signed is not None else None,
            "witnessed": witnessed,
            "proof": record.get("proof") or proof_url(record["stream"], record["version"]),
        })  # fmt: skip
    return found
