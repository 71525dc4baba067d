"""The demo scenario: the Tongcheng care fund, Taihu points, Yuexi projects, Wangjiang inspection,
Huaining's lectures and mentoring and Qianshan's routine assessment.

Each part is loaded unless already present, so running the demo twice writes nothing new.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from ledger.assessment.programme import programme_id
from ledger.clock import SteppingClock
from ledger.demo.assessment import (
    HUAINING,
    YEAR,
    assessment_complete,
    assessment_summary,
    load_assessment,
)
from ledger.demo.carefund import carefund_summary, load_carefund
from ledger.demo.erasure import erasure_requests, erasure_summary
from ledger.demo.ids import seeded_ids
from ledger.demo.imports import load_imports
from ledger.demo.points import CADRES, load_points
from ledger.demo.postings import load_postings, postings_summary
from ledger.demo.principals import enrol_demo, registry_changes
from ledger.demo.summary import other_summary
from ledger.demo.supervision import bottom_tenth_cases, key_projects, wangjiang_inspection
from ledger.errors import LedgerError
from ledger.ledger import Ledger
from ledger.points.book import PointsBook
from ledger.points.service import Points
from ledger.supervision.case import SupervisionCase
from ledger.supervision.inspection import Inspection
from ledger.supervision.project import KeyProject


@contextmanager
def _demo_time(ledger: Ledger, start: datetime, seed: int) -> Iterator[SteppingClock]:
    """A seeded id source and a stepping clock for one part; the ledger's own are restored."""
    saved = ledger.clock, ledger.new_id
    clock = SteppingClock(start, timedelta(seconds=1))
    ledger.clock, ledger.new_id = clock, seeded_ids(seed)
    try:
        yield clock
    finally:
        ledger.clock, ledger.new_id = saved


def load_demo(ledger: Ledger) -> bool:
    """Load every part not yet present; True if anything was written.

    Parts: the care fund; Taihu points with the bottom-tenth cases; Yuexi projects; the
    Wangjiang inspection; Huaining's lectures and mentoring and Qianshan's routine assessment
    (ledger/demo/assessment.py); the 公示 postings and objections (ledger/demo/postings.py);
    two 2024 applications imported from a spreadsheet (ledger/demo/imports.py);
    then the registry's changes and the erasure requests (one carried
    out, one held by an open case: ledger/demo/erasure.py). Each part has its own seed, so
    the parts are the same whatever was loaded before. A part that an interrupted run left
    half-written is reported, not repaired: start again with ``gongshi demo --reset``.
    """
    wrote = enrol_demo(ledger) > 0  # its scripted principals, before anything they record
    wrote = load_carefund(ledger) or wrote
    app = ledger.app
    points = Points(ledger)
    if not app.exists(points.scheme_id):
        with _demo_time(ledger, datetime(2023, 1, 5, 9, 0, tzinfo=UTC), 1296) as clock:
            load_points(ledger, clock, random.Random(1296))
            bottom_tenth_cases(ledger, clock)
        wrote = True
    elif len(app.streams_of(PointsBook.Opened.TOPIC)) < CADRES or not app.streams_of(
        SupervisionCase.Opened.TOPIC
    ):
        raise LedgerError("the demo's points part is incomplete: run 'gongshi demo --reset'")
    if not app.streams_of(KeyProject.Registered.TOPIC):
        with _demo_time(ledger, datetime(2023, 1, 3, 9, 0, tzinfo=UTC), 2023_10) as clock:
            key_projects(ledger, clock, random.Random(10))
        wrote = True
    if not app.streams_of(Inspection.Opened.TOPIC):
        with _demo_time(ledger, datetime(2023, 9, 4, 9, 0, tzinfo=UTC), 208) as clock:
            wangjiang_inspection(ledger, clock, random.Random(208))
        wrote = True
    if not app.exists(programme_id(HUAINING, YEAR)):
        with _demo_time(ledger, datetime(2023, 1, 4, 2, 0, tzinfo=UTC), 2023_14) as clock:
            load_assessment(ledger, clock, random.Random(14))
        wrote = True
    elif not assessment_complete(ledger):
        raise LedgerError("the demo's assessment part is incomplete: run 'gongshi demo --reset'")
    wrote = load_postings(ledger) or wrote  # 公示 and objections, by accounts changed next
    wrote = load_imports(ledger) or wrote  # a spreadsheet of two 2024 applications
    wrote = registry_changes(ledger) or wrote
    return erasure_requests(ledger) or wrote  # after the cases it holds on


def demo_summary(ledger: Ledger) -> list[str]:
    """Printable lines, computed from the stored records (not from the loader's memory)."""
    lines = ["Tongcheng pioneer care fund (桐城市先锋关爱基金)"]
    lines += ["  " + year.line() for year in carefund_summary(ledger)]
    lines += [*other_summary(ledger), *assessment_summary(ledger), *postings_summary(ledger)]
    return [*lines, erasure_summary(ledger)]
