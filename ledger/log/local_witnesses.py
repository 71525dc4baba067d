"""For the demo and tests: the departments' witnesses run in this process, from their keys
and states under ``$GONGSHI_HOME`` (keys/witness-NAME.skey, witness/NAME.json), over the
newest signed checkpoint; their lines are stored like any other (ledger/log/cosignatures.py).
In real use each department runs ``gongshi-verify witness serve`` and the log submits to it.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from ledger.files import private_dir
from ledger.log import tree
from ledger.log.checkpoints import latest
from ledger.log.cosignatures import add_cosignature, log_note
from ledger.log.store import LogStore
from ledger.log.witnesses import WitnessError, witness_paths
from verify.note import parse_note, parse_skey
from verify.policy import Policy
from verify.witness import cosign, read_state


def run_local_witnesses(
    store: LogStore, home: Path, names: tuple[str, ...], timestamp: int, policy: Policy,
    at: datetime,
) -> list[str]:  # fmt: skip
    """Each named witness cosigns the newest checkpoint (given a consistency proof from the
    size it last cosigned) at POSIX ``timestamp``; its line is verified and stored. Returns
    the names that cosigned."""
    signed = latest(store)
    if signed is None:
        return []
    if signed.checkpoint.origin != policy.log.name:
        raise WitnessError(f"the policy's log {policy.log.name} is not {signed.checkpoint.origin}")
    size = signed.checkpoint.size
    cosigned = []
    for name in names:
        signer = parse_skey(witness_paths(home / "keys", name)[0].read_text())
        state_path = private_dir(home / "witness") / f"{name}.json"
        state = read_state(state_path)
        proof = None
        if state is not None and state.checkpoint.size <= size:
            proof = tree.consistency_proof(state.checkpoint.size, size, store.fetch)
        lines = cosign(state_path, signer, log_note(signed.note), policy.log, timestamp, proof)
        for line in parse_note(signed.checkpoint.text() + "\n" + lines).signatures:
            add_cosignature(store, policy, line.line, at, size)
        cosigned.append(name)
    return cosigned
