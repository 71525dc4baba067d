"""What the ledger's points book writes (ledger/points/book.py enter, correct, appraise)
breaks none of the rules docs/FORMAT.md §4 states for `points.ScoreEntered` and
`points.Appraised` (verify/invariants.py: points.entry, points.amount, points.correction,
points.pay): verify/ enforces the ledger's rule and no more (both backends)."""

from __future__ import annotations

import json
from typing import Any

from ledger.check import iter_notifications
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.mapper import unpack_state
from ledger.points.config import Component, Grade
from tests.integration.points_helpers import TOWNSHIP, cadre_book, points_ready, year_closed
from verify.invariants import Invariants
from verify.record import parse_record


def rule_failures(ledger: Ledger) -> tuple[list[str], list[dict[str, Any]]]:
    """Every rule the ledger's records break (as text), and the records' data by type."""
    rules, found, data = Invariants(), [], []
    for index, notification in enumerate(iter_notifications(ledger.app.recorder)):
        raw = unpack_state(notification.state)[1]
        found += [str(f) for f in rules.add(parse_record(raw), f"leaf {index}")]
        data.append(json.loads(raw))
    return found, data


def test_ledger_corrections_of_corrections_and_half_up_pay_break_no_rule(
    ledger: Ledger, clock: SteppingClock
) -> None:
    points = points_ready(ledger, clock)
    book = cadre_book(points)
    bonus = points.enter(book, quarter=1, component=Component.BONUS, points_tenths=50,
                         reason="加分", actor=TOWNSHIP)  # fmt: skip
    reversal = points.correct(book, bonus, "更正", TOWNSHIP)
    points.correct(book, reversal, "恢复", TOWNSHIP)  # reinstates the 50 within the cap
    deduction = points.enter(book, quarter=2, component=Component.DEDUCTION, points_tenths=15,
                             reason="扣分", actor=TOWNSHIP)  # fmt: skip
    points.correct(book, deduction, "更正", TOWNSHIP)
    year_closed(points, clock)
    points.appraise(book, Grade.INCOMPETENT, 100_010, TOWNSHIP, "末位")  # 95 %: 95,009.5, up
    found, records = rule_failures(ledger)
    assert found == []
    entries = [(r["data"]["entry"], r["data"]["points_tenths"], r["data"]["corrects"])
               for r in records if r["type"] == "points.ScoreEntered"]  # fmt: skip
    assert entries == [(1, 50, None), (2, -50, 1), (3, 50, 2), (4, 15, None), (5, -15, 4)]
    [pay] = [r["data"] for r in records if r["type"] == "points.Appraised"]
    assert (pay["pay_percent"], pay["adjusted_pay_fen"]) == (95, 95_010)
