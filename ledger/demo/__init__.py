"""The demo scenario: the Tongcheng care fund, Taihu points, Yuexi projects, Wangjiang inspection.

Each part is loaded unless already present, so running the demo twice writes nothing new.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from ledger.clock import SteppingClock
from ledger.demo.carefund import carefund_summary, load_carefund
from ledger.demo.ids import seeded_ids
from ledger.demo.points import load_points
from ledger.demo.summary import other_summary
from ledger.demo.supervision import bottom_tenth_cases, key_projects, wangjiang_inspection
from ledger.ledger import Ledger
from ledger.points.service import Points


def load_demo(ledger: Ledger) -> bool:
    """Load every part not yet present; True if anything was written."""
    wrote = load_carefund(ledger)
    points = Points(ledger)
    if not ledger.app.exists(points.scheme_id):
        clock = SteppingClock(datetime(2023, 1, 5, 9, 0, tzinfo=UTC), timedelta(seconds=1))
        ledger.clock = clock
        ledger.new_id = seeded_ids(1296)
        rng = random.Random(1296)
        load_points(ledger, clock, rng)
        bottom_tenth_cases(ledger, clock)
        key_projects(ledger, clock, rng)
        wangjiang_inspection(ledger, clock, rng)
        wrote = True
    return wrote


def demo_summary(ledger: Ledger) -> list[str]:
    """Printable lines, computed from the stored records (not from the loader's memory)."""
    lines = ["Tongcheng pioneer care fund (桐城市先锋关爱基金)"]
    lines += ["  " + year.line() for year in carefund_summary(ledger)]
    return lines + other_summary(ledger)
