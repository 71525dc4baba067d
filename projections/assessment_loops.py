"""Qianshan's 平时考核 loop, per section and quarter (docs/FORMAT.md §8 ``assessment-loops``):
"个人有小结、领导有评鉴、结果有反馈、改进有目标". Counts only: how many cadres a section has, how
many did each step and how many of those late. The 小结 and 评鉴 are personal (in the vault,
committed to by the records), so no content, no names and no ratings here: a section's count
of 较差 in a five-cadre section points at a person.
A step is late when its record's date is after its due date (the quarter's last day plus the
programme's ``due_days``); the ones not done are missing, overdue once read after the due
date (decided when read)."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from projections.base import Handler, Leaf, Projection
from projections.rows import ROW, Rows
from verify.lists_cadres import LOOP_STEP, loop_key, new_loop


class AssessmentLoops(Projection):
    name: ClassVar[str] = "assessment-loops"

    def opened(self, rows: Rows, leaf: Leaf) -> None:
        d = leaf.data
        rows.put("programme", leaf.stream, {
            "county": d["county"], "year": d["year"], "due_days": dict(d["due_days"]),
        })  # fmt: skip

    def enrolled(self, rows: Rows, leaf: Leaf) -> None:
        d = leaf.data
        programme = rows.get("programme", d["programme"])
        if programme is None:
            return
        rows.put("record", leaf.stream, {"programme": d["programme"], "section": d["section"]})
        for quarter in range(1, 5):
            key = loop_key(d["programme"], d["section"], quarter)
            row = rows.get(ROW, key) or new_loop(d["programme"], programme, d["section"], quarter)
            row["cadres"] += 1
            rows.put(ROW, key, row)

    def step(self, rows: Rows, leaf: Leaf) -> None:
        record = rows.get("record", leaf.stream)
        if record is None:
            return
        d = leaf.data
        row = rows.get(ROW, loop_key(record["programme"], record["section"], d["quarter"]))
        if row is None:
            return
        step = row[LOOP_STEP[leaf.type]]
        step["done"] += 1
        step["late"] += int(leaf.date > step["due"])
        rows.put(ROW, row["key"], row)

    handlers: ClassVar[dict[str, Handler]] = {
        "assessment.ProgrammeOpened": opened,
        "assessment.CadreEnrolled": enrolled,
        **dict.fromkeys(LOOP_STEP, step),
    }


def decided(row: dict[str, Any], today: date) -> dict[str, Any]:
    """``row`` with each step's ``missing`` (cadres who have not done it: ``cadres`` − ``done``)
    and ``overdue`` (those missing once ``today`` is after the step's due date, else 0),
    decided on ``today`` (never stored: the rows don't depend on a clock)."""
    steps = {}
    for step in LOOP_STEP.values():
        found = row[step]
        missing = max(row["cadres"] - found["done"], 0)
        overdue = missing if today.isoformat() > found["due"] else 0
        steps[step] = {**found, "missing": missing, "overdue": overdue}
    return {**row, **steps}
