"""The routine assessment's quarterly loop and annual grade (ledger/assessment/record.py)."""

from __future__ import annotations

from datetime import date

from ledger.assessment.programme import programme_id
from ledger.assessment.record import record_id
from ledger.ledger import Ledger
from tests.integration.assessment_helpers import (
    LEADER,
    QUARTER_DAYS,
    YEAR,
    department,
    on,
    quarter_loop,
)
from tests.support.principals import COUNTY


def test_a_year_loop_ends_in_the_annual_grade(ledger: Ledger) -> None:
    unit = department(ledger, 1)
    assert unit.programme == programme_id(COUNTY, YEAR)
    assert unit.records[0] == record_id(unit.programme, unit.cadres[0])
    for quarter, day in QUARTER_DAYS.items():
        on(ledger, day)
        quarter_loop(unit, 0, quarter, "good" if quarter != 2 else "fairly_good")
    unit.service.record_annual_grade(unit.records[0], "excellent", "四个季度三好一较好", LEADER)
    record = unit.service.record(unit.records[0])
    assert record.grade == {
        "grade": "excellent",
        "ratings": ["good", "fairly_good", "good", "good"],
        "references": [],
        "reasons": "四个季度三好一较好",
    }
    assert record.next_step() is None
    on(ledger, date(2024, 1, 5))
    file = unit.service.cadre_file(unit.programme, unit.cadres[0])
    assert file["quarters"]["Q1"]["summary"]["done_on"] == "2023-03-20"
    assert file["quarters"]["Q1"]["summary"]["due"] == "2023-04-10"
    assert not any(file["quarters"][f"Q{q}"][s]["late"] for q in range(1, 5) for s in ("goal",))
