"""Running and rebuilding projections: exactly-once after a crash, shadow rebuild under
concurrent writes, read-your-writes waits, and differences reported rather than swapped."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from ledger.carefund.config import FundConfig
from ledger.carefund.service import CareFund
from ledger.clock import SteppingClock
from ledger.errors import RuleViolation
from ledger.ledger import Ledger, open_ledger
from ledger.settings import Settings
from projections.follow import ProjectionFollower, wait_for
from projections.points import Points as PointsProjection
from projections.rebuild import rebuild, rebuild_all, rebuild_shadow
from projections.registry import PROJECTIONS, UnknownProjection, open_projections
from projections.runner import ProjectionStateError, Runner
from tests.integration.helpers import INTAKE, disbursed, funded
from tests.integration.points_helpers import cadre_book, points_ready, worked
from tests.integration.projection_helpers import projected, rows_of

ROOT = Path(__file__).resolve().parents[2]


def _some_points(ledger: Ledger, clock: SteppingClock, cadres: int = 30) -> None:
    points = points_ready(ledger, clock)
    for n in range(cadres):
        book = cadre_book(points, ("principal", "deputy")[n % 2], f"王{n}")
        for quarter in (1, 2):
            worked(points, book, (n * 7) % 40 + 1, quarter)


def _fresh_digests(ledger: Ledger, settings: Settings) -> dict[str, str]:
    """Every projection built from scratch, uninterrupted, in shadow tables."""
    projections = open_projections(ledger, settings)
    found = {}
    for name in projections.runners:
        runner = projections.runner(name, shadow=True)
        runner.catch_up()
        found[name] = runner.digest()[0]
    return found


def test_killed_mid_batch_then_restarted_gives_the_uninterrupted_digest(
    ledger: Ledger, settings: Settings, clock: SteppingClock
) -> None:
    _some_points(ledger, clock)
    funded(ledger)
    ledger.log.integrate()
    size = ledger.log.state().size
    assert settings.vault_key_hex is not None
    died = subprocess.run(
        [sys.executable, "-m", "tests.support.projection_worker", settings.database.url,
         str(settings.home), settings.vault_key_hex, "16", str(size // 2 + 3)],
        cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert died.returncode == 9
    projections = open_projections(ledger, settings, batch=16)
    position = projections.runners["points"].position()
    assert 0 < position <= size // 2 + 3 and position % 16 == 0  # whole batches only
    projections.catch_up()
    assert {s.name: s.digest for s in projections.status()} == _fresh_digests(ledger, settings)


def test_shadow_rebuild_under_concurrent_writes_ends_with_equal_digests(
    ledger: Ledger, settings: Settings
) -> None:
    fund = funded(ledger)
    for _ in range(5):
        disbursed(fund)
    projections = projected(ledger, settings, batch=7)
    stop = threading.Event()

    paid = threading.Event()

    def write() -> None:
        """Grants paid (rows of the disbursement list and the fund ledger change) and
        subjects registered, integrated as they go, until the rebuilds are done."""
        writer = open_ledger(settings)
        paying = CareFund(writer, FundConfig(budget_fen=5_000_000))
        try:
            n = 0
            while (n < 12 or not stop.is_set()) and n < 400:  # at least 6 grants
                writer.register_subject({"name": f"并发{n}"}, "worker", INTAKE)
                if n % 2 == 0:
                    with contextlib.suppress(RuleViolation):  # once the budget is spent
                        disbursed(paying, n % 3 + 1)
                writer.log.integrate_step(5)
                paid.set()
                n += 1
        finally:
            writer.close()

    follower_set = open_projections(ledger, settings, batch=7)
    follower = ProjectionFollower(follower_set, interval=0.01).start()
    thread = threading.Thread(target=write)
    thread.start()
    assert paid.wait(30)
    try:
        reports = [rebuild_shadow(projections, name) for name in ("disbursements", "points")]
    finally:
        stop.set()
        thread.join()
        follower.stop()
    assert follower.error is None
    for report in reports:
        assert report.identical and report.swapped, report
    ledger.log.integrate()
    projections.catch_up()
    assert len(rows_of(projections, "disbursements")) > 6  # grants were paid meanwhile
    fresh = _fresh_digests(ledger, settings)
    assert {s.name: s.digest for s in projections.status()} == fresh


def test_plain_rebuild_replays_to_the_same_digest(
    ledger: Ledger, settings: Settings, clock: SteppingClock
) -> None:
    _some_points(ledger, clock, cadres=6)
    projections = projected(ledger, settings)
    before = projections.runners["points"].status()
    report = rebuild(projections, "points")
    assert report.identical and report.position == before.position
    assert projections.runners["points"].status() == before


def test_tampered_live_row_is_reported_and_not_swapped(
    ledger: Ledger, settings: Settings, clock: SteppingClock
) -> None:
    _some_points(ledger, clock, cadres=4)
    projections = projected(ledger, settings)
    key = sorted(rows_of(projections, "points"))[0]
    table = projections.runners["points"].table
    projections.db.execute(
        f"UPDATE {table} SET body = REPLACE(body, '\"total\":', '\"total\":9') WHERE key = ?",
        (key,),
    )
    report = rebuild_shadow(projections, "points")
    assert not report.identical and not report.swapped
    assert report.differing_keys == [key]
    assert rows_of(projections, "points")[key]["total"] >= 9  # the live table still serves


def test_wait_for_is_read_your_writes(ledger: Ledger, settings: Settings) -> None:
    fund = funded(ledger)
    projections = projected(ledger, settings)
    follower = ProjectionFollower(open_projections(ledger, settings), interval=0.01).start()
    try:
        case = disbursed(fund)
        ledger.log.integrate()
        size = ledger.log.state().size
        assert wait_for(projections, size, ["disbursements"], timeout=20)
        assert str(case) in rows_of(projections, "disbursements")
        assert not wait_for(projections, size + 1, timeout=0.05)  # no such leaf yet
    finally:
        follower.stop()
    with pytest.raises(ValueError, match=">= 0"):
        wait_for(projections, -1)


def test_status_shows_lag_until_caught_up(ledger: Ledger, settings: Settings) -> None:
    funded(ledger)
    ledger.log.integrate()
    projections = open_projections(ledger, settings)
    status = {s.name: s for s in projections.status()}
    assert status["fund-ledger"].lag == ledger.log.state().size and status["fund-ledger"].rows == 0
    projections.catch_up()
    assert all(s.lag == 0 for s in projections.status())


def test_bad_names_and_params_are_rejected(ledger: Ledger, settings: Settings) -> None:
    projections = open_projections(ledger, settings)
    with pytest.raises(UnknownProjection, match="no projection 'pointz'"):
        projections.select(["pointz"])
    with pytest.raises(ValueError, match="unknown param 'excellence'"):
        PointsProjection(lambda _: None, {"excellence": 3})
    with pytest.raises(ValueError, match="unknown param 'excellence_per_category'"):
        PointsProjection(lambda _: None, {"excellence_per_category": 3})  # the close's now
    with pytest.raises(ValueError, match="batch"):
        Runner(projections.db, PointsProjection(lambda _: None), batch=0)


def test_rebuild_all_catches_up_the_laggards_then_compares_at_the_log_end(
    ledger: Ledger, settings: Settings, clock: SteppingClock
) -> None:
    _some_points(ledger, clock, cadres=6)
    projections = projected(ledger, settings, batch=11)
    disbursed(funded(ledger))
    ledger.log.integrate()
    projections.catch_up(["fund-ledger"])  # one projection ahead of the others
    assert len({s.position for s in projections.status()}) == 2
    reports = rebuild_all(projections)
    size = ledger.log.state().size
    assert {r.position for r in reports} == {size} and len(reports) == len(PROJECTIONS)
    assert all(r.identical for r in reports), reports
    assert all(s.position == size for s in projections.status())
    assert {s.name: s.digest for s in projections.status()} == _fresh_digests(ledger, settings)


def test_table_built_with_other_params_is_refused_until_rebuilt(
    ledger: Ledger, settings: Settings, clock: SteppingClock
) -> None:
    """A table built with other params is refused (catch-up and shadow rebuild alike) until a
    plain rebuild. The disbursements list's posting_window_days no longer changes its rows (the
    posting window is each fund year's ``posting_days``, the param only covers a fund year
    missing from the leaves), so its table is refused all the same and rebuilds identical; the
    points list has no param (its excellence candidates are the closed year's top set)."""
    from dataclasses import replace

    _some_points(ledger, clock, cadres=6)
    disbursed(funded(ledger))
    projected(ledger, settings)
    disbursed(funded_again := CareFund(ledger, FundConfig(budget_fen=5_000_000)))
    del funded_again
    ledger.log.integrate()
    other = open_projections(ledger, replace(settings, posting_window_days=10))
    with pytest.raises(ProjectionStateError, match="built with params"):
        other.catch_up(["disbursements"])
    shadow = rebuild_shadow(other, "disbursements")
    assert not shadow.swapped and "use a plain rebuild" in shadow.note
    report = rebuild(other, "disbursements")
    assert report.built_with == '{"posting_window_days":30}' and not report.failed
    assert report.identical  # the window is the fund year's: the same list
    other.catch_up()
    years = [r for r in rows_of(other, "points").values() if r["period"] == "year"]
    assert years and all(r["excellent_candidate"] is None for r in years)  # no close yet
    assert all(r["withdrawn_on"] for r in rows_of(other, "disbursements").values())
    assert [r.failed for r in rebuild_all(other)] == [False] * len(PROJECTIONS)


def test_table_ahead_of_a_reset_log_is_refused(ledger: Ledger, settings: Settings) -> None:
    disbursed(funded(ledger))
    projections = projected(ledger, settings)
    projections.db.execute("UPDATE gongshi_log_state SET size = 3 WHERE id = 1")
    with pytest.raises(ProjectionStateError, match="the log has 3 leaves"):
        projections.catch_up()


def test_record_a_handler_cannot_fold_names_the_leaf(ledger: Ledger, settings: Settings) -> None:
    from projections.base import Leaf
    from projections.rows import Rows

    runner = open_projections(ledger, settings).runners["fund-ledger"]
    runner.ensure_tables()
    broken = Leaf(0, {"type": "carefund.FundYearOpened", "stream": "s", "data": {}})
    expected = r"can't fold leaf 0 \(carefund\.FundYearOpened"
    with pytest.raises(ProjectionStateError, match=expected), ledger.db.transaction() as cur:
        runner.apply(cur, [broken], 0)
    with pytest.raises(RuntimeError, match="outside a batch"):
        Rows(runner.table).get("row", "k")


def test_reset_database_drops_the_projection_tables(ledger: Ledger, settings: Settings) -> None:
    from ledger.db import reset_database

    disbursed(funded(ledger))
    rows = {s.name: s.rows for s in projected(ledger, settings).status()}
    assert rows["disbursements"] == rows["fund-ledger"] == 1
    ledger.close()
    reset_database(settings.database)
    fresh = open_ledger(settings)
    try:
        status = open_projections(fresh, settings).status()
        assert [(s.position, s.rows) for s in status] == [(0, 0)] * len(PROJECTIONS)
    finally:
        fresh.close()
