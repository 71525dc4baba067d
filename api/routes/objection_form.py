"""The public objection form (异议): ``GET /objections/new?kind=&scope=&year=`` and its POST.

Server-rendered Chinese, no JavaScript: the posting's unit, period and answer days, the form
(category, the row objected to, the text, name, phone, address), and on success the
objection's number with the record's hash and leaf (the receipt). It calls the same service
as ``POST /api/v1/public/postings/{kind}/{scope}/{year}/objections``, under the same
limits (api/objection_limits.py: 429 with ``Retry-After``). A refused submission shows the
form again with what was typed and a Chinese message; nothing is stored.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qs
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from api.evidence import receipt
from api.messages import message
from api.objection_limits import Limited, objection_slot
from api.page import templates
from api.public_access import base_url
from api.routes.postings import positions
from api.services import Services, services
from ledger import receipts
from ledger.errors import NotFound, RuleViolation
from ledger.posting.service import Postings
from projections.objections import posting_view

router = APIRouter(include_in_schema=False)
Service = Annotated[Services, Depends(services)]
KINDS = {"carefund": "先锋关爱基金帮扶资金发放公示", "points": "村（社区）干部积分公示"}
CATEGORIES = (
    ("eligibility", "资格条件"), ("amount", "金额档次"), ("score", "积分评分"),
    ("procedure", "程序"), ("misconduct", "违规违纪举报"), ("other", "其他"),
)  # fmt: skip
FIELDS = ("category", "about", "text", "name", "phone", "address")
MESSAGES = {
    "posting.contact": "请填写有效的联系电话（7 至 20 位数字，可含 +、- 或空格）或联系地址"
    "（至少 5 个字），至少一项，每项不超过 200 字。",
    "posting.text": "请填写异议内容（不超过 2000 字）。",
    "posting.objection": "异议类别或公示条目编号有误，请核对。",
}


def _context(s: Services, kind: str, scope: str, year: str) -> dict[str, Any]:
    positions(s)  # the lists' tables exist from here on
    valid = kind in KINDS and year.isdigit() and len(year) == 4 and 0 < len(scope) <= 100
    view = (
        posting_view(s.reader, kind, scope, int(year), s.ledger.clock().date()) if valid else None
    )
    title = f"{scope} {year} 年度{KINDS.get(kind, '公示')}"
    return {
        "kind": kind, "scope": scope, "year": year, "title": title, "posting": view,
        "open": view is not None and view["status"] == "open", "categories": CATEGORIES,
        "form": dict.fromkeys(FIELDS, ""), "received": None, "receipt": None, "error": None,
        "closed_reason": "没有找到该公示。" if view is None else "该公示已结束，不再受理异议。",
    }  # fmt: skip


def _page(request: Request, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    context["base"] = base_url(request)  # the form posts to the public address when set
    return templates.TemplateResponse(request, "objection_form.html", context, status_code=status)


@router.get("/objections/new", response_class=HTMLResponse)
def objection_form(
    request: Request, s: Service, kind: str = "", scope: str = "", year: str = ""
) -> HTMLResponse:
    context = _context(s, kind, scope, year)
    return _page(request, context, 200 if context["posting"] is not None else 404)


@router.post("/objections/new", response_class=HTMLResponse)
async def submit_objection(
    request: Request, s: Service, kind: str = "", scope: str = "", year: str = ""
) -> HTMLResponse:
    """The form's POST (application/x-www-form-urlencoded, read without python-multipart)."""
    fields = parse_qs((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
    form = {name: (fields.get(name) or [""])[0] for name in FIELDS}
    context = _context(s, kind, scope, year)
    context["form"] = form
    if context["posting"] is None:
        return _page(request, context, 404)
    from starlette.concurrency import run_in_threadpool

    try:
        about = UUID(form["about"].strip()) if form["about"].strip() else None
    except ValueError:
        context["error"] = MESSAGES["posting.objection"]
        return _page(request, context, 422)
    contact = {k: form[k] for k in ("name", "phone", "address") if form[k].strip()}

    def submit() -> tuple[Any, dict[str, Any]]:
        with receipts.capture(), objection_slot(request, s.ledger, kind, scope, int(year)):
            received = Postings(s.ledger).submit(
                kind, scope, int(year), contact, form["text"], form["category"], about
            )
            return received, receipt(s.ledger, received.posting)["evidence"]

    try:
        received, evidence = await run_in_threadpool(submit)
    except Limited as e:  # 429: what the API says, on the page
        context["error"] = message(e.code, "zh", limit=e.limit, minutes=e.minutes)
        page = _page(request, context, 429)
        page.headers["Retry-After"] = str(e.retry_after)
        return page
    except RuleViolation as e:
        view = context["posting"]
        period = f"不在公示期内（{view['period_start']} 至 {view['period_end']}），不受理异议。"
        context["error"] = period if e.rule == "posting.period" else MESSAGES.get(
            e.rule, "提交未成功，请核对后重试。")  # fmt: skip
        return _page(request, context, 409)
    except NotFound:
        return _page(request, context, 404)
    context |= {"received": received, "receipt": evidence}
    return _page(request, context, 201)
