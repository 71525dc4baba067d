"""Checkpoints on a schedule: a background thread that signs one whenever the tree has grown
and ``interval`` has passed since the last signed one (``GONGSHI_CHECKPOINT_INTERVAL``).

The decision is ``sign_checkpoint``'s, made under the integration lock from the stored
``signed_at``: any number of schedulers (server workers, ``gongshi log follow`` on other
machines) sign each interval once between them. Writes never wait for it: it reads what
was stored and takes only the integration lock, for one short transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from ledger.background import Periodic
from ledger.clock import Clock
from ledger.log.checkpoints import SignedCheckpoint, sign_checkpoint
from ledger.log.store import LogStore
from verify.note import Signer
from verify.policy import Policy


class CheckpointScheduler(Periodic):
    """Every ``tick`` seconds (default a quarter of the interval, 0.05..0.5 s): sign if due,
    then tell ``on_signed`` (the submitter). Errors are kept in ``error`` (for /healthz)."""

    def __init__(
        self,
        store: LogStore,
        signer: Signer,
        origin: str,
        clock: Clock,
        interval: float,
        policy: Callable[[], Policy],
        on_signed: Callable[[SignedCheckpoint], None] | None = None,
        tick: float | None = None,
    ) -> None:
        if interval <= 0:
            raise ValueError("the checkpoint interval must be positive")
        super().__init__(
            tick if tick is not None else min(0.5, max(0.05, interval / 4)), "gongshi-checkpoints"
        )
        self.store = store
        self.signer = signer
        self.origin = origin
        self.clock = clock
        self.every = timedelta(seconds=interval)
        self.policy = policy
        self.on_signed = on_signed

    def step(self) -> SignedCheckpoint | None:
        """Sign a checkpoint if one is due; the signed one, or None."""
        signed = sign_checkpoint(
            self.store, self.signer, self.origin, self.clock, self.policy(), self.every
        )
        if signed is not None and self.on_signed is not None:
            self.on_signed(signed)
        return signed
