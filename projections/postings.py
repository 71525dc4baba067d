"""公示 postings (docs/FORMAT.md §8 ``postings``): "对先锋关爱基金使用情况和审计结果及时向社会
公示", "利用党务公开栏等多种形式，即时公示公开". One row per posting: what it posts (kind, scope,
year), the issuing unit, the period, the days the unit has to answer an objection, how to
object, whether it is closed, and how many objections were received, answered, answered late."""

from __future__ import annotations

from typing import ClassVar

from projections.base import Handler, Leaf, Projection
from projections.rows import ROW, Rows

OPENED = ("kind", "scope", "year", "issuing_unit", "period_start", "period_end", "answer_days",
          "how_to_object")  # fmt: skip


class Postings(Projection):
    name: ClassVar[str] = "postings"

    def opened(self, rows: Rows, leaf: Leaf) -> None:
        row = {name: leaf.data[name] for name in OPENED}
        row |= {"posting": leaf.stream, "opened_on": leaf.date, "status": "open",
                "closed_on": None, "objections": 0, "answered": 0, "late": 0}  # fmt: skip
        rows.put(ROW, leaf.stream, row)
        rows.put("answer", leaf.stream, {})  # number -> its last answer's late, while open

    def received(self, rows: Rows, leaf: Leaf) -> None:
        if (row := rows.get(ROW, leaf.stream)) is not None:
            row["objections"] += 1
            rows.put(ROW, leaf.stream, row)

    def answered(self, rows: Rows, leaf: Leaf) -> None:
        row, answers = rows.get(ROW, leaf.stream), rows.get("answer", leaf.stream)
        if row is None or answers is None:
            return
        number, late = str(leaf.data["number"]), leaf.data["late"] is True
        if number in answers:  # an objection's last answer counts (§8 "Repeated records")
            row["late"] -= answers[number] is True
        row["answered"] += number not in answers
        row["late"] += late
        answers[number] = late
        rows.put(ROW, leaf.stream, row)
        rows.put("answer", leaf.stream, answers)

    def closed(self, rows: Rows, leaf: Leaf) -> None:
        if (row := rows.get(ROW, leaf.stream)) is not None:
            row |= {"status": "closed", "closed_on": leaf.date}
            rows.put(ROW, leaf.stream, row)

    handlers: ClassVar[dict[str, Handler]] = {
        "posting.Opened": opened,
        "posting.ObjectionReceived": received,
        "posting.ObjectionAnswered": answered,
        "posting.Closed": closed,
    }
