"""The lists ``postings`` and ``objections`` (docs/FORMAT.md §8, issue 15): 公示 postings and
the objections (异议/举报) to them, recomputed from the ``posting.*`` records alone.

``PostingLists`` is the part of verify/lists.py ``Lists`` that folds them: a posting's row
(issuing unit, period, status, counts of objections, answered and late), an objection's
row (its number, category, the row it is about, its published answer). The objector and
the objection's text are in the vault: no row names them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from verify.record import Record

Row = dict[str, Any]


def _pick(data: Mapping[str, Any], *names: str) -> Row:
    return {name: data[name] for name in names}


class PostingLists:
    """The postings' and objections' state, fed ``posting.*`` records in leaf order."""

    def __init__(self) -> None:
        self.postings: dict[str, Row] = {}
        self.objections: dict[str, Row] = {}

    def fold(self, r: Record, s: str, d: Row, day: str) -> None:
        """Fold one ``posting.*`` record of stream ``s`` dated ``day``."""
        match r.type:
            case "posting.Opened":
                self.postings[s] = _pick(d, "kind", "scope", "year", "issuing_unit",
                                         "period_start", "period_end", "answer_days",
                                         "how_to_object")  # fmt: skip
                self.postings[s] |= {"key": s, "posting": s, "opened_on": day, "status": "open",
                                     "closed_on": None, "objections": 0, "answered": 0,
                                     "late": 0}  # fmt: skip
            case "posting.ObjectionReceived":
                posting = self.postings[s]
                posting["objections"] += 1
                key = f"{s}/{d['number']:010d}"
                self.objections[key] = _pick(posting, "kind", "scope", "year")
                self.objections[key] |= _pick(d, "number", "about", "category", "answer_due")
                self.objections[key] |= {
                    "key": key, "posting": s, "received_on": day, "status": "waiting",
                    "objection": str(uuid.uuid5(uuid.UUID(s), f"objection/{d['number']}")),
                    "answered_on": None, "answer": None, "late": None,
                }  # fmt: skip
            case "posting.ObjectionAnswered":
                objection = self.objections.get(f"{s}/{d['number']:010d}")
                if objection is not None:  # else posting.answer is broken
                    posting = self.postings[s]  # an objection's last answer counts
                    posting["answered"] += objection["answered_on"] is None
                    posting["late"] += (d["late"] is True) - (objection["late"] is True)
                    objection |= {"status": "answered", "answered_on": day,
                                  "answer": d["answer"], "late": d["late"]}  # fmt: skip
            case "posting.Closed":
                self.postings[s] |= {"status": "closed", "closed_on": day}

    def posting_rows(self) -> Iterable[Row]:
        return self.postings.values()

    def objection_rows(self) -> Iterable[Row]:
        return self.objections.values()
