"""The console's page of one posting (公示) for its responsible unit: what is posted, the
period, how to object, every objection (number, day received, what about, category, answer
due, overdue, the published answer) and, for the unit, the answer form of each waiting
objection and the close form, their path fields filled in (kind, scope, year, objection).
The posting and its objections are public (``posting_view``, the read the notice and the
public page share); the forms are the role's, the domain checks every answer and closure."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response

from api import labels
from api.console.access import current, render, to_signin
from api.console.forms import Form, forms_for
from api.queue_item import covers
from api.queues import scope_of
from api.services import Services, services
from projections.objections import posting_view

router = APIRouter(prefix="/console", include_in_schema=False)
Service = Annotated[Services, Depends(services)]
ANSWER = "postings.kind.scope.year.objections.objection.answer"
CLOSE = "postings.kind.scope.year.close"


@router.get("/postings/{posting}", response_class=HTMLResponse)
def posting_page(
    request: Request, s: Service, posting: Annotated[str, Path(max_length=64)]
) -> Response:
    """One posting by its stream id (未找到, 404, for an unknown one)."""
    session = current(request, s)
    if session is None:
        return to_signin()
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
    return render(request, "posting.html", session, title=title, view=view, answers=answers,
                  close=close, ready=ready, today=today.isoformat())  # fmt: skip


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
