"""Reading the lists: filters, pages and the views decided against the reader's date.

The rows never depend on a clock; what depends on today (a disbursement's posting window,
overdue follow-ups, cases and items) is decided here, from the dates the rows hold, with
``today`` passed in by the caller.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from ledger.db import SqlDatabase
from ledger.points.config import SchemeConfig
from projections.assessment_loops import decided
from projections.disbursements import in_public_view
from projections.rows import ROW
from projections.runner import table_name
from projections.supervision_cases import is_overdue

Row = dict[str, Any]
MAX_PAGE = 500


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    total: int  # rows matching the filters, over all pages
    offset: int
    limit: int | None  # None: every row from ``offset`` (an export)


class ListReader:
    """Reads the public rows of the projection tables (any thread; one connection each)."""

    def __init__(self, db: SqlDatabase) -> None:
        self.db = db

    def rows(self, name: str, grp: str | None = None) -> list[Row]:
        """Every public row of list ``name`` in key order (only group ``grp`` if given)."""
        sql = f"SELECT key, body FROM {table_name(name)} WHERE kind = ?"
        params: tuple[str, ...] = (ROW,)
        if grp is not None:
            sql, params = sql + " AND grp = ?", (ROW, grp)
        found = self.db.execute(sql, params)
        return [json.loads(body) for _, body in sorted(found, key=lambda r: str(r[0]))]


def page(rows: list[Row], offset: int, limit: int | None) -> Page:
    """Rows ``offset`` to ``offset + limit`` and the total; ``limit`` None: every row from
    ``offset`` (an export carries every row matching the filters, not one page). Requires
    offset >= 0 and 1 <= limit <= MAX_PAGE."""
    if offset < 0 or (limit is not None and not 1 <= limit <= MAX_PAGE):
        raise ValueError(f"offset must be >= 0 and limit 1..{MAX_PAGE}")
    end = None if limit is None else offset + limit
    return Page(rows[offset:end], len(rows), offset, limit)


def _matching(rows: Iterable[Row], **wanted: object) -> list[Row]:
    return [r for r in rows if all(v is None or r.get(k) == v for k, v in wanted.items())]


def disbursements(
    reader: ListReader, today: date, *, audit_view: bool = False, year: int | None = None,
    industry: str | None = None, tier: int | None = None, month: str | None = None,
    offset: int = 0, limit: int | None = 50,
) -> Page:  # fmt: skip
    """The public list (rows inside their posting window on ``today``), or with
    ``audit_view`` every row; newest disbursement first. ``month`` is ``YYYY-MM``."""
    rows = _matching(reader.rows("disbursements"), year=year, industry=industry, tier=tier)
    if month is not None:
        rows = [r for r in rows if str(r["disbursed_on"]).startswith(month + "-")]
    if not audit_view:
        rows = [r for r in rows if in_public_view(r, today)]
    rows.sort(key=lambda r: (r["disbursed_on"], r["leaf"]), reverse=True)
    return page(rows, offset, limit)


def fund_ledger(reader: ListReader, today: date, year: int | None = None) -> list[Row]:
    """Each fund year's ledger with ``overdue_follow_ups``: pending ones due before today."""
    found = []
    for row in _matching(reader.rows("fund-ledger"), year=year):
        overdue = [p for p in row["pending_follow_ups"] if today.isoformat() > p["due"]]
        found.append({**row, "overdue_follow_ups": overdue})
    return found


def audit_results(reader: ListReader, year: int | None = None) -> list[Row]:
    return _matching(reader.rows("audit-results"), year=year)


def points(
    reader: ListReader, *, period: str = "year", county: str | None = None,
    township: str | None = None, village: str | None = None, category: str | None = None,
    bottom_only: bool = False, year: int | None = None,
) -> list[Row]:  # fmt: skip
    """Rows of one period: the newest year first, then by county, category (正职, 副职, 后备:
    the scheme's order, others after by code), rank (unranked last), village. A page of the
    unfiltered list so begins with a year's 正职 and their bottom-10% marks, not with 副职
    alone; ``category`` and ``bottom_only`` select one category's 末位 rows."""
    rows = _matching(
        reader.rows("points"), period=period, county=county, township=township,
        village=village, category=category, year=year,
    )  # fmt: skip
    if bottom_only:
        rows = [r for r in rows if r["bottom"]]
    return sorted(rows, key=_points_order)


CATEGORY_ORDER = {c.code: i for i, c in enumerate(SchemeConfig().categories)}


def _points_order(r: Row) -> tuple[Any, ...]:
    rank = r["rank"]
    return (
        -int(r["year"]), str(r["county"]), CATEGORY_ORDER.get(r["category"], len(CATEGORY_ORDER)),
        r["category"], rank is None, rank or 0, r["village"], r["key"],
    )  # fmt: skip


