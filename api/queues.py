"""待办: what waits for a principal, by its role (and its registry scope).

- applications at my step: 审核 (industry party committee: submitted), 审批 (trade union:
  reviewed by another), 发放 (finance: approved by another), and 回访 due or overdue
  (intake, committee, union: "建立定期回访制度");
- score entries due this quarter (township party committee, village committee: books of the
  current year in my township / village with nothing entered this quarter, or overdue: an
  earlier quarter of the year with nothing entered);
- supervision cases at my step (约谈提醒 → 现场指导 → 挂牌督办 → 整改 → 销号; a bottom-10%
  case's talk is the cadre's own township party committee's and its guidance the village's
  party-building instructor's), listed cases past their deadline;
- key projects with overdue items (organisation department);
- objections to a posting waiting for the responsible unit's answer (overdue past
  ``answer_due``) and postings ready to close (period over, every objection answered): the
  trade union's care-fund postings, a county organisation department's points postings
  (api/queue_postings.py).

The queue only lists: the rules stay in the domain, which checks every step again when the
clerk acts (a listed item may still be refused, e.g. a separation of duties). Applications
are read from the records (a scan of the log, as ``CareFund.review_queue`` does); points
books, cases and projects from their projections, which follow the log within moments.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from api.queue_item import QueueItem, covers
from api.queue_postings import posting_items
from ledger.actor import Actor, Role
from ledger.carefund.application import Application, Stage
from ledger.carefund.fund import FundYear
from ledger.mapper import unpack_state
from ledger.principal import principal_of
from ledger.supervision import hands
from verify.quarters import quarter_end, quarter_of

if TYPE_CHECKING:
    from api.services import Services


FOLLOW_UP_NOTICE = timedelta(days=30)  # a visit shows this long before it is due
VISITORS = (Role.INTAKE, Role.INDUSTRY_PARTY_COMMITTEE, Role.TRADE_UNION)
SUPERVISORS = (Role.SUPERVISION, Role.TOWNSHIP_PARTY_COMMITTEE, Role.ORGANISATION_DEPARTMENT)
SCORERS = (Role.TOWNSHIP_PARTY_COMMITTEE, Role.VILLAGE_COMMITTEE)
# the application's stage -> (the role that acts next, the step, its Chinese name)
APPLICATION_STEPS = {
    Stage.SUBMITTED.value: (Role.INDUSTRY_PARTY_COMMITTEE, "review", "待审核"),
    Stage.REVIEWED.value: (Role.TRADE_UNION, "approval", "待审批"),
    Stage.APPROVED.value: (Role.FINANCE, "disbursement", "待发放"),
}
# a case's stage -> its next step and that step's Chinese name
CASE_STEPS = {
    "opened": ("talk", "待约谈提醒"), "talk": ("guidance", "待现场指导"),
    "guidance": ("listing", "待挂牌督办"), "listed": ("rectification", "待报告整改"),
    "rectified": ("closure", "待销号"),
}  # fmt: skip


def queue_for(s: Services, actor: Actor, today: date) -> list[QueueItem]:
    """What waits for ``actor`` on ``today``: overdue first, then priority, then by due date
    and stream (see the module docstring). Pseudonymous ids only, no names."""
    scope = scope_of(s, actor)
    found = [*_applications(s, actor, scope, today), *_books(s, actor, scope, today)]
    found += _cases(s, actor, scope, today) + _projects(s, actor, scope, today)
    found += posting_items(s, actor, scope, today)
    return sorted(
        found, key=lambda i: (not i.overdue, not i.priority, i.due or "9999", i.kind, i.item)
    )


def scope_of(s: Services, actor: Actor) -> dict[str, str | None]:
    """The principal's registry scope ({} if it is not enrolled)."""
    principal = principal_of(s.ledger.app, actor.principal)
    return dict(principal.scope) if principal is not None else {}


def _applications(
    s: Services, actor: Actor, scope: dict[str, str | None], today: date
) -> list[QueueItem]:
    """Applications at the actor's step and visits due, of the actor's scope (an industry
    party committee's: its industry's; the domain refuses any other, ``principal.scope``)."""
    visits = actor.role in VISITORS
    if actor.role not in (Role.INDUSTRY_PARTY_COMMITTEE, Role.TRADE_UNION, Role.FINANCE, *VISITORS):
        return []
    app, years, found = s.ledger.app, {}, []
    for stream in app.streams_of(Application.Submitted.TOPIC):
        a = app.get(Application, stream)
        if not covers(scope, industry=a.industry):
            continue
        role, step, title = APPLICATION_STEPS.get(a.stage, (None, "", ""))
        if role is actor.role and actor.principal not in (a.reviewer, a.approver):
            found.append(QueueItem("application", str(a.id), step, title, priority=a.priority))
        if visits and a.stage == Stage.DISBURSED.value:
            if a.fund_year not in years:
                years[a.fund_year] = app.get(FundYear, UUID(a.fund_year))
            due = a.next_follow_up_due(years[a.fund_year].follow_up_schedule(a.follow_up_due))
            if due is not None and date.fromisoformat(due) <= today + FOLLOW_UP_NOTICE:
                late = today > date.fromisoformat(due)
                title = "回访逾期" if late else "待回访"
                found.append(QueueItem("application", str(a.id), "follow_up", title, due, late))
    return found


