"""Care-fund applications from a spreadsheet ("个人申请-所属行业党务审核-市总工会审批": the
intake desk's 申请 forms, typed into one sheet): each row registers the applicant as a
subject (the personal columns go to the vault, the record holds a pseudonym and a
commitment: docs/FORMAT.md §5) and submits the application, queued in its fund year — the
three records ``subject.Registered``, ``carefund.ApplicationSubmitted`` and
``carefund.ApplicationQueued`` next to each other, as ledger/carefund/service.py writes them.

The same applicant twice in one file (the same ID number, or without one the same name and
phone) is refused, and so is an applicant who already applied in that fund year (from
another file, a re-saved copy of this one, or the API): api/spreadsheets/earlier.py compares
with the earlier applicants' data in the vault, adding nothing personal to any record.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from uuid import UUID

from api.spreadsheets.earlier import Applicants, Batches, fund_applicants
from api.spreadsheets.fields import CAREFUND_COLUMNS
from api.spreadsheets.outcome import Prepared, Row, RowError, actor_refusal
from ledger.actor import Actor
from ledger.carefund.application import Application
from ledger.carefund.config import FundConfig, Hardship, Industry
from ledger.carefund.fund import FundYear, fund_year_id
from ledger.errors import NotFound, RuleViolation
from ledger.imports.applications import applicant, in_log_order
from ledger.ledger import Ledger
from ledger.subject import Subject

HEADER = {c.key: c.header for c in CAREFUND_COLUMNS}
PERSONAL = [c.key for c in CAREFUND_COLUMNS if c.personal]
PLACEHOLDER = "0" * 64  # the commitment of a row checked before its vault entry exists
Vaulted = Callable[[Row], tuple[UUID, str]]  # a row -> its subject id and commitment


def personal_of(row: Row) -> dict[str, str]:
    """The row's personal columns given (for the vault only)."""
    return {key: str(row.values[key]) for key in PERSONAL if row.values.get(key)}


def same_person(v: dict[str, Any]) -> tuple[str, ...]:
    """Who a row's applicant is, within one file: the ID number, or without one the name and
    phone."""
    if v.get("id_number"):
        return ("id_number", str(v["id_number"]).upper())
    return ("name", str(v.get("name") or ""), str(v.get("phone") or ""))


_RULES = {
    "role": ("", "当前账号的角色不能受理申请（须为受理窗口 intake）"),
    "principal.role": ("", "当前账号未登记，或其角色已变更"),
    "principal.scope": ("industry", "该行业不在当前账号的管辖范围内"),
    "carefund.priority": ("priority", "优先考虑须填“是”或“否”"),
}  # fmt: skip


def prepare_applications(
    ledger: Ledger, actor: Actor, rows: list[Row], moment: datetime, today: date,
    config: FundConfig, vaulted: Vaulted | None = None,
) -> Prepared:  # fmt: skip
    """Apply every row in memory (nothing saved). ``vaulted`` gives each row's subject id and
    vault commitment once its personal data is stored; without it (the check before any
    write) a fresh id and a placeholder commitment stand in."""
    out = Prepared()
    funds: dict[int, FundYear | None] = {}
    first: dict[tuple[str, ...], int] = {}
    earlier: dict[int, Applicants] = {}
    batches = Batches(ledger)
    done: list[tuple[Subject, Application, FundYear]] = []  # each row's, and its fund year

    def refuse(row: Row, key: str, message: str) -> None:
        out.errors.append(RowError(row.number, HEADER.get(key, ""), message))

    for row in rows:
        v = row.values
        person = same_person(v)
        key = "id_number" if person[0] == "id_number" else "name"
        if person in first:
            refuse(row, key, f"与第 {first[person]} 行是同一申请人：一人一份申请")
            continue
        first[person] = row.number
        year = int(v["year"])
        if year not in funds:
            try:
                funds[year] = ledger.app.get(FundYear, fund_year_id(config.fund, year))
            except NotFound:
                funds[year] = None
        fund = funds[year]
        if fund is None:
            refuse(row, "year", f"{year} 年度基金未开立")
            continue
        tier = int(v["requested_tier"])
        if str(tier) not in fund.tiers_fen:
            offered = "、".join(sorted(fund.tiers_fen, key=int))
            refuse(row, "requested_tier", f"{year} 年度没有第 {tier} 档（可选：{offered}）")
            continue
        if year not in earlier:
            earlier[year] = fund_applicants(ledger, fund.id)
        if (before := earlier[year].find(v)) is not None:
            where = batches.say(before, 1, f"该申请人的 {year} 年度申请（{before}）")
            refuse(row, key, f"该申请人本年度已申请过（{where}）：一人一份申请，请勿重复导入")
            continue
        subject_id, commitment = vaulted(row) if vaulted else (ledger.new_id(), PLACEHOLDER)
        try:
            subject, application = applicant(
                fund=fund, subject=subject_id, commitment=commitment,
                application=ledger.new_id(), industry=Industry(str(v["industry"])),
                hardship=Hardship(str(v["hardship"])), requested_tier=tier,
                priority=bool(v["priority"]), actor=actor, moment=moment,
            )  # fmt: skip
        except RuleViolation as e:
            column, message = _RULES.get(e.rule, ("", "不符合受理规则"))
            refuse(row, column, f"{message}（规则 {e.rule}）")
            continue
        refusal = next(
            (r for obj in (subject, application, fund) if (r := actor_refusal(ledger.app, obj))),
            None,
        )
        if refusal is not None:
            column, message = _RULES.get(refusal.rule, ("", "账号不能受理该申请"))
            refuse(row, column, f"{message}（规则 {refusal.rule}）")
            continue
        done.append((subject, application, fund))
        out.records.append((application.id, 1))
    touched = {id(f): f for _, _, f in done}.values()
    out.save = in_log_order([(subject, submitted) for subject, submitted, _ in done], touched)
    return out
