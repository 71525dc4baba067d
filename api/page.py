"""The public page at ``/``: server-rendered, in Chinese, readable without JavaScript. The
only script (inline) verifies a disbursement's inclusion proof in the browser against the
checkpoint shown on the page. No external requests: styles, script and chart are inline.

The checkpoint shown is the newest one the log's policy calls witnessed (the one served at
``/log/v1/checkpoint``); its box names only the departments whose cosignature verifies under
that policy (api/checkpoint_box.py). A row it does not cover yet is pending, with an estimate,
never a failing 验证 button."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api import labels
from api.checkpoint_box import (
    CheckpointBox,
    Signed,
    WitnessLine,
    checkpoint_box,
    pending_text,
    quorum_reachable,
    witness_lines,
)
from api.reader_date import RULE, AuthorizationHeader, decided_on
from api.services import Services, services
from api.tokens import TokenError
from ledger.clock import parse_at
from ledger.errors import RuleViolation
from ledger.log.checkpoints import SignedCheckpoint, latest, latest_witnessed
from ledger.log.witness_status import witness_status
from ledger.log.witnesses import WitnessError
from projections import queries
from verify.note import NoteError
from verify.policy import PolicyError

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
templates.env.filters["yuan"] = labels.yuan
templates.env.filters["points"] = labels.points
templates.env.filters["ago"] = labels.ago
CHART_WIDTH, CHART_HEIGHT = 560, 160


def _signed(found: SignedCheckpoint | None) -> Signed | None:
    if found is None:
        return None
    return Signed(found.checkpoint, found.note, parse_at(found.signed_at))


def log_view(
    s: Services, now: datetime
) -> tuple[CheckpointBox | None, list[WitnessLine], Signed | None, bool]:
    """The witnessed checkpoint's box, the policy's witnesses, the newest signed
    checkpoint, and whether the witnesses still answering can satisfy the quorum. No box
    if there is no policy (no log key) or no witnessed checkpoint, or if the stored one
    does not verify under the policy, or the policy file can't be read: the page then
    verifies nothing."""
    if s.policy is None:
        return None, [], None, True
    try:
        policy = s.policy()
    except WitnessError:  # the operator's policy file is malformed: nothing is witnessed
        return None, [], None, True
    newest = _signed(latest(s.ledger.log))
    shown = _signed(latest_witnessed(s.ledger.log))
    box = None
    if shown is not None:
        try:
            box = checkpoint_box(shown, policy, now)
        except (NoteError, PolicyError):
            box = None
    cosigners = box.cosigners if box is not None else ()
    reports = witness_status(s.ledger.log, policy)
    interval = s.settings.checkpoint_interval
    lines = witness_lines(policy, cosigners, reports, newest, now, interval)
    return box, lines, newest, quorum_reachable(policy, reports)


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
    authorization: AuthorizationHeader = None,
) -> HTMLResponse:
    """A plain HTML form sends empty fields for "all": empty means no filter here. The app's
    clock is read once: it dates the lists and ages the checkpoint. A ``today`` other than
    the server's date is for the audit role only (api/reader_date.py): without its bearer
    token the page answers a Chinese notice (401, or 403 for another role) and lists
    nothing."""
    now = s.ledger.clock()
    try:
        asked = date.fromisoformat(today) if today else None
    except ValueError:
        raise HTTPException(422, f"today {today!r} is not a date") from None
    try:
        day = decided_on(s, asked, authorization)
    except TokenError:
        return _refused(request, now.date(), asked, 401)
    except RuleViolation:
        return _refused(request, now.date(), asked, 403)
    return _render(request, s, now, day, int(year) if year else None, industry or None,
                   int(tier) if tier else None, category or None)  # fmt: skip


def _refused(request: Request, server: date, asked: date | None, status: int) -> HTMLResponse:
    """The notice for a reader's date refused: the server's date and the rule, no list."""
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    context = {"server": server.isoformat(), "asked": asked.isoformat() if asked else "",
               "status": status, "rule": RULE}  # fmt: skip
    return templates.TemplateResponse(
        request, "refused.html", context, status_code=status, headers=headers
    )


def _render(
    request: Request, s: Services, now: datetime, day: date, year: int | None,
    industry: str | None, tier: int | None, category: str | None,
) -> HTMLResponse:  # fmt: skip
    listed = queries.disbursements(
        s.reader, day, year=year, industry=industry, tier=tier, limit=queries.MAX_PAGE
    )
    funds = queries.fund_ledger(s.reader, day, year)
    box, witnesses, newest, reachable = log_view(s, now)
    covered = box.size if box is not None else 0
    interval = s.settings.checkpoint_interval
    pending = {
        r["leaf"]: pending_text(r["leaf"], newest, now, interval, reachable)
        for r in listed.rows if r["leaf"] >= covered
    }  # fmt: skip
    context = {
        "today": day.isoformat(), "rows": listed.rows, "total": listed.total,
        "pending": pending, "witnesses": witnesses,
        "filters": {"year": year, "industry": industry, "tier": tier, "category": category},
        "funds": [{**f, "chart": _chart(f["monthly"])} for f in funds],
        "points": queries.points(s.reader, category=category)[:200],
        "board": queries.supervision_board(s.reader, day),
        "lectures": queries.lectures(s.reader, limit=queries.MAX_PAGE).rows,
        "loops": queries.assessment_loops(s.reader, day, limit=queries.MAX_PAGE).rows,
        "pairs": queries.mentoring_pairs(s.reader, limit=queries.MAX_PAGE).rows,
        "trainings": queries.training_classes(s.reader, limit=queries.MAX_PAGE).rows,
        "checkpoint": box, "labels": labels, "other_day": day != now.date(),
    }  # fmt: skip
    return templates.TemplateResponse(request, "index.html", context)
