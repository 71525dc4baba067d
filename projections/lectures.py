"""Huaining's 讲组工 lectures (docs/FORMAT.md §8 ``lectures``): "每周安排1名组工干部上讲台，
科室负责人及分管部长集中点评", "一人讲、大家听、现场测". One row per scheduled lecture: the week,
the 板块 and topic, the speaker by name (a department cadre's name is public duty information,
as a village cadre's is), the number of audience forms, the two comments given (not their
content), the 现场测 mean, and the result once closed."""

from __future__ import annotations

from typing import ClassVar

from projections.base import Handler, Leaf, Projection
from projections.rows import ROW, Rows
from verify.schema import COMMENTERS


class Lectures(Projection):
    name: ClassVar[str] = "lectures"

    def scheduled(self, rows: Rows, leaf: Leaf) -> None:
        d = leaf.data
        cadre = rows.get("cadre", d["speaker"]) or {"lectures": [], "erased": False}
        rows.put(ROW, leaf.stream, {
            "lecture": leaf.stream, "programme": d["programme"], "county": d["county"],
            "week": d["week"], "board": d["board"], "topic": d["topic"],
            "speaker": d["speaker"], "name": self.name_of(d["speaker"], cadre["erased"]),
            "forms": 0, "means": None, "overall_tenths": None, "test_mean_tenths": None,
            "comments": dict.fromkeys(COMMENTERS, False), "closed": False,
        })  # fmt: skip
        cadre["lectures"].append(leaf.stream)
        rows.put("cadre", d["speaker"], cadre)

    def rated(self, rows: Rows, leaf: Leaf) -> None:
        if (row := rows.get(ROW, leaf.stream)) is not None:
            row["forms"] += 1
            rows.put(ROW, leaf.stream, row)

    def commented(self, rows: Rows, leaf: Leaf) -> None:
        if (row := rows.get(ROW, leaf.stream)) is not None:
            row["comments"][leaf.data["capacity"]] = True
            rows.put(ROW, leaf.stream, row)

    def tested(self, rows: Rows, leaf: Leaf) -> None:
        if (row := rows.get(ROW, leaf.stream)) is not None:
            row["test_mean_tenths"] = leaf.data["mean_tenths"]
            rows.put(ROW, leaf.stream, row)

    def closed(self, rows: Rows, leaf: Leaf) -> None:
        """The result as ``lecture.Closed`` states it (rule ``lecture.result`` of §4 holds it
        equal to the recomputation from the forms)."""
        d = leaf.data
        if (row := rows.get(ROW, leaf.stream)) is not None:
            row |= {"means": dict(d["means"]), "overall_tenths": d["overall_tenths"],
                    "test_mean_tenths": d["test_mean_tenths"], "closed": True}  # fmt: skip
            rows.put(ROW, leaf.stream, row)

    def erased(self, rows: Rows, leaf: Leaf) -> None:
        if (cadre := self.erased_cadre(rows, leaf.stream)) is None:
            return
        for lecture in cadre["lectures"]:
            if (row := rows.get(ROW, lecture)) is not None:
                row["name"] = self.name_of(leaf.stream, True)
                rows.put(ROW, lecture, row)

    handlers: ClassVar[dict[str, Handler]] = {
        "lecture.Scheduled": scheduled,
        "lecture.Rated": rated,
        "lecture.Commented": commented,
        "lecture.TestRecorded": tested,
        "lecture.Closed": closed,
        "subject.Erased": erased,
    }
