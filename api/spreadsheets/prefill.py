"""A points-entries template filled in for one township (review finding 10): a township clerk
can't be expected to type the 干部编号 (a UUID) of each cadre. The template then holds one
row per points book of the scheme year in that township (or one village), not closed at
year-end: county, year, the quarter if asked, township, village and the cadre's public id —
never a name; the clerk fills in 类型, 分值, 任务 and 事由 and leaves the rows of cadres without
an entry empty (the import skips a row whose to-fill columns are all empty:
api/spreadsheets/importer.py).

The books come from the public points list (projections: the cadre's id and village are
public there), so a book opened a moment ago appears once the list has caught up.
"""

from __future__ import annotations

from dataclasses import dataclass

from api import labels
from api.spreadsheets.fields import POINTS_COLUMNS
from projections import queries
from projections.queries import ListReader

TO_FILL = ("component", "points", "task", "reason")  # what a pre-filled row leaves to the clerk


@dataclass(frozen=True)
class Place:
    """Which books: a county's scheme year, one township, optionally one village."""

    county: str
    year: int
    township: str
    village: str | None = None
    quarter: int | None = None


def book_rows(reader: ListReader, place: Place) -> list[list[str]]:
    """One row per open book of ``place`` in POINTS_COLUMNS order, by village then cadre."""
    found = queries.points(reader, period="year", county=place.county, year=place.year,
                           township=place.township, village=place.village)  # fmt: skip
    books = sorted((r for r in found if r.get("close") is None),
                   key=lambda r: (str(r["village"]), str(r["cadre"])))  # fmt: skip
    rows = []
    for book in books:
        values = {"county": place.county, "year": str(place.year),
                  "quarter": "" if place.quarter is None else str(place.quarter),
                  "township": place.township, "village": str(book["village"]),
                  "cadre": str(book["cadre"])}  # fmt: skip
        rows.append([values.get(c.key, "") for c in POINTS_COLUMNS])
    return rows


def how_to(place: Place, count: int) -> list[str]:
    """The 说明 sheet's lines about a pre-filled template (Chinese)."""
    where = labels.TOWNSHIPS.get(place.township, place.township) + (place.village or "")
    county = labels.COUNTIES.get(place.county, place.county)
    return [
        f"本模板已预填 {county}{where} {place.year} 年度未年终结算的 {count} 本积分卡，每行一名干部"
        "（干部编号为公示名单中的公开编号，模板中不含姓名）。",
        "请在各行填写“类型”“分值”“任务”（工作实绩必填）和“事由”；本次没有积分的干部，其行留空即可，"
        "导入时跳过。同一干部有多条积分时，复制该行后分别填写。",
        "干部编号与姓名的对应，请查阅公示网页的村干部积分排名或工作台中的积分卡页面；请勿改动预填的"
        "县、年度、乡镇、村和干部编号。",
    ]


__all__ = ["TO_FILL", "Place", "book_rows", "how_to"]
