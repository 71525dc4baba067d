"""The console's reading pages: 待办 (the queue) and one page per application, supervision
case, points book and key project — what it is, the forms the clerk's role may use on it
(its ids filled in) and its history: every record with its hash, its leaf in the log, its
checkpoint and its proof."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from api import labels
from api.console.access import current, render, to_signin
from api.console.dispatch import dispatch
from api.console.forms import forms_for
from api.console.receipt import with_checkpoint
from api.console.session import ConsoleSession
from api.console.wording import APPLICATION_STAGES
from api.history import stream_history
from api.queue_postings import posting_page, units_postings
from api.queues import queue_for, scope_of
from api.services import Services, services
from ledger.actor import Role
from ledger.carefund.application import Application
from ledger.carefund.fund import FundYear
from ledger.errors import NotFound
from ledger.points.book import PointsBook
from ledger.supervision.case import SupervisionCase
from ledger.supervision.project import KeyProject

router = APIRouter(prefix="/console", include_in_schema=False)
Service = Annotated[Services, Depends(services)]
Facts = tuple[str, list[tuple[str, Any]], dict[str, str]]  # title, facts, path values


@router.get("/", response_class=HTMLResponse)
def home(request: Request, s: Service) -> Response:
    """待办: what waits for the signed-in principal."""
    session = current(request, s)
    if session is None:
        return to_signin()
    today = s.ledger.clock().date()
    items = queue_for(s, session.actor, today)
    forms = forms_for(request.app, session.actor.role.value)
    postings = [
        (labels.posting_title(r["kind"], r["scope"], r["year"]), posting_page(r["key"]))
        for r in units_postings(s, session.actor, scope_of(s, session.actor))
    ]
    return render(request, "queue.html", session, items=items, today=today.isoformat(),
                  forms=forms, postings=postings)  # fmt: skip


def _application(s: Services, stream: UUID) -> Facts:
    a = s.ledger.app.get(Application, stream)
    year = s.ledger.app.get(FundYear, UUID(a.fund_year)).year
    facts = [
        ("年度", year), ("阶段", APPLICATION_STAGES.get(a.stage, a.stage)),
        ("行业", labels.INDUSTRIES.get(a.industry, a.industry)),
        ("申请档次", a.requested_tier), ("优先考虑", "是" if a.priority else "否"),
        ("当事人编号", a.subject), ("受理", a.submitter), ("审核", a.reviewer or "—"),
        ("审批", a.approver or "—"), ("核定金额（元）", labels.yuan(a.amount_fen or 0)),
    ]  # fmt: skip
    return "帮扶申请", facts, {"application": str(stream), "year": str(year)}


def _case(s: Services, stream: UUID) -> Facts:
    c = s.ledger.app.get(SupervisionCase, stream)
    facts = [
        ("事由", labels.REASONS.get(c.reason, c.reason)),
        ("阶段", labels.STAGES.get(c.stage, c.stage)),
        ("县", labels.COUNTIES.get(c.county, c.county)),
        ("对象编号", c.target), ("整改期限", c.deadline or "—"),
    ]  # fmt: skip
    return "督办案件", facts, {"case": str(stream)}


def _book(s: Services, stream: UUID) -> Facts:
    b = s.ledger.app.get(PointsBook, stream)
    facts: list[tuple[str, Any]] = [
        ("年度", b.year), ("县", labels.COUNTIES.get(b.county, b.county)),
        ("乡镇", labels.TOWNSHIPS.get(b.township, b.township)), ("村", b.village),
        ("类别", labels.CATEGORIES.get(b.category, b.category)), ("干部编号", b.cadre),
        ("年度总分", labels.points(b.total_tenths)),
    ]  # fmt: skip
    facts += [(f"第{q}季度", labels.points(t)) for q, t in sorted(b.quarter_totals.items())]
    values = {"book": str(stream), "county": b.county, "year": str(b.year),
              "township": b.township}  # fmt: skip
    return "干部积分卡", facts, values


def _project(s: Services, stream: UUID) -> Facts:
    p = s.ledger.app.get(KeyProject, stream)
    facts: list[tuple[str, Any]] = [
        ("项目", p.name), ("责任单位", p.owner_unit),
        ("县", labels.COUNTIES.get(p.county, p.county)), ("年度", p.year),
    ]  # fmt: skip
    facts += [
        (f"事项 {item}", f"{due} 到期" + ("，已核验" if item in p.verified else ""))
        for item, due in sorted(p.items.items())
    ]
    return "重点项目", facts, {"project": str(stream)}


PAGES: dict[str, Callable[[Services, UUID], Facts]] = {
    "applications": _application, "cases": _case, "points-books": _book, "projects": _project,
}  # fmt: skip


def api_read(s: Services, kind: str, stream: UUID) -> str:
    """The API's GET route of the item (the points book's names its scheme's county and
    year); NotFound if there is no such item (KeyError for an unknown kind)."""
    if kind == "points-books":
        book = s.ledger.app.get(PointsBook, stream)
        return f"/api/v1/points/{quote(book.county, safe='')}/{book.year}/books/{stream}"
    return {
        "applications": f"/api/v1/carefund/applications/{stream}",
        "cases": f"/api/v1/supervision/cases/{stream}",
        "projects": f"/api/v1/supervision/projects/{stream}",
    }[kind]


@router.get("/{kind}/{name}", response_class=HTMLResponse)
async def one(
    request: Request, s: Service, kind: str, name: Annotated[str, Path(max_length=64)]
) -> Response:
    """One application, case, points book or project with its history: read first through
    the API's own GET route as the session's principal (api/console/dispatch.py), so the
    page shows only what the API would answer that principal. An unknown one, not a stream
    id, or one the API refuses the principal (403): the Chinese 未找到 page, 404 — the same
    page either way, so it tells nothing of items not the principal's."""
    session = await run_in_threadpool(current, request, s)
    if session is None:
        return to_signin()
    missing = render(request, "missing.html", session, 404, what=name)
    try:
        stream = UUID(name)
        path = await run_in_threadpool(api_read, s, kind, stream)
    except (KeyError, ValueError, NotFound):
        return missing
    client = (request.client.host, request.client.port) if request.client else None
    answer = await dispatch(request.app, path, session.token, None, "", client, method="GET")
    if answer.status != 200:
        return missing
    return await run_in_threadpool(_page, request, s, session, kind, stream)


def _page(
    request: Request, s: Services, session: ConsoleSession, kind: str, stream: UUID
) -> Response:
    try:
        title, facts, values = PAGES[kind](s, stream)
    except NotFound:
        return render(request, "missing.html", session, 404, what=str(stream))
    if session.actor.role is Role.PARTY_BUILDING_INSTRUCTOR:  # 现场指导 is given in person
        values = values | {"instructor": session.actor.principal}
    forms = [
        (form, {f.name: values[f.name] for f in form.fields if f.name in values})
        for form in forms_for(request.app, session.actor.role.value)
        if {f.name for f in form.fields if f.in_path} - {"county", "year", "township"}
        and all(f.name in values for f in form.fields if f.in_path)
    ]
    history = with_checkpoint(s, [{**r, "stream": str(stream)} for r in stream_history(s, stream)])
    return render(request, "entity.html", session, title=title, stream=str(stream),
                  facts=facts, forms=forms, history=history)  # fmt: skip
