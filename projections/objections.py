"""Objections to 公示 postings (异议/举报; docs/FORMAT.md §8 ``objections``): one row per
``posting.ObjectionReceived`` — its number, the day received, what it is about (a row of the
posting, or null), its category, when the answer is due, and once answered the answer as the
unit published it, the day and whether it was late. The objector and the objection's text are
in the vault, never in a row.

``posting_view`` is the read the notice, the console and the public page share: one posting
(from the ``postings`` list) with its objections, ``unanswered`` and ``overdue`` decided on
the reader's ``today``."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, ClassVar

from projections.base import Handler, Leaf, Projection
from projections.queries import ListReader
from projections.rows import ROW, Rows
from verify.schema import POSTING_NAMESPACE

PUBLIC = ("objection", "number", "received_on", "about", "category", "status", "answer_due",
          "answered_on", "answer", "late")  # fmt: skip


def objection_key(posting: str, number: int) -> str:
    return f"{posting}/{number:010d}"


class Objections(Projection):
    name: ClassVar[str] = "objections"

    def opened(self, rows: Rows, leaf: Leaf) -> None:
        d = leaf.data
        rows.put(
            "posting", leaf.stream, {"kind": d["kind"], "scope": d["scope"], "year": d["year"]}
        )

    def received(self, rows: Rows, leaf: Leaf) -> None:
        posting, d = rows.get("posting", leaf.stream), leaf.data
        if posting is None:
            return
        objection = uuid.uuid5(uuid.UUID(leaf.stream), f"objection/{d['number']}")
        rows.put(ROW, objection_key(leaf.stream, d["number"]), posting | {
            "posting": leaf.stream, "objection": str(objection), "number": d["number"],
            "received_on": leaf.date, "about": d["about"], "category": d["category"],
            "answer_due": d["answer_due"], "status": "waiting", "answered_on": None,
            "answer": None, "late": None,
        }, grp=leaf.stream)  # fmt: skip

    def answered(self, rows: Rows, leaf: Leaf) -> None:
        key = objection_key(leaf.stream, leaf.data["number"])
        if (row := rows.get(ROW, key)) is not None:
            row |= {"status": "answered", "answered_on": leaf.date,
                    "answer": leaf.data["answer"], "late": leaf.data["late"]}  # fmt: skip
            rows.put(ROW, key, row, grp=leaf.stream)

    handlers: ClassVar[dict[str, Handler]] = {
        "posting.Opened": opened,
        "posting.ObjectionReceived": received,
        "posting.ObjectionAnswered": answered,
    }


def posting_stream(kind: str, scope: str, year: int) -> str:
    """The posting's stream id (ledger/posting/posting.py posting_id, FORMAT §4)."""
    return str(uuid.uuid5(POSTING_NAMESPACE, f"{kind}/{scope}/{year}"))


def public_objection(row: dict[str, Any], today: date) -> dict[str, Any]:
    """An objection row's public members, with ``overdue``: waiting and due before today."""
    found = {name: row[name] for name in PUBLIC}
    found["overdue"] = row["status"] == "waiting" and today.isoformat() > row["answer_due"]
    return found


def posting_view(
    reader: ListReader, kind: str, scope: str, year: int, today: date | None = None
) -> dict[str, Any] | None:
    """The posting of ``kind``/``scope``/``year`` with its public objections (by number),
    ``unanswered`` (how many wait) and ``overdue`` (how many wait past their due date on
    ``today``, default the system's date); None if no such posting is projected."""
    stream = posting_stream(kind, scope, year)
    found = [row for row in reader.rows("postings") if row["key"] == stream]
    if not found:
        return None
    row, day = found[0], today or date.today()
    objections = [public_objection(o, day) for o in reader.rows("objections", grp=stream)]
    objections.sort(key=lambda o: o["number"])
    return {
        "posting": stream, "kind": kind, "scope": scope, "year": year,
        **{name: row[name] for name in ("issuing_unit", "period_start", "period_end",
                                        "answer_days", "how_to_object", "status")},
        "objections": objections,
        "unanswered": sum(o["status"] == "waiting" for o in objections),
        "overdue": sum(o["overdue"] for o in objections),
    }  # fmt: skip
