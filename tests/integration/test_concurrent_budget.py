"""The budget cap holds when approvals race: threads (both backends) and two processes (PostgreSQL).

Approval saves the fund year and the case in one transaction; a racing writer hits the fund
year's next version, gets a conflict, reloads and re-checks the cap.
"""

from __future__ import annotations

import multiprocessing
import threading
from typing import Any
from uuid import UUID

import pytest

from ledger.carefund.config import FundConfig
from ledger.carefund.service import CareFund
from ledger.check import check_store
from ledger.errors import RuleViolation
from ledger.ledger import Ledger, open_ledger
from ledger.settings import Settings, parse_database_url
from tests.integration.helpers import UNION, YEAR, funded, reviewed
from tests.support.principals import enrolled

BUDGET = 450_000  # three tier-3 grants of 1,500 yuan
CASES = 8


def _approve_all(settings: Settings, cases: list[UUID], barrier: Any) -> list[str]:
    """Open a ledger of one's own, wait for the others, approve each case; outcome per case."""
    ledger = open_ledger(settings)
    fund = CareFund(ledger, FundConfig(budget_fen=BUDGET))
    outcomes = []
    try:
        barrier.wait(timeout=30)
        for case in cases:
            try:
                fund.approve(case, 3, UNION)
                outcomes.append("approved")
            except RuleViolation as e:
                outcomes.append(e.rule)
    finally:
        ledger.close()
    return outcomes


def _prepare(ledger: Ledger) -> list[UUID]:
    fund = funded(ledger, received_fen=BUDGET, budget_fen=BUDGET)
    return [reviewed(fund, tier=3) for _ in range(CASES)]


def _assert_capped(ledger: Ledger, outcomes: list[str]) -> None:
    assert sorted(outcomes) == sorted(["approved"] * 3 + ["carefund.budget_cap"] * (CASES - 3))
    year = CareFund(ledger, FundConfig(budget_fen=BUDGET)).fund_year(YEAR)
    assert (year.granted_fen, year.grants, year.remaining_budget_fen) == (BUDGET, 3, 0)
    assert check_store(ledger.app.recorder).ok


def test_threads_racing_approvals_never_exceed_budget(ledger: Ledger, settings: Settings) -> None:
    cases = _prepare(ledger)
    workers = 4
    barrier = threading.Barrier(workers)
    results: list[list[str]] = [[] for _ in range(workers)]

    def run(i: int) -> None:
        # Each thread takes every case, in a different order: maximal contention.
        order = cases[i:] + cases[:i]
        results[i] = _approve_all(settings, order, barrier)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    flat = [o for r in results for o in r]
    # A case approved by one thread is "carefund.order" for the others.
    approved = flat.count("approved")
    assert approved == 3, flat
    assert set(flat) <= {"approved", "carefund.budget_cap", "carefund.order"}
    year = CareFund(ledger, FundConfig(budget_fen=BUDGET)).fund_year(YEAR)
    assert (year.granted_fen, year.grants, year.remaining_budget_fen) == (BUDGET, 3, 0)
    assert check_store(ledger.app.recorder).ok


def _process_entry(url: str, home: str, key: str, cases: list[str], barrier: Any, out: Any) -> None:
    from pathlib import Path

    settings = Settings(Path(home), parse_database_url(url), key)
    out.put(_approve_all(settings, [UUID(c) for c in cases], barrier))


@pytest.mark.postgres
def test_two_processes_racing_approvals_never_exceed_budget(
    pg_database: Any, tmp_path: Any
) -> None:
    from tests.conftest import make_settings

    settings = make_settings(pg_database, tmp_path / "home")
    ledger = enrolled(open_ledger(settings))
    try:
        cases = _prepare(ledger)
        ctx = multiprocessing.get_context("spawn")
        barrier = ctx.Barrier(2)
        out = ctx.Queue()
        halves = [cases[0::2], cases[1::2]]
        procs = [
            ctx.Process(
                target=_process_entry,
                args=(
                    settings.database.url,
                    str(settings.home),
                    settings.vault_key_hex,
                    [str(c) for c in half],
                    barrier,
                    out,
                ),
            )
            for half in halves
        ]
        for p in procs:
            p.start()
        outcomes = out.get(timeout=120) + out.get(timeout=120)
        for p in procs:
            p.join(timeout=60)
            assert p.exitcode == 0
        _assert_capped(ledger, outcomes)
    finally:
        ledger.close()
