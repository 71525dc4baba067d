"""Builders for 公示 postings and objections (ledger/posting/), shared by the tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.posting.service import Postings, Received
from tests.integration.helpers import UNION, YEAR

FUND = "tongcheng-pioneer-care"  # FundConfig's default fund name
START, END = date(2023, 3, 1), date(2023, 3, 10)  # the posting period (公示期)
UNIT_NAME = "桐城市总工会"
HOW = "书面或电话向桐城市总工会权益保障部反映（桐城市龙眠中路1号，电话0556-6120000）"
CONTACT = {"name": "王小明", "phone": "13912345678"}


def at(clock: SteppingClock, day: date, hour: int = 2) -> None:
    """Set the clock to ``hour`` UTC of ``day`` (10:00 Beijing on that day by default)."""
    clock.set(datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC))


def carefund_posting(ledger: Ledger, answer_days: int = 7) -> Postings:
    """The Tongcheng fund's 2023 posting, 1-10 March (the fund year must be open)."""
    postings = Postings(ledger)
    postings.open("carefund", FUND, YEAR, UNIT_NAME, START, END, HOW, UNION, answer_days)
    return postings


def objected(
    postings: Postings, about: UUID | None = None, text: str = "申请人并非快递从业人员",
    category: str = "eligibility", contact: dict[str, str] | None = None,
) -> Received:  # fmt: skip
    return postings.submit("carefund", FUND, YEAR, contact or dict(CONTACT), text, category, about)
