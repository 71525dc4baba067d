"""Quarterly score entries from a spreadsheet ("积分制管理": the township keeps each cadre's
book, "一人一档、一村一册"): each row a ``points.ScoreEntered`` in the cadre's book, applied in the
file's order to the books as they are, with the domain's own rules (ledger/points/book.py):
a refused row is named with its column and the rule in Chinese; rows accumulate (two bonus
rows of one cadre count together against the yearly cap, two work rows against the 两委会议's
allocation). A row the book already holds (the same quarter, component, points, reason and
task, not corrected: a re-saved file imported again) is refused, naming the earlier record's
batch and row (api/spreadsheets/earlier.py).

A row names the book by natural keys a clerk has: county and year (the scheme), the cadre's
public id (the points list's 干部编号 column: a pseudonym, never a name), and township and
village, which must be the book's (a mistyped id shows up as a mismatch).
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from api import labels
from api.spreadsheets.earlier import Batches, EntryKey, book_entries
from api.spreadsheets.fields import COMPONENTS, POINTS_COLUMNS
from api.spreadsheets.outcome import Prepared, Row, RowError, actor_refusal
from ledger.actor import Actor
from ledger.errors import NotFound, RuleViolation
from ledger.ledger import Ledger
from ledger.points.allocation import AllocationRegister
from ledger.points.book import PointsBook, book_id
from ledger.points.config import Component, SchemeConfig, format_points
from ledger.points.plan import TaskPlan
from ledger.points.scheme import Scheme
from ledger.points.service import Points

HEADER = {c.key: c.header for c in POINTS_COLUMNS}
RULE_COLUMN = {
    "role": "component", "points.adjustment_by_township": "component",
    "points.evaluation_once": "component", "points.season": "year",
    "points.year_closed": "year", "points.quarter": "quarter", "points.amount": "points",
    "points.bonus_cap": "points", "points.reason": "reason", "points.task": "task",
    "principal.scope": "township", "principal.own_book": "cadre",
}  # fmt: skip


class _State:
    """The schemes, books, plans and registers the rows touch, each loaded once."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.schemes: dict[tuple[str, int], Scheme | None] = {}
        self.books: dict[UUID, PointsBook | None] = {}
        self.plans: dict[tuple[UUID, str], TaskPlan | None] = {}
        self.registers: dict[tuple[UUID, str, str], AllocationRegister | None] = {}
        self.entries: dict[UUID, dict[EntryKey, int]] = {}
        self.batches = Batches(ledger)

    def entered(self, book: PointsBook, key: EntryKey) -> str | None:
        """Where the same entry is already in the book (its batch and row), or None."""
        if book.id not in self.entries:
            self.entries[book.id] = book_entries(self.ledger, book.id)
        version = self.entries[book.id].get(key)
        if version is None:
            return None
        return self.batches.say(book.id, version, f"该干部积分卡的第 {version} 条记录")

    def scheme(self, county: str, year: int) -> Scheme | None:
        if (county, year) not in self.schemes:
            try:
                found: Scheme | None = self._points(county, year).scheme()
            except NotFound:
                found = None
            self.schemes[(county, year)] = found
        return self.schemes[(county, year)]

    def _points(self, county: str, year: int) -> Points:
        return Points(self.ledger, SchemeConfig(county=county, year=year))

    def book(self, scheme: Scheme, cadre: str) -> PointsBook | None:
        stream = book_id(scheme.id, UUID(cadre))
        if stream not in self.books:
            try:
                self.books[stream] = self.ledger.app.get(PointsBook, stream)
            except NotFound:
                self.books[stream] = None
        return self.books[stream]

    def plan(self, scheme: Scheme, township: str) -> TaskPlan | None:
        if (scheme.id, township) not in self.plans:
            try:
                found: TaskPlan | None = self._points(scheme.county, scheme.year).plan(township)
            except NotFound:
                found = None
            self.plans[(scheme.id, township)] = found
        return self.plans[(scheme.id, township)]

    def register(self, scheme: Scheme, book: PointsBook) -> AllocationRegister | None:
        key = (scheme.id, book.township, book.village)
        if key not in self.registers:
            points = self._points(scheme.county, scheme.year)
            self.registers[key] = points.register(book.township, book.village)
        return self.registers[key]


def _place(code: str) -> str:
    return labels.TOWNSHIPS.get(code, code)


