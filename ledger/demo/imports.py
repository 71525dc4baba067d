"""The demo's spreadsheet import: in September 2024 Tongcheng's intake desk (受理窗口) imports
two care-fund applications collected on paper forms, from one CSV file — one
``imports.BatchImported`` naming the file's SHA-256, then each applicant's three records
(docs/FORMAT.md §4 rule 76). The two applications wait for review (not decided in the demo).

The file's bytes are the ones below (the import template's columns, UTF-8 with BOM); its
personal columns go to the vault only. The API and ``gongshi import`` check a real file's rows
first (api/spreadsheets/importer.py); the demo's file is known good and written directly.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from uuid import UUID

from ledger.carefund.config import FundConfig, Hardship, Industry
from ledger.carefund.fund import FundYear, fund_year_id
from ledger.clock import SteppingClock
from ledger.demo.carefund import INTAKE
from ledger.demo.ids import seeded_ids
from ledger.imports.applications import applicant, in_log_order
from ledger.imports.batch import ImportBatch, save_batch
from ledger.ledger import Ledger

YEAR = 2024
KIND = "carefund-applications"
ROWS = (  # name, phone, hardship details, industry, hardship, requested tier, priority
    ("吴某某", "13900000101", "骑行受伤住院", Industry.FOOD_DELIVERY, Hardship.ILLNESS, 2, False),
    ("郑某某", "13900000102", "房屋受灾", Industry.EXPRESS_DELIVERY, Hardship.DISASTER, 1, True),
)  # fmt: skip
HEADER = "年度*,姓名*,身份证号,手机号,银行账号,住址,困难情况,行业*,困难类型*,申请档次*,优先考虑"
LABEL = {Industry.FOOD_DELIVERY: "外卖", Industry.EXPRESS_DELIVERY: "快递",
         Hardship.ILLNESS: "因病", Hardship.DISASTER: "因灾"}  # fmt: skip


def demo_file() -> bytes:
    """The CSV the intake desk imported (UTF-8 with BOM, CRLF)."""
    lines = [HEADER] + [
        f"{YEAR},{name},,{phone},,,{details},{LABEL[industry]},{LABEL[hardship]},{tier},"
        f"{'是' if priority else '否'}"
        for name, phone, details, industry, hardship, tier, priority in ROWS
    ]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def load_imports(ledger: Ledger) -> bool:
    """Import the demo's file unless an import batch exists; True if it was written."""
    if ledger.app.streams_of(ImportBatch.Imported.TOPIC):
        return False
    saved = ledger.clock, ledger.new_id
    ledger.clock = SteppingClock(datetime(2024, 9, 2, 1, 30, tzinfo=UTC), timedelta(seconds=1))
    ledger.new_id = seeded_ids(2024_09)
    try:
        _import(ledger)
    finally:
        ledger.clock, ledger.new_id = saved
    return True


def _import(ledger: Ledger) -> None:
    fund = ledger.app.get(FundYear, fund_year_id(FundConfig().fund, YEAR))
    moment = ledger.clock()
    done, records = [], []
    for name, phone, details, industry, hardship, tier, priority in ROWS:
        subject: UUID = ledger.new_id()
        personal = {"name": name, "phone": phone, "hardship_details": details}
        commitment = ledger.vault.store_subject(str(subject), personal)
        person, submitted = applicant(
            fund=fund, subject=subject, commitment=commitment, application=ledger.new_id(),
            industry=industry, hardship=hardship, requested_tier=tier, priority=priority,
            actor=INTAKE, moment=moment,
        )  # fmt: skip
        done.append((person, submitted))
        records.append((submitted.id, 1))
    save_batch(ledger.app, kind=KIND, sha256=hashlib.sha256(demo_file()).hexdigest(),
               records=records, save=in_log_order(done, [fund]), actor=INTAKE,
               moment=moment)  # fmt: skip
