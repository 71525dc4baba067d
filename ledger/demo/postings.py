"""The demo's 公示 postings and objections (issue 15).

- The Tongcheng care fund's 2023 grants, posted by 桐城市总工会 ("对先锋关爱基金使用情况和审计结果
  及时向社会公示") from 23 to 31 March 2023, after the ninth grant of 22 March: an objection
  about the first grant (资格条件) on 24 March, answered on 28 March (on time), and one about
  the procedure on 27 March, answered on 6 April (due 3 April: late); closed on 6 April.
- Taihu's 2023 points results, posted by 中共太湖县委组织部 ("利用党务公开栏等多种形式，即时公示
  公开") from 16 to 25 January 2024, after the year's close of 15 January: an objection about
  a cadre's score on 17 January, answered on 22 January; one of 24 January still waiting
  (the posting stays open: it can't close while an objection is unanswered).

Objectors' contact details and texts are invented and go to the vault like any objection.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from ledger.carefund.application import Application
from ledger.carefund.config import FundConfig
from ledger.clock import SteppingClock
from ledger.demo.carefund import UNION
from ledger.demo.ids import seeded_ids
from ledger.demo.points import COUNTY
from ledger.demo.principals import TAIHU
from ledger.ledger import Ledger
from ledger.points.book import PointsBook
from ledger.posting.posting import posting_id
from ledger.posting.service import Postings

YEAR = 2023
FUND = FundConfig().fund
CAREFUND_HOW = "书面或电话向桐城市总工会权益保障部反映（桐城市龙眠中路，电话 0556-6120000）"
POINTS_HOW = "书面或电话向中共太湖县委组织部干部监督科反映（太湖县晋熙镇，电话 0556-4100000）"


def _at(clock: SteppingClock, day: date, hour: int = 2) -> None:
    """10:00 in Beijing (02:00 UTC) on ``day`` by default."""
    clock.set(datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC))


def _first(ledger: Ledger, topic: str) -> UUID:
    return ledger.app.streams_of(topic)[0]


def load_postings(ledger: Ledger) -> bool:
    """Load the postings unless the care fund's 2023 posting exists; True if loaded."""
    if ledger.app.exists(posting_id("carefund", FUND, YEAR)):
        return False
    saved = ledger.clock, ledger.new_id
    clock = SteppingClock(datetime(2023, 3, 23, 1, 0, tzinfo=UTC), timedelta(seconds=1))
    ledger.clock, ledger.new_id = clock, seeded_ids(2023_15)
    try:
        _carefund(ledger, clock)
        _points(ledger, clock)
    finally:
        ledger.clock, ledger.new_id = saved
    return True


def _carefund(ledger: Ledger, clock: SteppingClock) -> None:
    postings = Postings(ledger)
    postings.open("carefund", FUND, YEAR, "桐城市总工会", date(2023, 3, 23), date(2023, 3, 31),
                  CAREFUND_HOW, UNION)  # fmt: skip
    grant = _first(ledger, Application.Submitted.TOPIC)
    _at(clock, date(2023, 3, 24))
    postings.submit("carefund", FUND, YEAR, {"name": "汪晓峰", "phone": "13955600001"},
                    "该快递员家庭条件尚可，不应享受帮扶。", "eligibility", grant)  # fmt: skip
    _at(clock, date(2023, 3, 27))
    postings.submit("carefund", FUND, YEAR, {"address": "桐城市文昌街道龙腾社区"},
                    "帮扶对象评审未见行业党委审核意见公开。", "procedure")  # fmt: skip
    _at(clock, date(2023, 3, 28))
    postings.answer("carefund", FUND, YEAR, 1, "经快递行业党委复核并入户走访，该同志因病致困属实，"
                    "符合《先锋关爱基金管理办法》帮扶条件，维持原审批结果。", UNION)  # fmt: skip
    _at(clock, date(2023, 4, 6))
    postings.answer("carefund", FUND, YEAR, 2, "行业党委审核意见已随审批结果归档，今后将在公示中"
                    "一并列明审核单位和审核日期。", UNION)  # fmt: skip
    postings.close("carefund", FUND, YEAR, UNION)


def _points(ledger: Ledger, clock: SteppingClock) -> None:
    postings = Postings(ledger)
    _at(clock, date(2024, 1, 16))
    postings.open("points", TAIHU, YEAR, "中共太湖县委组织部", date(2024, 1, 16),
                  date(2024, 1, 25), POINTS_HOW, COUNTY)  # fmt: skip
    book = _first(ledger, PointsBook.Opened.TOPIC)
    _at(clock, date(2024, 1, 17))
    postings.submit("points", TAIHU, YEAR, {"phone": "13955600002"},
                    "第四季度产业发展得分偏低，与实际完成情况不符。", "score", book)  # fmt: skip
    _at(clock, date(2024, 1, 22))
    postings.answer("points", TAIHU, YEAR, 1, "经乡镇党委核对工作台账，第四季度产业发展得分"
                    "计算无误，维持原积分。", COUNTY)  # fmt: skip
    _at(clock, date(2024, 1, 24))
    postings.submit("points", TAIHU, YEAR, {"name": "村民甲", "address": "太湖县晋熙镇城西村五组"},
                    "村干部年度考核优秀等次名单未在党务公开栏张贴。", "procedure")  # fmt: skip


def postings_summary(ledger: Ledger) -> list[str]:
    """A line per demo posting, from the stored records."""
    lines = ["公示 postings and objections (异议)"]
    for kind, scope in (("carefund", FUND), ("points", TAIHU)):
        if not ledger.app.exists(posting_id(kind, scope, YEAR)):
            continue
        found = Postings(ledger).posting(kind, scope, YEAR)
        answered = [o for o in found.objections.values() if o["answered_on"] is not None]
        late = sum(o["late"] is True for o in answered)
        state = "closed" if found.closed else "open"
        lines.append(
            f"  {kind}/{scope}/{YEAR} {found.period_start}..{found.period_end} ({state}):"
            f" {len(found.objections)} objections, {len(answered)} answered, {late} late"
        )
    return lines