def _explain(e: RuleViolation, book: PointsBook, values: dict[str, object], work: int,
             allocated: int) -> tuple[str, str]:  # fmt: skip
    """The column and the Chinese message of a domain refusal (the rule's name kept)."""
    quarter, tenths = values["quarter"], int(str(values["points"]))
    remaining = book.bonus_remaining_tenths
    messages = {
        "role": "当前账号的角色不能录入积分",
        "points.adjustment_by_township": "加分、减分须由乡镇党委录入",
        "points.evaluation_once": f"第 {quarter} 季度已有评议分：须先更正原记录再录入",
        "points.season": f"{book.year} 年度积分卡自 {book.year}-01-01 起才能录入",
        "points.year_closed": f"{book.year} 年度已年终结算：须经县委组织部重新开启后才能录入",
        "points.bonus_cap": (f"加分超出年度上限：剩余可加 {format_points(remaining)} 分，"
                             f"本行 {format_points(tenths)} 分"),
        "points.reason": "须填写事由",
        "points.task": f"任务“{values['task']}”不在{_place(book.township)}的任务清单中",
        "principal.scope": "该干部的乡镇或村不在当前账号的管辖范围内",
        "principal.own_book": "不能为与本账号关联的干部本人录入积分",
        "principal.role": "当前账号未登记，或其角色已变更",
    }  # fmt: skip
    if e.rule == "points.work_allocated":
        if values["task"] is None:
            return "task", "工作实绩须填写任务（乡镇任务清单中的代码）"
        return "points", (
            f"超出两委会议分配给该干部的分值：任务“{values['task']}”第 {quarter} 季度已录"
            f" {format_points(work)} 分，本行 {format_points(tenths)} 分，分配 "
            f"{format_points(allocated)} 分"
        )
    message = messages.get(e.rule, "不符合积分规则")
    return RULE_COLUMN.get(e.rule, "cadre"), f"{message}（规则 {e.rule}）"


def prepare_points(
    ledger: Ledger, actor: Actor, rows: list[Row], moment: datetime, today: date
) -> Prepared:
    """Apply every row to the books (in memory: nothing is saved here); ``today`` is the
    business date the rows are checked on, ``moment`` the records' time."""
    out, state = Prepared(), _State(ledger)
    touched: dict[UUID, PointsBook] = {}
    seen: dict[tuple[object, ...], int] = {}

    def refuse(row: Row, key: str, message: str) -> None:
        out.errors.append(RowError(row.number, HEADER[key], message))

    for row in rows:
        v = row.values
        county, year = str(v["county"]), int(v["year"])
        same = tuple(v[c.key] for c in POINTS_COLUMNS)
        if same in seen:
            refuse(row, "reason", f"与第 {seen[same]} 行完全相同：如确为两条记录，请在事由中区分")
            continue
        seen[same] = row.number
        scheme = state.scheme(county, year)
        if scheme is None:
            refuse(row, "year", f"{labels.COUNTIES.get(county, county)} {year} 年度积分方案未开启")
            continue
        if today < date(year, 1, 1):
            refuse(row, "year", f"{year} 年度积分卡自 {year}-01-01 起才能录入")
            continue
        book = state.book(scheme, str(v["cadre"]))
        if book is None:
            refuse(
                row, "cadre", f"该干部编号在 {year} 年度没有积分卡（请核对公示名单的“干部编号”）"
            )
            continue
        if book.township != v["township"]:
            refuse(row, "township", f"与积分卡不符：该干部的积分卡在{_place(book.township)}")
            continue
        if book.village != v["village"]:
            refuse(row, "village", f"与积分卡不符：该干部的积分卡在{book.village}")
            continue
        task = None if v["task"] is None else str(v["task"])
        plan = state.plan(scheme, book.township) if task is not None else None
        if task is not None and plan is None:
            refuse(row, "task", f"{_place(book.township)}尚未制定 {year} 年度任务清单")
            continue
        component = Component(str(v["component"]))
        key = (int(v["quarter"]), component.value, int(v["points"]), str(v["reason"]), task)
        if (earlier := state.entered(book, key)) is not None:
            refuse(row, "reason", f"与已录入的记录相同（{earlier}）：同一文件另存后请勿重复导入；"
                                  "如确为另一条记录，请在事由中区分")  # fmt: skip
            continue
        register = state.register(scheme, book) if component is Component.WORK else None
        quarter = int(v["quarter"])
        work = book.work_standing.get((task or "", quarter), 0)
        allocated = register.allocated(book.id, task or "", quarter) if register else 0
        try:
            book.enter(
                quarter=quarter, component=component, points_tenths=int(v["points"]),
                reason=str(v["reason"]), task=task, plan=plan, actor=actor, moment=moment,
                register=register,
            )  # fmt: skip
        except RuleViolation as e:
            refuse(row, *_explain(e, book, v, work, allocated))
            continue
        if (refusal := actor_refusal(ledger.app, book)) is not None:
            refuse(row, *_explain(refusal, book, v, work, allocated))
            continue
        touched.setdefault(book.id, book)
        out.records.append((book.id, book.version))
    out.save = list(touched.values())
    return out


__all__ = ["COMPONENTS", "prepare_points"]
