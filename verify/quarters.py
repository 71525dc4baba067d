"""The calendar quarters of the routine assessment (平时考核: one loop a quarter): a quarter's
first and last day, the quarter of a date, and a loop step's due date (the quarter's last day
plus the programme's ``due_days`` for the step, docs/FORMAT.md §4 and §8). One definition for
the verifier, the published lists and the ledger (ledger/assessment/)."""

from __future__ import annotations

from datetime import date, timedelta


def quarter_start(year: int, quarter: int) -> date:
    """The first day of ``quarter`` (1..4) of ``year``."""
    return date(year, 3 * quarter - 2, 1)


def quarter_end(year: int, quarter: int) -> date:
    """The last day of ``quarter`` (1..4) of ``year``: the day before the next quarter's
    first (Q4: 31 December)."""
    after = date(year + 1, 1, 1) if quarter == 4 else quarter_start(year, quarter + 1)
    return after - timedelta(days=1)


def quarter_of(day: date) -> int:
    """The quarter (1..4) ``day`` falls in."""
    return (day.month - 1) // 3 + 1


def step_due(year: int, quarter: int, days: int) -> date:
    """The due date of a loop step of ``quarter``: the quarter's last day plus ``days``."""
    return quarter_end(year, quarter) + timedelta(days=days)
