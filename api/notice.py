"""A posting's list as the printable notice and the page's verification show it (公示).

Two kinds of list are posted: a fund year's grants (``carefund``, scope = the fund, e.g.
``tongcheng-pioneer-care``: "对先锋关爱基金使用情况和审计结果及时向社会公示") and a points
year's results (``points``, scope = the county, e.g. ``taihu``: "利用党务公开栏等多种形式，
即时公示公开"). The rows are the public list's own rows, read as the public reads them:

- ``carefund`` with a posting record (the unit posts the year's grants, e.g. 桐城市总工会 from
  23 to 31 March 2023 after the ninth grant: "今年来已有9人享受7800元帮扶资金"): the
  disbursement list's rows of that fund and year paid on or before the period's last day,
  each grant by application id, industry, tier, amount and date — the posting's rows that an
  objection may be about — whatever the running list's own 30-day window says (that window
  withdraws the masked names; the notice names no one);
- ``carefund`` without one: the rows on public display on the reader's date (each grant
  inside its posting window; none of a withdrawn one);
- ``points``: the points list's year rows of that county and year; once the year is closed,
  its frozen ranking (rank, total, 末位 flag) as the close's records hold it (each row's leaf:
  the ``points.RankingPart`` with its row, saved just before ``points.YearClosed``)
  — the record each row is verified against.

The posting's unit, period, how to object and its objections with their published answers
come from the posting record (``projections.objections.posting_view``) when the unit has
opened one; without it, from the list itself (see ``_fallback``).
Nothing personal: the grants are named by application id only, and the points list's names
are the cadres' public ones (as on the page).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from api import labels
from api.services import Services
from ledger.points.scheme import Scheme
from projections import queries
from projections.objections import posting_view
from verify.days import business_date

KINDS = {"carefund": "关爱基金发放", "points": "村（社区）干部年度积分"}
POINTS_POSTING_DAYS = 7  # a points year's results stay up 7 days from the close (no record)
Row = dict[str, Any]


@dataclass(frozen=True)
class Notice:
    kind: str
    scope: str
    year: int
    title: str
    issuing_unit: str
    period_start: str | None
    period_end: str | None
    how_to_object: str
    status: str  # open / closed / unknown (no posting record)
    rows: list[Row]
    objections: list[Row] = field(default_factory=list)
    from_posting: bool = False  # the posting record gave unit, period and how to object


def parse_list(text: str) -> tuple[str, str, int] | None:
    """``kind:scope:year`` (the page's ``?verify=``) or None if it is not one."""
    parts = text.split(":")
    if len(parts) != 3 or parts[0] not in KINDS or not parts[2].isdigit():
        return None
    scope, year = parts[1], int(parts[2])
    if not 0 < len(scope) <= 60 or not 2000 <= year <= 2100:
        return None
    return parts[0], scope, year


def list_rows(
    s: Services, kind: str, scope: str, year: int, day: date, until: str | None = None
) -> list[Row] | None:
    """The posted list's rows on ``day``, or None if there is no such list (no such fund
    year, no points rows of that county and year). ``until``: a posting's last day — a fund
    year's grants paid on or before it, whatever their own window (oldest first)."""
    if kind == "carefund":
        if not [f for f in queries.fund_ledger(s.read.reader, day, year) if f["fund"] == scope]:
            return None
        rows: list[Row] = []
        offset, total = 0, 1
        while offset < total:
            found = queries.disbursements(
                s.read.reader, day, audit_view=until is not None, year=year, offset=offset,
                limit=queries.MAX_PAGE,
            )  # fmt: skip
            rows += [r for r in found.rows if r["fund"] == scope]
            offset, total = offset + queries.MAX_PAGE, found.total
        if until is None:
            return rows
        return sorted((r for r in rows if r["disbursed_on"] <= until),
                      key=lambda r: (r["disbursed_on"], r["leaf"]))  # fmt: skip
    points = [r for r in queries.points(s.read.reader, county=scope) if r["year"] == year]
    if not points:
        return None
    closes = {scheme: close_leaves(s, scheme) for scheme in {r["scheme"] for r in points}}
    return sorted((_result(r, closes[r["scheme"]].get(r["book"])) for r in points), key=_order)


def _order(row: Row) -> tuple[Any, ...]:
    """正职, 副职, 后备 (the scheme's order), then rank (unranked last), village."""
    category = list(labels.CATEGORIES).index(row["category"]) if row["category"] in (
        labels.CATEGORIES) else len(labels.CATEGORIES)  # fmt: skip
    return (category, row["category"], row["rank"] is None, row["rank"] or 0, row["village"],
            row["key"])  # fmt: skip


def _result(row: Row, close: int | None) -> Row:
    """A points year row as posted: the close's frozen rank, total and 末位 flag if closed."""
    closed = close is not None and row.get("closed_rank") is not None
    return {
        "key": row["key"], "book": row["book"], "scheme": row["scheme"],
        "category": row["category"], "name": row["name"], "township": row["township"],
        "village": row["village"], "grade": row["grade"],
        "rank": row["closed_rank"] if closed else row["rank"],
        "total": row["closed_total"] if closed else row["total"],
        "bottom": row["closed_bottom"] if closed else row["bottom"],
        "close_leaf": close if closed else None,
    }  # fmt: skip


def close_leaves(s: Services, scheme: str) -> dict[str, int]:
    """Book -> the log leaf of the ``points.RankingPart`` holding its row in the scheme's
    latest close (the parts just before its ``points.YearClosed``); empty: not closed, or
    the close not yet in the log."""
    closed, part = get_topic(Scheme.YearClosed), get_topic(Scheme.RankingPart)
    events = list(s.read.log.recorder.select_events(UUID(scheme)))
    ends = [i for i, e in enumerate(events) if e.topic == closed]
    if not ends or s.read.log.leaf_of(scheme, events[ends[-1]].originator_version) is None:
        return {}
    first = ends[-1]
    while first > 0 and events[first - 1].topic == part:
        first -= 1
    found: dict[str, int] = {}
    for event in events[first : ends[-1]]:
        leaf = s.read.log.leaf_of(scheme, event.originator_version)
        data = None if leaf is None else s.read.log.leaf_data(leaf)
        if leaf is None or data is None:
            return {}
        found |= dict.fromkeys((row["book"] for row in json.loads(data)["data"]["rows"]), leaf)
    return found


def notice(s: Services, kind: str, scope: str, year: int, day: date) -> Notice | None:
    posted = posting_view(s.read.reader, kind, scope, year, day)
    until = None if posted is None else str(posted["period_end"])
    rows = list_rows(s, kind, scope, year, day, until)
    if rows is None:
        return None
    title = labels.posting_title(kind, scope, year)
    if posted is None:
        return _fallback(s, kind, scope, year, title, rows)
    return Notice(
        kind, scope, year, title, posted["issuing_unit"], str(posted["period_start"]),
        str(posted["period_end"]), posted["how_to_object"], posted["status"], rows,
        list(posted.get("objections") or []), True,
    )  # fmt: skip


def _fallback(s: Services, kind: str, scope: str, year: int, title: str, rows: list[Row]) -> Notice:
    """Without a posting record: the care fund's grants are each posted from their payment
    for the fund year's posting_days (the rows' posted_on .. withdrawn_on, the last day
    before withdrawal); a points year's results for POINTS_POSTING_DAYS from the close."""
    if kind == "carefund":
        unit = labels.FUND_UNITS.get(scope, labels.FUNDS.get(scope, scope))
        start = min((r["posted_on"] for r in rows), default=None)
        last = max((r["withdrawn_on"] for r in rows), default=None)
        end = None if last is None else (date.fromisoformat(last) - timedelta(days=1)).isoformat()
    else:
        unit = labels.COUNTIES.get(scope, scope) + "委组织部"
        start, end = _close_period(s, rows)
    how = (f"对公示内容有异议的，请于公示期内向{unit}实名或匿名反映；"
           f"{unit}将在收到后限期答复并公开答复内容（不含个人信息）。")  # fmt: skip
    return Notice(kind, scope, year, title, unit, start, end, how, "unknown", rows)


def _close_period(s: Services, rows: list[Row]) -> tuple[str | None, str | None]:
    """A points year's posting: from the close record's date for POINTS_POSTING_DAYS."""
    leaves = [r["close_leaf"] for r in rows if r["close_leaf"] is not None]
    data = s.read.log.leaf_data(max(leaves)) if leaves else None
    if data is None:
        return None, None
    start = business_date(json.loads(data)["at"], s.settings.zone)
    return start.isoformat(), (start + timedelta(days=POINTS_POSTING_DAYS - 1)).isoformat()
