"""Spreadsheets in (issue 15 item 2): templates to download, and the upload of a filled-in
file — quarterly score entries (township party committee, village committee) or care-fund
applications (intake). The whole file is checked first; a file with any bad row writes
nothing and answers 422 with every row's problem; a good one writes one batch record and
its rows' records in one transaction (201); the same file again writes nothing (200, the
batch's receipt, ``already``)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api.auth import acting_as, caller
from api.messages import language
from api.problems import problem
from api.services import Services, services
from api.spreadsheets.export import CSV_TYPE, XLSX_TYPE
from api.spreadsheets.importer import import_file
from api.spreadsheets.prefill import Place, book_rows, how_to
from api.spreadsheets.prefill_place import prefill_place
from api.spreadsheets.templates import template_csv, template_xlsx
from ledger.actor import Actor
from ledger.imports.batch import IMPORTERS, ImportBatch

router = APIRouter(prefix="/api/v1/imports", tags=["imports"])
KIND_HELP = "points-entries（季度积分）或 carefund-applications（帮扶申请）"
Kind = Annotated[str, Path(pattern=r"^(points-entries|carefund-applications)$",
                           description=KIND_HELP)]  # fmt: skip
Service = Annotated[Services, Depends(services)]
# Any role that imports some kind; the kind's own roles are checked in the route (403 too).
IMPORTING = acting_as(*dict.fromkeys(r for roles in IMPORTERS.values() for r in roles))


def _download(body: bytes, media: str, name: str) -> Response:
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


PREFILL = (
    "季度积分（points-entries）可按乡镇预填：给出 county、year 和 township"
    "（可选 village、quarter），或带乡镇党委、村委会的令牌（其管辖范围补足县、乡镇、村，"
    "年度默认为当年），则每本未年终结算的积分卡一行，预填县、年度、季度、乡镇、村和"
    "干部编号（不含姓名），其余列由录入人填写；未填写的行导入时跳过。"
)


@router.get("/templates/{kind}.xlsx", response_class=Response,
            responses={200: {"description": "the template", "content": {XLSX_TYPE: {}}},
                       403: {"description": "a place outside the token's scope"},
                       422: {"description": "a pre-fill without county, year and township"}},
            summary="导入模板（XLSX）：表头、示例行（或预填的积分卡行）和“说明”页",
            description="无需令牌。第一页“导入”为表头（* 为必填）和一行示例，"
                        "第二页“说明”解释每一列。" + PREFILL)  # fmt: skip
def xlsx_template(kind: Kind, s: Service, place: Annotated[Place | None, Depends(prefill_place)]
                  ) -> Response:  # fmt: skip
    if place is None:
        return _download(template_xlsx(kind), XLSX_TYPE, f"{kind}.xlsx")
    rows = book_rows(s.reader, place)
    body = template_xlsx(kind, rows, how_to(place, len(rows)))
    return _download(body, XLSX_TYPE, f"{kind}-{place.township}-{place.year}.xlsx")


@router.get("/templates/{kind}.csv", response_class=Response,
            responses={200: {"description": "the template", "content": {"text/csv": {}}},
                       403: {"description": "a place outside the token's scope"},
                       422: {"description": "a pre-fill without county, year and township"}},
            summary="导入模板（CSV，UTF-8 带 BOM）：表头和示例行（或预填的积分卡行）",
            description="无需令牌。Excel 可直接打开；填好后另存为 CSV（UTF-8 或 GBK 均可）"
                        "或 XLSX。" + PREFILL)  # fmt: skip
def csv_template(kind: Kind, s: Service, place: Annotated[Place | None, Depends(prefill_place)]
                 ) -> Response:  # fmt: skip
    if place is None:
        return _download(template_csv(kind), CSV_TYPE, f"{kind}.csv")
    body = template_csv(kind, book_rows(s.reader, place))
    return _download(body, CSV_TYPE, f"{kind}-{place.township}-{place.year}.csv")


@router.post(
    "/{kind}", status_code=201,
    summary="导入一个 XLSX 或 CSV 文件（季度积分：乡镇党委、村委会；帮扶申请：受理窗口）",
    description="请求体即文件本身（Content-Type: text/csv 或 XLSX 类型；可选 X-Filename，不记录）。"
    "先逐行检查全部内容：有任何问题则不写入，返回 422，errors 列出每个问题的行号（表头为第 1 行）、"
    "列名和中文说明；全部通过则先写一条批次记录（文件 SHA-256、行数），再写每行的记录，同一事务，"
    "返回 201 和批次回执。同一文件再次导入不写入，返回 200 和原批次回执（already）。"
    "\n\n角色：township_party_committee, village_committee（points-entries）；"
    "intake（carefund-applications）.",
    responses={200: {"description": "already imported: the batch's receipt"},
               403: {"description": "a role that does not record these rows"},
               413: {"description": "over 5 MB"},
               422: {"description": "problem+json with errors: [{row, column, message}]"}},
)  # fmt: skip
async def upload(kind: Kind, request: Request, s: Service,
                 actor: Annotated[Actor, Depends(IMPORTING)]) -> Response:  # fmt: skip
    actor.require(*IMPORTERS[kind])
    data = await request.body()
    filename = request.headers.get("x-filename", "")[:200]
    today = s.ledger.clock().date()
    outcome = await run_in_threadpool(import_file, s, actor, kind, filename, data, today)
    if outcome.errors:
        n, en = len(outcome.errors), language() == "en"  # the rows' messages stay Chinese
        title = "the file has errors; nothing was written" if en else "导入文件有误，未写入任何记录"
        detail = (f"{n} problem(s): fix them by row and column and import the file again" if en
                  else f"共 {n} 处问题：请按行号和列名修改后重新导入")  # fmt: skip
        errors = [e.to_json() for e in outcome.errors]
        return problem(422, title, detail, "import.rows", errors=errors)
    written: dict[str, Any] = dict(outcome.written or {})
    location = f"/api/v1/imports/batches/{outcome.batch}"
    written["location"] = location
    return JSONResponse(written, status_code=200 if outcome.already else 201,
                        headers={"Location": location})  # fmt: skip


@router.get("/batches/{batch}", summary="一个导入批次：类型、文件 SHA-256、行数、每行的记录",
            description="任何已登记的令牌。批次记录本身就在公开日志中"
                        "（imports.BatchImported）。")  # fmt: skip
def batch(batch: UUID, s: Service, actor: Annotated[Actor, Depends(caller)]) -> dict[str, Any]:
    found = s.ledger.app.get(ImportBatch, batch)
    return {"batch": str(batch), "kind": found.kind, "sha256": found.sha256,
            "rows": found.rows, "records": found.records}  # fmt: skip
