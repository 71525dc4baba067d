"""Whether a checkpoint covers a record's leaf: "已纳入检查点" once a witnessed checkpoint
(its cosignatures satisfied the log's policy: the one the record's proof is made against)
includes it, with that checkpoint's size; else "待纳入检查点" (the log signs one every
GONGSHI_CHECKPOINT_INTERVAL seconds, then the witnesses cosign it), saying so when the leaf
is in a signed checkpoint still being cosigned."""

from __future__ import annotations

from typing import Any

from api.history import proof_url
from api.services import Services
from ledger.log.checkpoints import covering

COVERED = "已纳入检查点"
PENDING = "待纳入检查点"


def with_checkpoint(s: Services, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``records`` (each with ``stream``, ``version``, ``leaf_index``) with ``checkpoint``
    (COVERED or PENDING), ``checkpoint_size`` (the witnessed checkpoint's, or None),
    ``cosigning`` (in a signed checkpoint not yet witnessed) and ``proof``."""
    found = []
    for record in records:
        leaf = record.get("leaf_index")
        witnessed = covering(s.ledger.log, leaf, witnessed=True) if leaf is not None else None
        signed = covering(s.ledger.log, leaf) if leaf is not None and not witnessed else None
        found.append({
            **record, "checkpoint": COVERED if witnessed is not None else PENDING,
            "checkpoint_size": witnessed.checkpoint.size if witnessed is not None else None,
            "cosigning": signed is not None,
            "proof": record.get("proof") or proof_url(record["stream"], record["version"]),
        })  # fmt: skip
    return found
