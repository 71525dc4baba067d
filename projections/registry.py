"""Every projection, by list name, and the runners that keep them in a ledger's database."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import tzinfo
from typing import Any

from ledger.db import SqlDatabase, schema_lock
from ledger.ledger import Ledger
from ledger.settings import Settings
from ledger.vault import Vault, load_master_key
from projections.assessment_loops import AssessmentLoops
from projections.audit_results import AuditResults
from projections.base import DEFAULT_ZONE, NameLookup, Projection
from projections.disbursements import Disbursements
from projections.fund_ledger import FundLedger
from projections.key_projects import KeyProjects
from projections.lectures import Lectures
from projections.mentoring_pairs import MentoringPairs
from projections.names import vault_names
from projections.objections import Objections
from projections.points import Points
from projections.postings import Postings
from projections.runner import Progress, Runner, Status, step_together, table_name
from projections.supervision_cases import SupervisionCases
from projections.training_classes import TrainingClasses

PROJECTIONS: tuple[type[Projection], ...] = (
    FundLedger, Disbursements, AuditResults, Points, SupervisionCases, KeyProjects,
    Lectures, AssessmentLoops, MentoringPairs, TrainingClasses, Postings, Objections,
)  # fmt: skip
NAMES = tuple(p.name for p in PROJECTIONS)
FOLLOW_BATCH = 2_000  # leaves per transaction while following: short write locks
REBUILD_BATCH = 20_000  # while rebuilding: fewer re-rankings and row rewrites per leaf
Factory = Callable[[], Projection]


class UnknownProjection(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no projection {name!r}; the projections are {', '.join(NAMES)}")


def params_from(settings: Settings) -> dict[str, dict[str, int]]:
    """Each projection's params from the settings (only those that have params)."""
    return {
        "disbursements": {"posting_window_days": settings.posting_window_days},
    }


def factories(
    names: NameLookup, params: dict[str, dict[str, int]], zone: tzinfo = DEFAULT_ZONE
) -> dict[str, Factory]:
    """A fresh projection per call (a rebuild never shares state with the live runner);
    ``zone``: the business timezone the leaves' dates are taken in."""

    def make(kind: type[Projection]) -> Factory:
        return lambda: kind(names, params.get(kind.name), zone)

    return {kind.name: make(kind) for kind in PROJECTIONS}


class ProjectionSet:
    """The runners of every projection over one database (one set per thread)."""

    def __init__(
        self, db: SqlDatabase, make: dict[str, Factory], batch: int = FOLLOW_BATCH,
        closing: Callable[[], None] | None = None,
    ) -> None:  # fmt: skip
        self.closing = closing
        self.db = db
        self.make = make
        self.batch = batch
        self.runners = {name: Runner(db, factory(), batch=batch) for name, factory in make.items()}

    def select(self, names: Iterable[str] | None = None) -> list[Runner]:
        """The runners named (all when None); UnknownProjection for a wrong name."""
        chosen = list(self.runners) if names is None else list(names)
        for name in chosen:
            if name not in self.runners:
                raise UnknownProjection(name)
        return [self.runners[name] for name in chosen]

    def catch_up(
        self, names: Iterable[str] | None = None, stop: int | None = None,
        progress: Progress | None = None,
    ) -> int:  # fmt: skip
        """Bring the named projections up to the log (or leaf ``stop``), reading the leaves
        once for all that are at the same position; returns the leaves applied."""
        runners = self.select(names)
        total = 0
        while added := step_together(self.db, runners, stop):
            total += added
            if progress is not None:
                progress(min(r.position() for r in runners), runners[0].log_size())
        return total

    def close(self) -> None:
        """Release what the set opened (the vault's connections); not the ledger's database."""
        if self.closing is not None:
            self.closing()

    def status(self) -> list[Status]:
        return [runner.status() for runner in self.select()]

    def runner(self, name: str, shadow: bool = False) -> Runner:
        """A new runner for ``name`` (the shadow table when ``shadow``)."""
        if name not in self.make:
            raise UnknownProjection(name)
        return Runner(self.db, self.make[name](), table_name(name, shadow), self.batch)


def open_projections(ledger: Ledger, settings: Settings, **kwargs: Any) -> ProjectionSet:
    """The projections of ``ledger``; names are read from the vault on their own connection
    (a runner's transaction must not be shared with the vault's reads)."""
    vault_db = SqlDatabase(settings.database, pool=ledger.db.pool)
    with schema_lock(settings.database):
        vault = Vault(vault_db, load_master_key(settings.vault_key_hex, settings.vault_key_path))
    make = factories(vault_names(vault), params_from(settings), settings.zone)
    return ProjectionSet(ledger.db, make, closing=vault_db.close, **kwargs)


@contextmanager
def projections_of(ledger: Ledger, settings: Settings, **kwargs: Any) -> Iterator[ProjectionSet]:
    """``open_projections`` for the length of a ``with`` block; closed afterwards."""
    projections = open_projections(ledger, settings, **kwargs)
    try:
        yield projections
    finally:
        projections.close()
