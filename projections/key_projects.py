"""Key projects: items with due dates, monthly progress, escalations (docs/FORMAT.md §8
``key-projects``). An item is overdue when not done and today > due, decided when read."""

from __future__ import annotations

from typing import ClassVar

from projections.base import Handler, Leaf, Projection
from projections.rows import ROW, Rows


class KeyProjects(Projection):
    name: ClassVar[str] = "key-projects"

    def registered(self, rows: Rows, leaf: Leaf) -> None:
        d = leaf.data
        rows.put(ROW, leaf.stream, {
            "project": leaf.stream, "name": d["name"], "owner_unit": d["owner_unit"],
            "year": d["year"], "progress": [],
            "items": [
                {"item": i["item"], "title": i["title"], "due": i["due"], "done": False,
                 "done_month": None, "escalated_case": None}
                for i in d["items"]
            ],
        })  # fmt: skip

    def _item(self, rows: Rows, leaf: Leaf, update: dict[str, object]) -> None:
        row = rows.get(ROW, leaf.stream)
        if row is None:
            return
        for item in row["items"]:
            if item["item"] == leaf.data["item"]:
                item.update(update)
        rows.put(ROW, leaf.stream, row)

    def progressed(self, rows: Rows, leaf: Leaf) -> None:
        d = leaf.data
        row = rows.get(ROW, leaf.stream)
        if row is None:
            return
        row["progress"].append({"done": d["done"], "item": d["item"], "month": d["month"]})
        rows.put(ROW, leaf.stream, row)
        if d["done"]:  # the last report of an item done gives its month (§8)
            self._item(rows, leaf, {"done": True, "done_month": d["month"]})

    def escalated(self, rows: Rows, leaf: Leaf) -> None:
        self._item(rows, leaf, {"escalated_case": leaf.data["case"]})

    handlers: ClassVar[dict[str, Handler]] = {
        "keyproject.Registered": registered,
        "keyproject.ProgressReported": progressed,
        "keyproject.ItemEscalated": escalated,
    }
