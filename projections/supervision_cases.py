"""The supervision board's cases: stage, actions, deadline, closure (docs/FORMAT.md §8
``supervision-cases``). Overdue is decided when read, against the reader's clock."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from projections.base import Handler, Leaf, Projection
from projections.rows import ROW, Rows

NAMED_TARGETS = ("cadre", "unit_head")
STAGE_OF = {
    "supervision.TalkHeld": "talk",
    "supervision.GuidanceGiven": "guidance",
    "supervision.CaseListed": "listed",
    "supervision.RectificationReported": "rectified",
    "supervision.CaseClosed": "closed",
}


class SupervisionCases(Projection):
    name: ClassVar[str] = "supervision-cases"

    def opened(self, rows: Rows, leaf: Leaf) -> None:
        d = leaf.data
        named = d["target_kind"] in NAMED_TARGETS
        person = rows.get("subject", d["target"]) if named else None
        if named:
            person = person or {"cases": [], "erased": False}
            person["cases"].append(leaf.stream)
            rows.put("subject", d["target"], person)
        rows.put(ROW, leaf.stream, {
            "case": leaf.stream, "target_kind": d["target_kind"], "target": d["target"],
            "target_name": self.name_of(d["target"], person["erased"]) if person else d["target"],
            "reason": d["reason"], "county": d["county"], "trigger": d["trigger"],
            "source": d["source"],
            "opened_on": leaf.date, "stage": "opened", "talks": 0, "guidance": 0,
            "deadline": None, "listed_on": None, "rectified_on": None, "closed_on": None,
            "evidence": None,
        })  # fmt: skip

    def acted(self, rows: Rows, leaf: Leaf) -> None:
        row = rows.get(ROW, leaf.stream)
        if row is None:
            return
        stage = STAGE_OF[leaf.type]
        row["stage"] = stage
        if stage == "talk":
            row["talks"] += 1
        elif stage == "guidance":
            row["guidance"] += 1
        elif stage == "listed":
            row["deadline"], row["listed_on"] = leaf.data["deadline"], leaf.date
        elif stage == "rectified":
            row["rectified_on"] = leaf.date
        else:
            row["closed_on"], row["evidence"] = leaf.date, leaf.data["evidence"]
        rows.put(ROW, leaf.stream, row)

    def erased(self, rows: Rows, leaf: Leaf) -> None:
        person = rows.get("subject", leaf.stream)
        if person is None:
            return
        person["erased"] = True
        rows.put("subject", leaf.stream, person)
        for case in person["cases"]:
            row = rows.get(ROW, case)
            if row is not None:
                row["target_name"] = self.name_of(leaf.stream, True)
                rows.put(ROW, case, row)

    handlers: ClassVar[dict[str, Handler]] = {
        "supervision.CaseOpened": opened,
        **dict.fromkeys(STAGE_OF, acted),
        "subject.Erased": erased,
    }


def is_overdue(row: dict[str, Any], today: date) -> bool:
    """Listed with a deadline, not closed, and today > deadline."""
    deadline = row.get("deadline")
    return row.get("stage") != "closed" and deadline is not None and today.isoformat() > deadline
