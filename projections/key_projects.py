"""Key projects: items with due dates, amendments (动态调整), monthly progress, verification
(盘点销号), escalations (docs/FORMAT.md §8 ``key-projects``). An item is overdue when not
done and today > due, decided when read."""

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
            "county": d["county"], "lead": d["lead"], "year": d["year"], "progress": [],
            "amendments": [],
            "items": [_new_item(i["item"], i["title"], i["due"]) for i in d["items"]],
        })  # fmt: skip

    def amended(self, rows: Rows, leaf: Leaf) -> None:
        d = leaf.data
        row = rows.get(ROW, leaf.stream)
        if row is None:
            return
        row["amendments"].append(
            {"change": d["change"], "due": d["due"], "item": d["item"], "reason": d["reason"]}
        )
        if d["change"] == "add":
            row["items"].append(_new_item(d["item"], d["title"], d["due"]))
        elif d["change"] == "drop":
            row["items"] = [i for i in row["items"] if i["item"] != d["item"]]
        else:
            for item in row["items"]:
                if item["item"] == d["item"]:
                    item["due"] = d["due"]
        rows.put(ROW, leaf.stream, row)

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

    def verified(self, rows: Rows, leaf: Leaf) -> None:
        self._item(rows, leaf, {"verified": True})

    def escalated(self, rows: Rows, leaf: Leaf) -> None:
        self._item(rows, leaf, {"escalated_case": leaf.data["case"]})

    handlers: ClassVar[dict[str, Handler]] = {
        "keyproject.Registered": registered,
        "keyproject.Amended": amended,
        "keyproject.ProgressReported": progressed,
        "keyproject.ItemVerified": verified,
        "keyproject.ItemEscalated": escalated,
    }


def _new_item(item: str, title: str, due: str) -> dict[str, object]:
    return {"item": item, "title": title, "due": due, "done": False, "done_month": None,
            "escalated_case": None, "verified": False}  # fmt: skip
