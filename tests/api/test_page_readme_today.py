"""The README's ``?today=`` example (issue 15 item 8): on 25 March 2023 the demo's public
list holds the five grants paid from 27 February to 22 March 2023 — each of the nine stays up
30 days from its payment, so no single day shows all nine (five at most)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from ledger.demo.carefund import load_carefund
from ledger.demo.principals import enrol_demo
from ledger.ledger import Ledger
from ledger.settings import Settings
from projections import queries
from projections.queries import ListReader
from tests.integration.projection_helpers import projected

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_today_example_lists_what_it_says(ledger: Ledger, settings: Settings) -> None:
    enrol_demo(ledger)
    load_carefund(ledger)
    reader = ListReader(projected(ledger, settings).db)
    example = "disbursements?today=2023-03-25"
    assert example in README.read_text(encoding="utf-8")
    assert "the five grants paid from 27 February to 22 March 2023" in README.read_text(
        encoding="utf-8"
    )
    shown = queries.disbursements(reader, date(2023, 3, 25), year=2023)
    assert sorted(r["disbursed_on"] for r in shown.rows) == [
        "2023-02-27", "2023-03-03", "2023-03-09", "2023-03-15", "2023-03-22",
    ]  # fmt: skip
    days = [date(2023, 1, 1) + timedelta(days=n) for n in range(120)]
    most = max(queries.disbursements(reader, day, year=2023).total for day in days)
    assert most == 5
    assert queries.disbursements(reader, date(2023, 3, 25), audit_view=True, year=2023).total == 9
