"""The console's spreadsheet import (/console/import): a multipart upload of an XLSX or CSV
file of quarterly score entries or care-fund applications, checked whole by
``api.spreadsheets.importer.import_file`` (design §4): every bad row listed by row number,
column and a Chinese message with nothing written, or the batch's receipt (the same file
again answers the first batch's receipt). Only the kinds the clerk's role may import are
offered; the importer checks the role again.

The upload goes to ``import_file`` directly rather than to ``POST /api/v1/imports/{kind}``
in-process: the importer is the one place the rules are applied in both cases, and the
console's form would otherwise re-encode the file as a raw body. The request's size is
bounded by the app's body limit (GONGSHI_MAX_BODY_BYTES) like every request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.console.access import current, render, to_signin
from api.console.csrf import FIELD, csrf_ok
from api.console.receipt import with_checkpoint
from api.console.signin import refused
from api.services import Services, services
from api.spreadsheets.importer import import_file
from ledger.imports.batch import IMPORTERS

router = APIRouter(prefix="/console", include_in_schema=False)
Service = Annotated[Services, Depends(services)]
KINDS = {"points-entries": "季度记分", "carefund-applications": "帮扶申请"}


def _kinds(role: str) -> dict[str, str]:
    return {k: name for k, name in KINDS.items() if role in {r.value for r in IMPORTERS[k]}}


@router.get("/import", response_class=HTMLResponse)
def import_page(request: Request, s: Service) -> Response:
    session = current(request, s)
    if session is None:
        return to_signin()
    kinds = _kinds(session.actor.role.value)
    return render(request, "import.html", session, kinds=kinds, outcome=None, kind="")


@router.post("/import", response_class=HTMLResponse)
async def upload(request: Request, s: Service) -> Response:
    """CSRF first (403, nothing read further), then the whole file through the importer."""
    session = await run_in_threadpool(current, request, s)
    if session is None:
        return to_signin()
    form = await request.form()
    if not csrf_ok(session.session_id, form.get(FIELD)):
        return refused()
    kinds = _kinds(session.actor.role.value)
    kind, upload = str(form.get("kind", "")), form.get("file")
    if kind not in KINDS or not isinstance(upload, UploadFile):
        return render(request, "import.html", session, 422, kinds=kinds, outcome=None,
                      kind=kind, message="请选择导入类型和文件。")  # fmt: skip
    data = await upload.read()
    today = s.ledger.clock().date()
    outcome = await run_in_threadpool(
        import_file, s, session.actor, kind, upload.filename or "", data, today
    )
    records = []
    if outcome.written is not None:
        records = await run_in_threadpool(with_checkpoint, s, outcome.written.get("records", []))
    status = 422 if outcome.errors else 201 if not outcome.already else 200
    return render(request, "import.html", session, status, kinds=kinds, outcome=outcome,
                  kind=kind, records=records)  # fmt: skip
