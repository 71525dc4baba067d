"""The printable notice of a posting (公示): ``GET /notices/{kind}/{scope}/{year}``.

An A4 page in Chinese for a notice board (print CSS, the column headers repeated on every
printed page): the issuing unit, the posting period, how to object and the objection form's
address, the rows (api/notice.py), the checkpoint they belong to (size, root hash, when the
log signed it, which departments cosigned) and a QR code of the page's verification of the
list, ``{base}/?verify={kind}:{scope}:{year}`` (``base``: GONGSHI_PUBLIC_URL, else the
request's; api/public_access.py). The form's address only while the posting takes
objections (``objecting``). Decided on the server's date, like the page.
No personal data: grants by application id, cadres by their public names.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from api import labels
from api.notice import KINDS, Notice, notice
from api.page import log_view, templates
from api.public_access import base_url
from api.qr import qr_svg
from api.services import Services, services

router = APIRouter(include_in_schema=False)
SCOPE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")


def verify_url(base: str, kind: str, scope: str, year: int) -> str:
    """The page's verification of the list: what the notice's QR code encodes."""
    return f"{base.rstrip('/')}/?verify={kind}:{scope}:{year}"


@router.get("/notices/{kind}/{scope}/{year}", response_class=HTMLResponse)
def printable_notice(
    request: Request, s: Annotated[Services, Depends(services)], kind: str, scope: str, year: str
) -> HTMLResponse:
    if kind not in KINDS or not SCOPE.match(scope) or not re.fullmatch(r"20\d\d|2100", year):
        return _missing(request, 400, f"“{kind}/{scope}/{year}”不是有效的公示（类别为 "
                        "carefund 或 points，年度为 2000-2100）。")  # fmt: skip
    now = s.ledger.clock()
    found = notice(s, kind, scope, int(year), now.date())
    if found is None:
        what = labels.FUNDS.get(scope, scope) if kind == "carefund" else labels.COUNTIES.get(
            scope, scope)  # fmt: skip
        return _missing(request, 404, f"{what} {year} 年度没有{KINDS[kind]}公示。")
    box, _, _, _ = log_view(s, now)
    base = base_url(request)  # GONGSHI_PUBLIC_URL when set: never the request's Host
    url = verify_url(base, kind, scope, int(year))
    objection = f"{base}/objections/new?" + urlencode({"kind": kind, "scope": scope, "year": year})
    leaves = [r["leaf"] if kind == "carefund" else r["close_leaf"] for r in found.rows]
    covered = box is not None and all(leaf is not None and leaf < box.size for leaf in leaves)
    context = {
        "notice": found, "checkpoint": box, "labels": labels, "qr": qr_svg(url),
        "verify_url": url, "objection_url": objection, "covered": covered,
        "printed_on": now.date().isoformat(), "objecting": objecting(found, now.date()),
        "closed": kind == "carefund" or any(leaf is not None for leaf in leaves),
    }  # fmt: skip
    return templates.TemplateResponse(request, "notice.html", context)


def objecting(found: Notice, day: date) -> str:
    """Whether the notice offers the online objection form on ``day``: ``open`` (inside the
    posting's period, the posting open: what the form accepts), ``soon`` (before the
    period), ``ended`` (after it, or closed) or ``none`` (no posting record: the form has
    no posting to take an objection for; the notice names the other ways only)."""
    if not found.from_posting or found.period_start is None or found.period_end is None:
        return "none"
    today = day.isoformat()
    if found.status != "open" or today > found.period_end:
        return "ended"
    return "soon" if today < found.period_start else "open"


def _missing(request: Request, status: int, text: str) -> HTMLResponse:
    context = {"title": "未找到公示" if status == 404 else "请求有误", "text": text,
               "status": status}  # fmt: skip
    return templates.TemplateResponse(request, "page_error.html", context, status_code=status)
