"""Training classes (docs/FORMAT.md §8 ``training-classes``): "常态化开展公务员初任培训班、
中青年干部培训班、科级干部培训班课程". One row per class: its kind and name, how many sessions,
how many participants, how many were present at each session recorded, how many completed.
Counts only: who attended is in each cadre's own file (一人一档), not in the public list."""

from __future__ import annotations

from typing import ClassVar

from projections.base import Handler, Leaf, Projection
from projections.rows import ROW, Rows


class TrainingClasses(Projection):
    name: ClassVar[str] = "training-classes"

    def opened(self, rows: Rows, leaf: Leaf) -> None:
        d = leaf.data
        rows.put(ROW, leaf.stream, {
            "training": leaf.stream, "county": d["county"], "year": d["year"], "kind": d["kind"],
            "name": d["name"], "sessions": d["sessions"], "participants": 0,
            "attendance": [None] * d["sessions"], "completed": 0,
        })  # fmt: skip

    def enrolled(self, rows: Rows, leaf: Leaf) -> None:
        if (row := rows.get(ROW, leaf.stream)) is not None:
            row["participants"] += 1
            rows.put(ROW, leaf.stream, row)

    def attended(self, rows: Rows, leaf: Leaf) -> None:
        d = leaf.data
        row = rows.get(ROW, leaf.stream)
        if row is not None and 1 <= d["session"] <= len(row["attendance"]):
            row["attendance"][d["session"] - 1] = len(d["present"])
            rows.put(ROW, leaf.stream, row)

    def completion(self, rows: Rows, leaf: Leaf) -> None:
        if (row := rows.get(ROW, leaf.stream)) is not None and leaf.data["completed"] is True:
            row["completed"] += 1  # a cadre recorded as not completed counts nowhere
            rows.put(ROW, leaf.stream, row)

    handlers: ClassVar[dict[str, Handler]] = {
        "training.ClassOpened": opened,
        "training.ParticipantEnrolled": enrolled,
        "training.AttendanceRecorded": attended,
        "training.CompletionRecorded": completion,
    }
