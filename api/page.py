"""The public page at ``/``: server-rendered, in Chinese, readable without JavaScript. The
only script (inline) verifies a disbursement's inclusion proof in the browser against the
checkpoint shown on the page. No external requests: styles, script and chart are inline."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api import labels
from api.services import Services, services
from ledger.log.checkpoints import latest
from projections import queries
from verify.note import parse_note

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
templates.env.filters["yuan"] = labels.yuan
templates.env.filters["points"] = labels.points
CHART_WIDTH, CHART_HEIGHT = 560, 160


def _checkpoint(s: Services) -> dict[str, Any] | None:
    signed = latest(s.ledger.log)
    if signed is None:
        return None
    note = parse_note(signed.note)
    lines = note.text.split("\n")
    witnesses = [sig.name.rsplit("/", 1)[-1] for sig in note.signatures[1:]]
    return {
        "origin": lines[0], "size": int(lines[1]), "root": lines[2], "note": signed.note,
        "departments": [labels.DEPARTMENTS.get(w, w) for w in witnesses],
    }  # fmt: skip


def _chart(monthly: dict[str, dict[str, int]]) -> dict[str, Any]:
    """Bars of the fen disbursed per month, scaled into the SVG box (integer arithmetic)."""
    months = sorted(monthly)
    top = max((monthly[m]["disbursed_fen"] for m in months), default=0) or 1
    step = CHART_WIDTH // max(len(months), 1)
    bars = []
    for i, month in enumerate(months):
        fen = monthly[month]["disbursed_fen"]
        height = fen * (CHART_HEIGHT - 30) // top
        bars.append({
            "x": i * step + 4, "y": CHART_HEIGHT - 20 - height, "width": max(step - 8, 2),
            "height": height, "month": month, "fen": fen,
        })  # fmt: skip
    return {"bars": bars, "width": CHART_WIDTH, "height": CHART_HEIGHT}


@router.get("/", response_class=HTMLResponse)
def page(
    request: Request,
    s: Annotated[Services, Depends(services)],
    year: Annotated[str, Query(pattern=r"^(|\d{4})$")] = "",
    industry: Annotated[str, Query(pattern=r"^[a-z_]{0,40}$")] = "",
    tier: Annotated[str, Query(pattern=r"^[1-9]?$")] = "",
    category: Annotated[str, Query(pattern=r"^[a-z_]{0,40}$")] = "",
    today: Annotated[str, Query(pattern=r"^(|\d{4}-\d{2}-\d{2})$")] = "",
) -> HTMLResponse:
    """A plain HTML form sends empty fields for "all": empty means no filter here."""
    try:
        day = date.fromisoformat(today) if today else s.ledger.clock().date()
    except ValueError:
        raise HTTPException(422, f"today {today!r} is not a date") from None
    return _render(request, s, day, int(year) if year else None, industry or None,
                   int(tier) if tier else None, category or None)  # fmt: skip


def _render(
    request: Request, s: Services, day: date, year: int | None, industry: str | None,
    tier: int | None, category: str | None,
) -> HTMLResponse:  # fmt: skip
    listed = queries.disbursements(
        s.reader, day, year=year, industry=industry, tier=tier, limit=queries.MAX_PAGE
    )
    funds = queries.fund_ledger(s.reader, day, year)
    context = {
        "today": day.isoformat(), "rows": listed.rows, "total": listed.total,
        "filters": {"year": year, "industry": industry, "tier": tier, "category": category},
        "funds": [{**f, "chart": _chart(f["monthly"])} for f in funds],
        "points": queries.points(s.reader, category=category)[:200],
        "board": queries.supervision_board(s.reader, day),
        "checkpoint": _checkpoint(s), "labels": labels,
    }  # fmt: skip
    return templates.TemplateResponse(request, "index.html", context)
