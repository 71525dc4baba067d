"""The console's forms: one per write route the clerk's role may use (api/console/forms.py),
sent to that route in-process (api/console/dispatch.py). A refused write shows the problem's
detail and rule on the form with the values kept; a write shows its receipt: each record's
hash, its leaf, whether a checkpoint covers it yet, and its proof. The answer form of an
objection, its path fields filled, shows the objection's text and the objector's contact to
the posting's unit, as the posting's page does (the API's unit-only GET, as the session's
principal: what the API refuses the principal, the form does not show; the page is no-store
like every console page)."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from api.console.access import current, render, to_signin
from api.console.csrf import FIELD, csrf_ok
from api.console.dispatch import dispatch
from api.console.forms import Form, FormInvalid, form_named, forms_for, request_of
from api.console.postings import ANSWER
from api.console.receipt import with_checkpoint
from api.console.signin import refused
from api.services import Services, services

router = APIRouter(prefix="/console", include_in_schema=False)
Service = Annotated[Services, Depends(services)]
KEY_FIELD = "idempotency_key"
PAGES = {"application": "applications", "case": "cases", "book": "points-books",
         "project": "projects"}  # fmt: skip


@router.get("/forms", response_class=HTMLResponse)
def forms(request: Request, s: Service) -> Response:
    session = current(request, s)
    if session is None:
        return to_signin()
    mine = forms_for(request.app, session.actor.role.value)
    return render(request, "forms.html", session, forms=mine)


def _mine(request: Request, key: str, role: str) -> Form | None:
    """The form ``key`` if the role may use it; None hides it (as if absent)."""
    form = form_named(request.app, key)
    return form if form is not None and form.may(role) else None


async def _objection(
    request: Request, token: str, form: Form, values: dict[str, str]
) -> dict[str, Any] | None:
    """For the answer form of an objection whose kind, scope, year and objection are filled:
    the objection as the posting's unit reads it, through the API's unit-only GET as the
    bearer of ``token`` (a read recorded as an access event there); None for another form,
    a value that is not a plain path segment, or a read the API refused."""
    if form.key != ANSWER:
        return None
    parts = [values.get(name, "") for name in ("kind", "scope", "year", "objection")]
    if not all(re.fullmatch(r"[\w-]{1,64}", part, re.ASCII) for part in parts):
        return None
    kind, scope, year, objection = parts
    path = f"/api/v1/postings/{kind}/{scope}/{year}/objections/{objection}"
    client = (request.client.host, request.client.port) if request.client else None
    read = await dispatch(request.app, path, token, None, "", client, method="GET")
    return read.body if read.status == 200 else None


@router.get("/forms/{key}", response_class=HTMLResponse)
async def form_page(request: Request, s: Service, key: str) -> Response:
    """The form, its fields filled from the query (e.g. ``?application=...`` from a page);
    an objection's answer form with the objection's text and contact (``_objection``)."""
    session = await run_in_threadpool(current, request, s)
    if session is None:
        return to_signin()
    form = _mine(request, key, session.actor.role.value)
    if form is None:
        return await run_in_threadpool(render, request, "missing.html", session, 404, what=key)
    values = {f.name: request.query_params.get(f.name, "") for f in form.fields}
    objection = await _objection(request, session.token, form, values)
    return await run_in_threadpool(
        render, request, "form.html", session, form=form, values=values,
        key=f"console-{uuid.uuid4()}", problem=None, objection=objection,
    )  # fmt: skip


@router.post("/forms/{key}", response_class=HTMLResponse)
async def submit(request: Request, s: Service, key: str) -> Response:
    """Checks the CSRF token first (403, nothing sent on), then sends the route."""
    session = await run_in_threadpool(current, request, s)
    if session is None:
        return to_signin()
    posted = await request.form()
    if not csrf_ok(session.session_id, posted.get(FIELD)):
        return refused()
    form = _mine(request, key, session.actor.role.value)
    if form is None:
        return render(request, "missing.html", session, 404, what=key)
    values = {f.name: str(posted.get(f.name, "")) for f in form.fields}
    idempotency = str(posted.get(KEY_FIELD, "")) or f"console-{uuid.uuid4()}"
    try:
        path, body = request_of(form, values)
    except FormInvalid as e:
        objection = await _objection(request, session.token, form, values)
        return render(request, "form.html", session, 422, form=form, values=values,
                      key=idempotency, problem=_invalid(e), objection=objection)  # fmt: skip
    client = (request.client.host, request.client.port) if request.client else None
    answer = await dispatch(request.app, path, session.token, body, idempotency, client)
    if not 200 <= answer.status < 300:
        objection = await _objection(request, session.token, form, values)
        return render(request, "form.html", session, answer.status, form=form, values=values,
                      key=idempotency, problem=_problem(answer.status, answer.body),
                      objection=objection)  # fmt: skip
    records = await run_in_threadpool(with_checkpoint, s, answer.body.get("records", []))
    evidence = answer.body.get("evidence", {})
    follow = _next(request, form, evidence, session.actor.role.value)
    return render(request, "receipt.html", session, 201 if answer.status == 201 else 200,
                  form=form, records=records, evidence=evidence, link=_link(form, evidence),
                  follow=follow,
                  result=answer.body.get("result", {}),
                  replayed=answer.headers.get("idempotent-replayed") == "true")  # fmt: skip


def _invalid(e: FormInvalid) -> dict[str, Any]:
    """The form's own refusal (nothing sent): each field's Chinese message."""
    return {
        "status": 422, "title": "填写有误", "detail": "请按提示修改后再提交，未办理任何事项。",
        "rule": None, "code": "input.invalid",
        "errors": [{"field": label, "message": message} for label, message in e.errors],
    }  # fmt: skip


def _problem(status: int, body: dict[str, Any]) -> dict[str, Any]:
    """What the form shows of a problem answer: title, detail, rule, code, each invalid
    field with its message."""
    errors = [
        {"field": ".".join(str(p) for p in e.get("loc", [])[1:]), "message": e.get("msg", "")}
        for e in body.get("errors", []) if isinstance(e, dict)
    ]  # fmt: skip
    return {
        "status": status, "title": body.get("title", ""), "detail": body.get("detail", ""),
        "rule": body.get("rule"), "code": body.get("code"), "errors": errors,
    }  # fmt: skip


CREATED = {"/subjects": "subject", "/applications": "application", "/books": "book",
           "/cases": "case", "/projects": "project"}  # fmt: skip


def _next(
    request: Request, form: Form, evidence: dict[str, Any], role: str
) -> list[tuple[Form, str]]:
    """After a write that made a stream (a subject, an application, a book, …): the role's
    forms that take that stream as a field, with the field filled in."""
    field = next((f for end, f in CREATED.items() if form.path.endswith(end)), None)
    stream = evidence.get("stream")
    if field is None or not stream:
        return []
    return [
        (other, f"/console/forms/{other.key}?{field}={stream}")
        for other in forms_for(request.app, role)
        if other.key != form.key and any(f.name == field for f in other.fields)
    ]


def _link(form: Form, evidence: dict[str, Any]) -> str | None:
    """The console page of the stream written, when the console has one."""
    stream = evidence.get("stream")
    for name, page in PAGES.items():
        if stream and (f"{{{name}}}" in form.path or form.path.endswith(f"/{page}")):
            return f"/console/{page}/{stream}"
    if stream and form.path.endswith("/books"):
        return f"/console/points-books/{stream}"
    return None