def village_book(reader: ListReader, village: str, year: int | None = None) -> list[Row]:
    """一村一册: every period row of the village's cadres, by cadre then period."""
    rows = _matching(reader.rows("points"), village=village, year=year)
    return sorted(rows, key=lambda r: (r["year"], r["cadre"], r["period"]))


def cadre_file(reader: ListReader, cadre: str) -> list[Row]:
    """一人一档: one cadre's rows across schemes and years."""
    rows = _matching(reader.rows("points"), cadre=cadre)
    return sorted(rows, key=lambda r: (r["year"], r["scheme"], r["period"]))


def supervision_cases(reader: ListReader, today: date) -> list[Row]:
    """Every case with ``overdue`` decided on ``today``: the open ones (by stage, then key),
    then the closed ones (latest closure first)."""
    rows = reader.rows("supervision-cases")
    open_cases = sorted((r for r in rows if r["stage"] != "closed"),
                        key=lambda r: (r["stage"], r["key"]))  # fmt: skip
    closed = sorted((r for r in rows if r["stage"] == "closed"),
                    key=lambda r: (r["closed_on"], r["key"]), reverse=True)  # fmt: skip
    return [{**r, "overdue": is_overdue(r, today)} for r in open_cases] + [
        {**r, "overdue": False} for r in closed
    ]


def supervision_board(
    reader: ListReader, today: date, rows: list[Row] | None = None
) -> dict[str, Any]:
    """Open cases by stage, the overdue ones, and the closed ones (latest closure first): of
    every case, or of ``rows`` (a page of ``supervision_cases``)."""
    rows = reader.rows("supervision-cases") if rows is None else rows
    open_cases = [r for r in rows if r["stage"] != "closed"]
    by_stage: dict[str, list[Row]] = {}
    for row in open_cases:
        by_stage.setdefault(row["stage"], []).append(row)
    return {
        "open": by_stage,
        "overdue": [r for r in open_cases if is_overdue(r, today)],
        "closed": sorted((r for r in rows if r["stage"] == "closed"),
                         key=lambda r: (r["closed_on"], r["key"]), reverse=True),
    }  # fmt: skip


def key_projects(reader: ListReader, today: date) -> list[Row]:
    """Projects with ``overdue_items``: items not done whose due date is before today."""

    def late(item: Row) -> bool:
        return not item["done"] and today.isoformat() > item["due"]

    return [
        {**row, "overdue_items": [i["item"] for i in row["items"] if late(i)]}
        for row in reader.rows("key-projects")
    ]


# -- issue 14: an organisation department's own cadres -----------------------------------


def lectures(
    reader: ListReader, *, county: str | None = None, programme: str | None = None,
    board: str | None = None, closed: bool | None = None, offset: int = 0,
    limit: int | None = 50,
) -> Page:  # fmt: skip
    """讲组工 lectures by week (then key)."""
    rows = _matching(
        reader.rows("lectures"), county=county, programme=programme, board=board, closed=closed
    )
    rows.sort(key=lambda r: (r["week"], r["key"]))
    return page(rows, offset, limit)


def assessment_loops(
    reader: ListReader, today: date, *, county: str | None = None, year: int | None = None,
    programme: str | None = None, quarter: int | None = None, offset: int = 0,
    limit: int | None = 50,
) -> Page:  # fmt: skip
    """平时考核 loops by programme, quarter and section, each step's ``missing`` and
    ``overdue`` decided on ``today``."""
    rows = _matching(
        reader.rows("assessment-loops"), county=county, year=year, programme=programme,
        quarter=quarter,
    )  # fmt: skip
    rows.sort(key=lambda r: (r["year"], r["county"], r["programme"], r["quarter"], r["section"]))
    found = page(rows, offset, limit)
    return Page([decided(r, today) for r in found.rows], found.total, offset, limit)


def mentoring_pairs(
    reader: ListReader, *, county: str | None = None, programme: str | None = None,
    ongoing: bool | None = None, offset: int = 0, limit: int | None = 50,
) -> Page:  # fmt: skip
    """以老带新 pairs by start date, mentor, then key; ``ongoing``: not ended (True) or ended."""
    rows = _matching(reader.rows("mentoring-pairs"), county=county, programme=programme)
    if ongoing is not None:
        rows = [r for r in rows if (r["ended_on"] is None) == ongoing]
    rows.sort(key=lambda r: (r["started_on"], r["mentor_name"], r["key"]))
    return page(rows, offset, limit)


def training_classes(
    reader: ListReader, *, county: str | None = None, year: int | None = None,
    kind: str | None = None, offset: int = 0, limit: int | None = 50,
) -> Page:  # fmt: skip
    """Training classes by year, kind, then key."""
    rows = _matching(reader.rows("training-classes"), county=county, year=year, kind=kind)
    rows.sort(key=lambda r: (r["year"], r["kind"], r["key"]))
    return page(rows, offset, limit)
