"""The care-fund demo: the Tongcheng pioneer care fund (先锋关爱基金), 2023 and 2024.

Deterministic: a stepping clock and a seeded id source, so every run writes the same records
(the vault's keys and nonces stay truly random). 2023: the co-founders' contributions, nine
disbursements (5 × 500, 1 × 800, 3 × 1,500 = 7,800 yuan) paid from January to 22 March 2023,
the date of the newsletter's "今年来已有9人享受7800元帮扶资金"; return visits; two rejected
applications; one audit result. 2024: three grants, one revoked with a partial recovery.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from ledger.actor import Actor, Role
from ledger.carefund.config import Hardship, Industry, Source, Violation, yuan
from ledger.carefund.fund import FundYear, fund_year_id
from ledger.carefund.service import CareFund
from ledger.clock import SteppingClock
from ledger.demo.ids import seeded_ids
from ledger.ledger import Ledger

INTAKE = Actor("intake-tc-01", Role.INTAKE)
EXPRESS_IPC = Actor("ipc-express-01", Role.INDUSTRY_PARTY_COMMITTEE)
FOOD_IPC = Actor("ipc-food-01", Role.INDUSTRY_PARTY_COMMITTEE)
RIDE_IPC = Actor("ipc-ridehailing-01", Role.INDUSTRY_PARTY_COMMITTEE)
OTHER_IPC = Actor("ipc-other-01", Role.INDUSTRY_PARTY_COMMITTEE)
# "个人申请-所属行业党务审核-市总工会审批": each application is reviewed by its own industry's
# party committee (the account bound to that industry in the principal registry)
REVIEWERS = {
    Industry.EXPRESS_DELIVERY: EXPRESS_IPC,
    Industry.FOOD_DELIVERY: FOOD_IPC,
    Industry.RIDE_HAILING: RIDE_IPC,
    Industry.OTHER: OTHER_IPC,
}
UNION = Actor("union-tc-01", Role.TRADE_UNION)
FINANCE = Actor("finance-tc-01", Role.FINANCE)
AUDIT = Actor("audit-tc-01", Role.AUDIT)
SUPERVISION = Actor("supervision-tc-01", Role.SUPERVISION)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超", "霞"]

CONTRIBUTIONS_2023 = [
    (Source.NON_PUBLIC_SECTOR_WORK_COMMITTEE, 2_000_000),
    (Source.TRADE_UNION, 1_500_000),
    (Source.YOUTH_LEAGUE, 500_000),
    (Source.WOMENS_FEDERATION, 500_000),
    (Source.EXPRESS_INDUSTRY_PARTY_COMMITTEE, 300_000),
    (Source.FOOD_DELIVERY_INDUSTRY_PARTY_COMMITTEE, 200_000),
]
# the 2023 grants' payment days: all paid by 22 March 2023 (the newsletter's "今年来已有9人")
PAID_2023 = [(1, 16), (1, 30), (2, 8), (2, 17), (2, 27), (3, 3), (3, 9), (3, 15), (3, 22)]
# (industry, hardship, requested tier, final tier, priority)
GRANTS_2023 = [
    (Industry.EXPRESS_DELIVERY, Hardship.ILLNESS, 1, 1, True),
    (Industry.FOOD_DELIVERY, Hardship.FRONTLINE, 1, 1, False),
    (Industry.EXPRESS_DELIVERY, Hardship.DISASTER, 2, 1, False),
    (Industry.FOOD_DELIVERY, Hardship.ILLNESS, 1, 1, True),
    (Industry.RIDE_HAILING, Hardship.FRONTLINE, 1, 1, False),
    (Industry.EXPRESS_DELIVERY, Hardship.ILLNESS, 2, 2, True),
    (Industry.FOOD_DELIVERY, Hardship.ILLNESS, 3, 3, True),
    (Industry.EXPRESS_DELIVERY, Hardship.DISASTER, 3, 3, False),
    (Industry.OTHER, Hardship.ILLNESS, 3, 3, True),
]


@dataclass(frozen=True)
class YearSummary:
    year: int
    grants: int
    disbursed_fen: int
    recovered_fen: int
    remaining_budget_fen: int
    received_fen: int

    def line(self) -> str:
        return (
            f"{self.year}: {self.grants} grants, {yuan(self.disbursed_fen)} yuan disbursed, "
            f"{yuan(self.recovered_fen)} yuan recovered, remaining budget "
            f"{yuan(self.remaining_budget_fen)} yuan (received {yuan(self.received_fen)} yuan)"
        )


def summarise(fund: FundYear) -> YearSummary:
    return YearSummary(
        year=fund.year,
        grants=fund.disbursements,
        disbursed_fen=fund.disbursed_fen,
        recovered_fen=fund.recovered_fen,
        remaining_budget_fen=fund.remaining_budget_fen,
        received_fen=fund.received_fen,
    )


class _Scenario:
    def __init__(self, ledger: Ledger, clock: SteppingClock) -> None:
        self.ledger = ledger
        self.fund = CareFund(ledger)
        self.clock = clock
        self.people = 0

    def person(self) -> UUID:
        n = self.people
        self.people += 1
        name = SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7) % len(GIVEN)]
        personal = {
            "name": name,
            "id_number": f"3408811990{n:02d}01{n:04d}"[:18],
            "phone": f"1380556{n:04d}",
            "bank_account": f"6217 0000 1111 {n:04d}",
            "address": f"桐城市文昌街道{n + 1}号",
            "hardship_details": f"{name}家庭困难情况说明（演示数据 {n}）",
        }
        return self.ledger.register_subject(personal, "worker", INTAKE)

    def at(self, year: int, month: int, day: int) -> None:
        self.clock.set(datetime(year, month, day, 9, 0, tzinfo=UTC))

    def application(
        self, year: int, industry: Industry, hardship: Hardship, tier: int, priority: bool
    ) -> UUID:
        ipc = REVIEWERS[industry]
        case = self.fund.submit(
            year=year,
            subject=self.person(),
            industry=industry,
            hardship=hardship,
            requested_tier=tier,
            priority=priority,
            actor=INTAKE,
        )
        self.fund.review(case, True, "符合帮扶条件", ipc)
        return case

    def year_2023(self) -> None:
        self.at(2023, 1, 10)
        self.fund.open_year(2023, FINANCE)
        for source, amount in CONTRIBUTIONS_2023:
            self.fund.receive(2023, source, amount, f"2023-{source.value}", FINANCE)
        paid = []
        for i, (industry, hardship, requested, final, priority) in enumerate(GRANTS_2023):
            self.at(2023, *PAID_2023[i])
            case = self.application(2023, industry, hardship, requested, priority)
            self.fund.approve(case, final, UNION)
            self.fund.disburse(case, f"TC-2023-{i + 1:03d}", FINANCE)
            paid.append((self.clock(), case))
        for moment, case in paid[:6]:  # 定期回访: the first visit a month after the payment
            self.clock.set(moment + timedelta(days=30))
            visited = self.clock().date().isoformat()
            self.fund.follow_up(case, visited, "stable", "电话回访，生活已稳定", INTAKE)
        self.at(2023, 11, 20)
        rejected = self.fund.submit(
            year=2023,
            subject=self.person(),
            industry=Industry.FOOD_DELIVERY,
            hardship=Hardship.FRONTLINE,
            requested_tier=3,
            priority=False,
            actor=INTAKE,
        )
        self.fund.review(rejected, False, "不符合新就业形态劳动者条件", FOOD_IPC)
        declined = self.application(2023, Industry.RIDE_HAILING, Hardship.ILLNESS, 2, False)
        self.fund.reject(declined, "同一事由本年度已获其他渠道救助", UNION)
        self.at(2023, 12, 28)
        self.fund.record_audit_result(
            2023,
            "2023年度先锋关爱基金专项审计",
            "资金使用合规，程序完整",
            ["9笔资助均经行业党委审核、市总工会审批", "建议回访记录进一步规范"],
            AUDIT,
        )

    def year_2024(self) -> None:
        self.at(2024, 1, 8)
        self.fund.open_year(2024, FINANCE)
        self.fund.receive(2024, Source.TRADE_UNION, 2_000_000, "2024-trade_union", FINANCE)
        self.fund.receive(
            2024, Source.NON_PUBLIC_SECTOR_WORK_COMMITTEE, 1_000_000, "2024-npswc", FINANCE
        )
        cases = []
        for i, (industry, tier) in enumerate(
            [(Industry.EXPRESS_DELIVERY, 1), (Industry.FOOD_DELIVERY, 2), (Industry.OTHER, 3)]
        ):
            self.at(2024, 3 + i, 12)
            case = self.application(2024, industry, Hardship.ILLNESS, tier, i == 0)
            self.fund.approve(case, tier, UNION)
            self.fund.disburse(case, f"TC-2024-{i + 1:03d}", FINANCE)
            cases.append(case)
        self.at(2024, 7, 1)
        responsible = self.ledger.register_subject(
            {"name": "周某某", "phone": "13900000000"}, "responsible_person", SUPERVISION
        )
        self.fund.revoke(
            cases[1],
            violation=Violation.RULES,
            reason="虚报困难情况，不符合帮扶条件",
            recover_fen=80_000,
            discipline_referral=False,
            judicial_referral=False,
            accountable_organisation="桐城市外卖行业党委",
            responsible=[responsible],
            actor=SUPERVISION,
        )
        self.at(2024, 8, 15)
        self.fund.recover(cases[1], 30_000, "TC-2024-R001", FINANCE)


def load_carefund(ledger: Ledger) -> bool:
    """Load the care-fund part unless its 2023 fund year exists; True if it was loaded."""
    fund = CareFund(ledger)
    if ledger.app.exists(fund_year_id(fund.config.fund, 2023)):
        return False
    saved = ledger.clock, ledger.new_id
    clock = SteppingClock(datetime(2023, 1, 10, 9, 0, tzinfo=UTC), timedelta(minutes=7))
    ledger.clock, ledger.new_id = clock, seeded_ids(2023)
    try:
        scenario = _Scenario(ledger, clock)
        scenario.year_2023()
        scenario.year_2024()
    finally:
        ledger.clock, ledger.new_id = saved
    return True


def carefund_summary(ledger: Ledger) -> list[YearSummary]:
    fund = CareFund(ledger)
    return [summarise(fund.fund_year(year)) for year in (2023, 2024)]
