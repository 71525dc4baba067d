"""What a running server holds: the ledger, the projections and their followers, the log's
policy and its checkpointing (scheduler and witness submitter), the token table, the
metrics. Built by ``create_app``'s lifespan; never a module-level global."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from fastapi import Request

from api.metrics import Metrics
from api.read_side import ReadSide
from api.tokens import Tokens
from ledger.background import describe
from ledger.carefund.config import FundConfig
from ledger.ledger import Ledger, open_ledger
from ledger.log.follower import LogFollower
from ledger.log.witnesses import PolicyFile
from ledger.log.witnessing import Checkpointing, log_policy, start_checkpointing
from ledger.settings import Settings
from ledger.supervision.escalation import DailyEscalation
from projections.erasure import ErasureJob
from projections.follow import ProjectionFollower
from projections.queries import ListReader
from projections.registry import ProjectionSet, open_projections
from verify.policy import Policy

Clock = Callable[[], datetime]


@dataclass
class Services:
    settings: Settings
    ledger: Ledger
    projections: ProjectionSet
    reader: ListReader
    tokens: Tokens
    metrics: Metrics
    followers: list[LogFollower | ProjectionFollower | DailyEscalation | ErasureJob]
    read: ReadSide  # where public reads are answered from (api/read_side.py)
    policy: PolicyFile | None = None  # None until the log has a key
    checkpointing: Checkpointing | None = None
    carefund_config: FundConfig = field(default_factory=FundConfig)

    @classmethod
    def open(cls, settings: Settings, clock: Clock, follow: bool, interval: float) -> Services:
        """Open the ledger; with ``follow``, integrate the log and keep the projections
        current in background threads (every ``interval`` seconds when idle), and, if the
        log has a key, sign checkpoints on schedule and submit them to the witnesses."""
        ledger = open_ledger(settings, clock=clock)
        projections = open_projections(ledger, settings)
        followers: list[LogFollower | ProjectionFollower | DailyEscalation | ErasureJob] = []
        policy = log_policy(settings)
        checkpointing = None
        if follow:
            followers = [
                LogFollower(ledger.log, interval).start(),
                ProjectionFollower(projections, interval).start(),
                # the overdue-project policy, once a business day (挂牌督办)
                DailyEscalation(ledger.app, ledger.clock, ledger.new_id).start(),
                # approved erasures whose holds were closed; one compaction per batch
                ErasureJob(ledger, settings).start(),
            ]
            if policy is not None and settings.log_skey_path.exists():
                checkpointing = start_checkpointing(ledger.log, settings, clock, policy)
        reader = ListReader(ledger.db)
        if settings.read_database is None:
            read = ReadSide.primary(reader, ledger.log, projections)
        else:  # public reads from the streaming replica (api/read_side.py)
            read = ReadSide.replica(settings.read_database)
        return cls(
            settings, ledger, projections, reader, Tokens(ledger.db), Metrics(),
            followers, read, policy, checkpointing,
        )  # fmt: skip

    def log_policy(self) -> Policy | None:
        """The log's policy as it stands (None while the log has no key)."""
        if self.policy is None:
            self.policy = log_policy(self.settings)
        return None if self.policy is None else self.policy()

    def errors(self) -> list[str]:
        """The followers' and the checkpointing's last errors (for /healthz): the component
        and a short reason (``ledger.background.describe``), never the exception's text.
        An error clears when the worker's next step succeeds."""
        running: list[
            LogFollower | ProjectionFollower | DailyEscalation | ErasureJob | Checkpointing
        ] = [*self.followers]
        if self.checkpointing is not None:
            running.append(self.checkpointing)
        return [f"{type(f).__name__}: {describe(f.error)}" for f in running if f.error is not None]

    def skipped(self) -> list[dict[str, str]]:
        """What the jobs' last runs skipped and will try again (for /healthz): the job, the
        item (a project or subject id: pseudonymous) and the exception's type. The reason's
        text is in the server's log only (it may quote data)."""
        found: list[dict[str, str]] = []
        for job in self.followers:
            if isinstance(job, DailyEscalation):
                items = {str(project): why for project, why in job.failed.items()}
            elif isinstance(job, ErasureJob) and job.last is not None:
                items = job.last.failed
            else:
                continue
            for item, why in sorted(items.items()):
                found.append({"job": job.name, "item": item, "error": _kind(why)})
        return found

    def close(self) -> None:
        if self.checkpointing is not None:
            self.checkpointing.stop()
        for follower in self.followers:
            follower.stop()
        self.read.close()
        self.projections.close()
        self.ledger.close()


def _kind(reason: str) -> str:
    """``RuleViolation [rule]`` (or the type alone) of a job's ``"Type: [rule] text"`` reason."""
    kind, _, text = reason.partition(": ")
    found = re.match(r"\[([\w.]+)\]", text)
    return f"{kind} [{found[1]}]" if found else kind


async def services(request: Request) -> Services:
    """FastAPI dependency: the app's services (async: no thread pool turn for a lookup)."""
    found: Services = request.app.state.services
    return found
