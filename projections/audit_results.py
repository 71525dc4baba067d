"""Published audit findings per fund year (docs/FORMAT.md §8 ``audit-results``)."""

from __future__ import annotations

from typing import ClassVar

from projections.base import Handler, Leaf, Projection
from projections.rows import ROW, Rows


class AuditResults(Projection):
    name: ClassVar[str] = "audit-results"

    def opened(self, rows: Rows, leaf: Leaf) -> None:
        rows.put("fund", leaf.stream, {"fund": leaf.data["fund"], "year": leaf.data["year"]})

    def recorded(self, rows: Rows, leaf: Leaf) -> None:
        fund = rows.get("fund", leaf.stream) or {"fund": None, "year": None}
        key = f"{leaf.stream}/{int(leaf.record['version']):010d}"
        rows.put(ROW, key, {
            "fund_year": leaf.stream, "fund": fund["fund"], "year": fund["year"],
            "title": leaf.data["title"], "conclusion": leaf.data["conclusion"],
            "findings": list(leaf.data["findings"]), "recorded_on": leaf.date,
            "leaf": leaf.index,
        })  # fmt: skip

    handlers: ClassVar[dict[str, Handler]] = {
        "carefund.FundYearOpened": opened,
        "carefund.AuditResultRecorded": recorded,
    }