def _books(s: Services, actor: Actor, scope: dict[str, str | None], today: date) -> list[QueueItem]:
    """Books of today's year in the actor's township (and village, for a village committee),
    the year not closed, with a quarter up to this one where nothing is entered (since the
    book was opened): one item per book, its earliest such quarter (overdue once that
    quarter has ended)."""
    if actor.role not in SCORERS:
        return []
    rows = s.reader.rows("points")
    closed = {r["book"] for r in rows if r["period"] == "year" and r["close"]}
    quarters = {f"Q{q}": q for q in range(1, quarter_of(today) + 1)}
    empty: dict[str, dict[int, str]] = {}  # book -> its empty quarters -> village
    for row in rows:
        if row["year"] != today.year or row["period"] not in quarters or row["book"] in closed:
            continue
        if not covers(
            scope, county=row["county"], township=row["township"], village=row["village"]
        ):
            continue
        if any(row[c] for c in ("work", "evaluation", "bonus", "deduction")):
            continue
        empty.setdefault(row["book"], {})[quarters[row["period"]]] = row["village"]
    found = []
    for book, gaps in empty.items():
        since = _opened_quarter(s, book, today.year) if min(gaps) < max(quarters.values()) else 1
        due_quarters = [q for q in gaps if q >= since]
        if not due_quarters:
            continue
        quarter = min(due_quarters)
        village = gaps[quarter]
        due = quarter_end(today.year, quarter)
        late = today > due
        title = f"第{quarter}季度{'未记分（逾期）' if late else '待记分'}（{village}）"
        found.append(QueueItem("points_book", book, "score_entry", title, due.isoformat(), late))
    return found


def _opened_quarter(s: Services, book: str, year: int) -> int:
    """The quarter of ``year`` its book was opened in (1 if opened before the year): no entry
    is owed for a quarter before the book existed."""
    first = s.ledger.app.recorder.select_events(UUID(book), lte=1)
    if not first:
        return 1
    at = json.loads(unpack_state(first[0].state)[1])["at"]
    opened = date.fromisoformat(at[:10])
    return quarter_of(opened) if opened.year == year else 1


def _cases(s: Services, actor: Actor, scope: dict[str, str | None], today: date) -> list[QueueItem]:
    if actor.role not in (*SUPERVISORS, Role.PARTY_BUILDING_INSTRUCTOR):
        return []
    places = {
        r["cadre"]: (r["township"], r["village"])
        for r in s.reader.rows("points") if r["period"] == "year"
    }  # fmt: skip
    found = []
    for row in s.reader.rows("supervision-cases"):
        if row["stage"] not in CASE_STEPS:
            continue
        step, title = CASE_STEPS[row["stage"]]
        if not _at_my_step(actor, scope, row, step, places.get(row["target"])):
            continue
        late = bool(row["deadline"]) and today > date.fromisoformat(row["deadline"])
        found.append(
            QueueItem(
                "case", row["case"], step, "督办逾期" if late else title, row["deadline"], late
            )
        )
    return found


def _at_my_step(
    actor: Actor, scope: dict[str, str | None], row: dict[str, Any], step: str,
    place: tuple[str, str] | None,
) -> bool:  # fmt: skip
    """Whether a case's next ``step`` is ``actor``'s: on a bottom-10% case the talk is the
    cadre's township party committee's and the guidance its village's instructor's; other
    steps (and every step of other cases) are the supervising roles'. Only cases of the
    actor's county (its scope's), and a township committee's only of its township when the
    case's cadre has one."""
    if not covers(scope, county=row["county"]):
        return False
    mine = scope.get("township")
    if actor.role is Role.TOWNSHIP_PARTY_COMMITTEE and place and mine not in (None, place[0]):
        return False
    bottom = row["reason"] == "bottom_ranking"
    if bottom and step == "talk":  # the domain's own decision (ledger/supervision/hands.py)
        return place is not None and hands.may_talk(actor, scope, place[0])
    if bottom and step == "guidance":
        return place is not None and hands.may_guide(actor, scope, *place)
    return actor.role in SUPERVISORS


def _projects(
    s: Services, actor: Actor, scope: dict[str, str | None], today: date
) -> list[QueueItem]:
    if actor.role is not Role.ORGANISATION_DEPARTMENT:
        return []
    found = []
    for row in s.reader.rows("key-projects"):
        if not covers(scope, county=row["county"]):
            continue
        late = [i for i in row["items"] if not i["verified"] and i["due"] < today.isoformat()]
        if late:
            due = min(i["due"] for i in late)
            title = f"重点项目逾期事项 {len(late)} 项"
            found.append(QueueItem("project", row["project"], "verification", title, due, True))
    return found
