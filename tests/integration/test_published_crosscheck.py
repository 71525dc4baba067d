"""Two implementations of docs/FORMAT.md §8 checked against each other: the projections
(incremental, in the database) and verify/lists.py (a fold over the records alone), on
randomized ledgers (hypothesis) and on a fixed random history on both backends. The histories
are valid by construction (tests/integration/random_history.py): a refused command fails the
test instead of being skipped."""

from __future__ import annotations

import json
import random
import secrets
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ledger.clock import SteppingClock
from ledger.demo.ids import seeded_ids
from ledger.ledger import Ledger, open_ledger
from ledger.settings import Settings, parse_database_url
from projections.registry import ProjectionSet
from tests.integration.projection_helpers import projected, rows_of
from tests.integration.random_history import KINDS, Operation, RandomHistory
from verify.published import compare, recompute

OPS = st.lists(
    st.tuples(st.integers(0, KINDS - 1), st.integers(0, 1000), st.integers(0, 1000)), max_size=40
)
# What the fixed history below must produce: every type the lists read, and the ones around them
PRODUCED = {
    "subject.Registered", "subject.Erased",
    "carefund.FundYearOpened", "carefund.ContributionReceived", "carefund.AuditResultRecorded",
    "carefund.ApplicationSubmitted", "carefund.ApplicationReviewed",
    "carefund.ApplicationApproved", "carefund.ApplicationRejected", "carefund.GrantCommitted",
    "carefund.GrantDisbursed", "carefund.DisbursementBooked", "carefund.FollowUpRecorded",
    "carefund.GrantRevoked", "carefund.RecoveryReceived", "carefund.RecoveryBooked",
    "points.SchemeOpened", "points.TaskPlanSet", "points.BookOpened", "points.ScoreEntered",
    "points.Appraised",
    "supervision.CaseOpened", "supervision.TalkHeld", "supervision.GuidanceGiven",
    "supervision.CaseListed", "supervision.RectificationReported", "supervision.CaseClosed",
    "keyproject.Registered", "keyproject.ProgressReported", "keyproject.ItemEscalated",
    # the rules of issue 13: enrolled principals, the care fund's queue, allocations, the
    # year-end close (seals, reopening) and erasure by request and approval
    "principal.Enrolled", "carefund.ApplicationQueued", "points.AllocationRegisterOpened",
    "points.ResponsibilityAllocated", "points.BookSealed", "points.RankingPart",
    "points.YearClosed",
    "points.BookUnsealed", "points.YearReopened", "subject.ErasureRequested",
    "subject.ErasureApproved",
}  # fmt: skip


def fixed_operations(count: int, seed: int) -> list[Operation]:
    """A reproducible history of ``count`` operations (randomness passed in as ``seed``)."""
    rng = random.Random(seed)
    return [(rng.randrange(KINDS), rng.randrange(1001), rng.randrange(1001)) for _ in range(count)]


def _records(ledger: Ledger) -> list[bytes]:
    from ledger.check import iter_notifications
    from ledger.mapper import unpack_state

    return [unpack_state(n.state)[1] for n in iter_notifications(ledger.app.recorder)]


def assert_lists_agree(ledger: Ledger, projections: ProjectionSet) -> None:
    size = ledger.log.state().size
    assert all(s.position == size for s in projections.status())
    params = {name: runner.projection.params for name, runner in projections.runners.items()}
    recomputed = recompute(_records(ledger)[:size], params)
    for name in projections.runners:
        published = sorted(rows_of(projections, name).values(), key=lambda r: r["key"])
        assert compare(f"published/{name}.jsonl", published, recomputed[name]) == []


@hsettings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=OPS)
def test_projections_and_the_verifier_compute_the_same_lists(
    ops: list[tuple[int, int, int]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        database = parse_database_url(f"sqlite:///{tmp}/ledger.db")
        settings = Settings(Path(tmp), database, secrets.token_hex(32))
        clock = SteppingClock(datetime(2023, 3, 1, 9, 0, tzinfo=UTC), timedelta(minutes=1))
        ledger = open_ledger(settings, clock=clock, new_id=seeded_ids(3))
        try:
            RandomHistory(ledger, clock).apply(ops)  # raises on any refused command
            projections = projected(ledger, settings, batch=5)  # many small batches
            assert_lists_agree(ledger, projections)
        finally:
            ledger.close()


def test_lists_agree_on_both_backends(
    ledger: Ledger, settings: Settings, clock: SteppingClock
) -> None:
    RandomHistory(ledger, clock).apply(fixed_operations(150, seed=11))  # raises on any refusal
    records = [json.loads(r) for r in _records(ledger)]
    assert {r["type"] for r in records} == PRODUCED
    corrections = [
        r for r in records if r["type"] == "points.ScoreEntered" and r["data"]["corrects"]
    ]
    evaluated = [
        r for r in records if r["type"] == "points.ScoreEntered"
        and r["data"]["component"] == "evaluation" and r["data"]["corrects"] is None
    ]  # fmt: skip
    escalated = [
        r for r in records if r["type"] == "supervision.CaseOpened" and r["data"]["trigger"]
    ]
    assert corrections and evaluated and escalated  # the rarer shapes of the records the lists read
    assert_lists_agree(ledger, projected(ledger, settings, batch=9))
