"""待办 of a posting's (公示) responsible unit: each objection (异议/举报) waiting for its answer,
overdue once ``answer_due`` has passed ("the responsible unit must answer before a
deadline"), and each posting ready to close (its period over and every objection answered:
``posting.unanswered`` allows it then). The unit is the posting kind's role
(ledger/posting/posting.py RESPONSIBLE: the trade union for the care fund's postings, the
organisation department for the points') and, for points, the county's (its registry scope
names the posting's scope). Read from the ``postings`` and ``objections`` lists."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from api.queue_item import QueueItem, covers
from ledger.actor import Actor
from ledger.posting.posting import RESPONSIBLE

if TYPE_CHECKING:
    from api.services import Services


def posting_page(posting: str) -> str:
    return f"/console/postings/{posting}"


def units_postings(s: Services, actor: Actor, scope: dict[str, str | None]) -> list[dict[str, Any]]:
    """The open postings whose unit ``actor`` is."""
    return [
        row for row in _rows(s, "postings")
        if row["status"] == "open" and RESPONSIBLE.get(row["kind"]) is actor.role
        and (row["kind"] != "points" or covers(scope, county=row["scope"]))
    ]  # fmt: skip


def posting_items(
    s: Services, actor: Actor, scope: dict[str, str | None], today: date
) -> list[QueueItem]:
    """Objections waiting for ``actor``'s answer and ``actor``'s postings ready to close."""
    found = []
    for row in units_postings(s, actor, scope):
        page = posting_page(row["key"])
        waiting = [o for o in _rows(s, "objections", row["key"]) if o["status"] == "waiting"]
        for o in waiting:
            late = today.isoformat() > o["answer_due"]
            title = f"异议{'答复逾期' if late else '待答复'}（第{o['number']}号）"
            found.append(QueueItem("objection", o["objection"], "answer", title, o["answer_due"],
                                   late, link=f"{page}#objection-{o['number']}"))  # fmt: skip
        if not waiting and today.isoformat() > row["period_end"]:
            title = "公示期满、异议均已答复：待结束公示"
            found.append(QueueItem("posting", row["key"], "close", title, row["period_end"],
                                   link=page))  # fmt: skip
    return found


def _rows(s: Services, name: str, group: str | None = None) -> list[dict[str, Any]]:
    """A list's rows (its table created first if the server has not made it yet, as the
    postings' routes do: api/routes/postings.py ``positions``)."""
    s.projections.runners[name].position()
    return s.reader.rows(name, grp=group)
