"""The log's trust loop wired together for a long-running process (``gongshi serve``,
``gongshi log follow``): the policy file, the checkpoint scheduler and the submitter that
takes each new checkpoint to the witnesses."""

from __future__ import annotations

from dataclasses import dataclass

from ledger.clock import Clock
from ledger.log.keys import load_signer
from ledger.log.scheduler import CheckpointScheduler
from ledger.log.store import LogStore
from ledger.log.submitter import WitnessSubmitter
from ledger.log.witnesses import PolicyFile
from ledger.settings import Settings
from verify.note import Verifier, parse_vkey


def log_verifier(settings: Settings) -> Verifier | None:
    """The log's public key: keys/log.vkey, else derived from keys/log.skey; None if
    neither exists yet."""
    if settings.log_vkey_path.exists():
        return parse_vkey(settings.log_vkey_path.read_text())
    if settings.log_skey_path.exists():
        return load_signer(settings.log_skey_path, settings.origin).verifier
    return None


def log_policy(settings: Settings) -> PolicyFile | None:
    """The log's policy, re-read when the file changes; None without a log key."""
    log = log_verifier(settings)
    return None if log is None else PolicyFile(settings.home, log)


@dataclass
class Checkpointing:
    scheduler: CheckpointScheduler
    submitter: WitnessSubmitter

    @property
    def error(self) -> BaseException | None:
        return self.scheduler.error or self.submitter.error

    def stop(self) -> None:
        self.scheduler.stop()
        self.submitter.stop()


def start_checkpointing(
    store: LogStore, settings: Settings, clock: Clock, policy: PolicyFile
) -> Checkpointing:
    """Start signing every ``settings.checkpoint_interval`` s and submitting to witnesses.
    Requires the log key (``gongshi keys init``)."""
    signer = load_signer(settings.log_skey_path, settings.origin)
    poll = min(1.0, settings.checkpoint_interval)
    submitter = WitnessSubmitter(store, policy, clock, poll=poll).start()
    scheduler = CheckpointScheduler(
        store, signer, settings.origin, clock, settings.checkpoint_interval, policy,
        on_signed=submitter.wake,
    ).start()  # fmt: skip
    return Checkpointing(scheduler, submitter)
