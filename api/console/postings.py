"""The console's page of one posting (公示) for its responsible unit: what is posted, the
period, how to object, every objection (number, day received, what about, category, answer
due, overdue, the published answer) and, for the unit, the answer form of each waiting
objection and the close form, their path fields filled in (kind, scope, year, objection).
The posting and its objections are public (``posting_view``, the read the notice and the
public page share); the forms are the role's, the domain checks every answer and closure.
Above each waiting objection's answer form the unit reads its text and the objector's contact
(or that the objector was erased), through the API's unit-only GET of the objection."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from api import labels
from api.console.access import current, render, to_signin
from api.console.dispatch import dispatch
from api.console.forms import Form, forms_for
from api.console.session import ConsoleSession
from api.queue_item import covers
from api.queues import scope_of
from api.services import Services, services
from projections.objections import posting_view

router = APIRouter(prefix="/console", include_in_schema=False)
Service = Annotated[Services, Depends(services)]
ANSWER = "postings.kind.scope.year.objections.objection.answer"
CLOSE = "postings.kind.scope.year.close"


@router.get("/postings/{posting}", response_class=HTMLResponse)
async def posting_page(
    request: Request, s: Service, posting: Annotated[str, Path(max_length=64)]
) -> Response:
    """One posting by its stream id (未找到, 404, for an unknown one). For the unit, each
    waiting objection's text and the objector's contact, read through the API's own GET
    route as the session's principal (api/console/dispatch.py): what the API refuses the
    principal, the page does not show."""
    session = await run_in_threadpool(current, request, s)
    if session is None:
        return to_signin()
    page = await run_in_threadpool(_page, request, s, session, posting)
    if isinstance(page, Response):
        return page
    view, answers, context = page
    client = (request.client.host, request.client.port) if request.client else None
    texts = {}
    for number in answers:
        path = f"/api/v1/postings/{view['kind']}/{view['scope']}/{view['year']}/objections/{number}"
        read = await dispatch(request.app, path, session.token, None, "", client, method="GET")
        if read.status == 200:
            texts[number] = read.body
    return await run_in_threadpool(
        render, request, "posting.html", session, view=view, answers=answers, texts=texts,
        keys={n: f"console-{uuid.uuid4()}" for n in texts}, **context,
    )  # fmt: skip


def _page(
    request: Request, s: Services, session: ConsoleSession, posting: str
) -> Response | tuple[dict[str, Any], dict[int, str], dict[str, Any]]:
    """The posting's public view, the answer forms' links of the waiting objections (the
    unit's only) and the rest of the page's context; the 未找到 page if there is none."""
    row = _posting_row(s, posting)
    if row is None:
        return render(request, "missing.html", session, 404, what=posting)
    today = s.ledger.clock().date()
    view = posting_view(s.reader, row["kind"], row["scope"], row["year"], today)
    if view is None:
        return render(request, "missing.html", session, 404, what=posting)
    path = {"kind": row["kind"], "scope": row["scope"], "year": str(row["year"])}
    mine = _unit_forms(request, s, session.actor, row)
    answers = {
        o["number"]: f"/console/forms/{ANSWER}?" + urlencode(path | {"objection": str(o["number"])})
        for o in view["objections"] if o["status"] == "waiting" and ANSWER in mine
    }  # fmt: skip
    close = f"/console/forms/{CLOSE}?" + urlencode(path) if CLOSE in mine else None
    ready = (
        view["status"] == "open"
        and not view["unanswered"]
        and today.isoformat() > (view["period_end"])
    )
    title = labels.posting_title(row["kind"], row["scope"], row["year"])
    context = {"title": title, "close": close, "ready": ready, "today": today.isoformat(),
               "answer_form": ANSWER}  # fmt: skip
    return view, answers, context


def _posting_row(s: Services, posting: str) -> dict[str, Any] | None:
    try:
        key = str(UUID(posting))
    except ValueError:
        return None
    s.projections.runners["postings"].position()  # the table, on a fresh server too
    return next((r for r in s.reader.rows("postings") if r["key"] == key), None)


def _unit_forms(request: Request, s: Services, actor: Any, row: dict[str, Any]) -> dict[str, Form]:
    """The answer and close forms, if the principal may use them on this posting: its
    role's, and for a points posting its county's (the domain's ``posting.unit``)."""
    if row["kind"] == "points" and not covers(scope_of(s, actor), county=row["scope"]):
        return {}
    return {f.key: f for f in forms_for(request.app, actor.role.value) if f.key in (ANSWER, CLOSE)}
