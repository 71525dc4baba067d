"""以老带新 mentoring pairs (docs/FORMAT.md §8 ``mentoring-pairs``): "由11名老组工与22名年轻干部
结成帮带对子". One row per pair: the mentor and the mentee by name (department cadres' names are
public duty information), start and end, and which quarterly notes each side has recorded (not
their content, which is in the vault)."""

from __future__ import annotations

from typing import ClassVar

from projections.base import Handler, Leaf, Projection
from projections.rows import ROW, Document, Rows
from verify.lists_cadres import new_notes


class MentoringPairs(Projection):
    name: ClassVar[str] = "mentoring-pairs"

    def started(self, rows: Rows, leaf: Leaf) -> None:
        d = leaf.data
        row: Document = {
            "pair": leaf.stream, "programme": d["programme"], "county": d["county"],
            "started_on": d["started_on"], "ended_on": None, "notes": new_notes(),
        }  # fmt: skip
        for side in ("mentor", "mentee"):
            cadre = rows.get("cadre", d[side]) or {"pairs": [], "erased": False}
            row[side], row[f"{side}_name"] = d[side], self.name_of(d[side], cadre["erased"])
            cadre["pairs"].append(leaf.stream)
            rows.put("cadre", d[side], cadre)
        rows.put(ROW, leaf.stream, row)

    def noted(self, rows: Rows, leaf: Leaf) -> None:
        d = leaf.data
        if (row := rows.get(ROW, leaf.stream)) is not None:
            row["notes"][f"Q{d['quarter']}"][d["side"]] = True
            rows.put(ROW, leaf.stream, row)

    def ended(self, rows: Rows, leaf: Leaf) -> None:
        if (row := rows.get(ROW, leaf.stream)) is not None:
            row["ended_on"] = leaf.data["ended_on"]
            rows.put(ROW, leaf.stream, row)

    def erased(self, rows: Rows, leaf: Leaf) -> None:
        if (cadre := self.erased_cadre(rows, leaf.stream)) is None:
            return
        for pair in cadre["pairs"]:
            if (row := rows.get(ROW, pair)) is None:
                continue
            for side in ("mentor", "mentee"):
                if row[side] == leaf.stream:
                    row[f"{side}_name"] = self.name_of(leaf.stream, True)
            rows.put(ROW, pair, row)

    handlers: ClassVar[dict[str, Handler]] = {
        "mentoring.PairStarted": started,
        "mentoring.NoteRecorded": noted,
        "mentoring.PairEnded": ended,
        "subject.Erased": erased,
    }
