"""The public page at ``/``: server-rendered, in Chinese, readable without JavaScript. The
only script (inline) verifies a disbursement's inclusion proof in the browser against the
checkpoint shown on the page. No external requests: styles, script and chart are inline.

The checkpoint shown is the newest one the log's policy calls witnessed (the one served at
``/log/v1/checkpoint``); its box names only the departments whose cosignature verifies under
that policy (api/checkpoint_box.py). A row it does not cover yet is pending, with an estimate,
never a failing 验证 button."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
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
from api.http_cache import Rendered, answer, cache_key
from api.notice import notice, parse_list
from api.page_exports import export_links
from api.paging import PER_PAGE, Pager, pager
from api.read_side import Mark
from api.reader_date import RULE, decided_on
from api.services import Services, services
from api.tokens import TokenError
from ledger.clock import parse_at
from ledger.errors import RuleViolation
from ledger.log.checkpoints import SignedCheckpoint, latest, latest_witnessed
from ledger.log.witness_status import witness_status
from ledger.log.witnesses import WitnessError
from projections import queries
from projections.objections import public_objection
from verify.note import NoteError
from verify.policy import PolicyError

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
templates.env.filters["yuan"] = labels.yuan
templates.env.filters["points"] = labels.points
templates.env.filters["ago"] = labels.ago
CHART_WIDTH, CHART_HEIGHT = 560, 160
Row = dict[str, Any]
# the page's lists, each paged on its own (``{name}_page``): api/paging.py
LISTS = (
    "disbursements", "points", "bottom_principal", "bottom_deputy", "bottom_reserve",
    "overdue", "lectures", "loops", "pairs", "trainings", "verify", "postings", "objections",
)  # fmt: skip


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
    newest = _signed(latest(s.read.log))
    shown = _signed(latest_witnessed(s.read.log))
    box = None
    if shown is not None:
        try:
            box = checkpoint_box(shown, policy, now)
        except (NoteError, PolicyError):
            box = None
    cosigners = box.cosigners if box is not None else ()
    reports = witness_status(s.read.log, policy)
    interval = s.settings.checkpoint_interval
    lines = witness_lines(policy, cosigners, reports, newest, now, interval)
    return box, lines, newest, quorum_reachable(policy, reports)


def _newest_first(row: Row) -> tuple[int, str, str, int]:
    """Postings and their objections: the newest year first, then kind, scope, number."""
    return (-int(row["year"]), row["kind"], row["scope"], int(row.get("number", 0)))


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


QUERY = {  # the page's parameters: pattern, and what a value must be (said in Chinese)
    "year": (r"\d{4}", "四位数字的年度，如 2023"),
    "industry": (r"[a-z_]{1,40}", "行业代码，如 food_delivery"),
    "tier": (r"[1-9]", "档次 1-9"),
    "category": (r"[a-z_]{1,40}", "类别代码：principal、deputy 或 reserve"),
    "today": (r"\d{4}-\d{2}-\d{2}", "日期，如 2023-03-25"),
    "verify": (r"[a-z]{1,20}:[a-z0-9][a-z0-9_-]{0,59}:\d{4}",
               "类别:范围:年度，如 points:taihu:2023"),
    **{f"{name}_page": (r"[1-9]\d{0,5}", "页码（正整数）") for name in LISTS},
}  # fmt: skip


def bad_query(params: Mapping[str, str], multi: Mapping[str, list[str]]) -> list[str]:
    """What is wrong with the query string, one Chinese sentence per parameter (an empty
    value means "all" and is fine; parameters the page does not know are ignored)."""
    problems = []
    for name, (pattern, wanted) in QUERY.items():
        values = multi.get(name, [])
        if len(values) > 1:
            problems.append(f"参数 {name} 出现了 {len(values)} 次，只能给一次。")
        elif values and values[0] and not re.fullmatch(pattern, values[0]):
            problems.append(f"参数 {name} 的值“{values[0][:40]}”无效，应为{wanted}。")
    if not problems and params.get("today"):
        try:
            date.fromisoformat(params["today"])
        except ValueError:
            problems.append(f"参数 today 的值“{params['today']}”不是有效日期。")
    if not problems and params.get("verify") and parse_list(params["verify"]) is None:
        problems.append(f"参数 verify 的值“{params['verify'][:80]}”不是可核验的公示"
                        "（类别为 carefund 或 points，年度 2000-2100）。")  # fmt: skip
    return problems


@router.get("/", response_class=HTMLResponse)
def page(
    request: Request,
    s: Annotated[Services, Depends(services)],
) -> Response:
    """Every parameter is optional; a plain HTML form sends empty fields for "all": empty
    means no filter here. A malformed one answers a Chinese page (400) naming it, never
    JSON. The app's clock is read once: it dates the lists and ages the checkpoint. A
    ``today`` other than the server's date is for the audit role only
    (api/reader_date.py): without its bearer token (or with a malformed one) the page
    answers a Chinese notice (401, or 403 for another role) and lists nothing."""
    multi = {k: request.query_params.getlist(k) for k in request.query_params}
    params = {k: v[-1] for k, v in multi.items() if k in QUERY}
    problems = bad_query(params, multi)
    if problems:
        context = {"title": "查询参数有误", "text": "无法按以下参数显示公示：",
                   "problems": problems, "status": 400}  # fmt: skip
        return templates.TemplateResponse(request, "page_error.html", context, status_code=400)
    now = s.ledger.clock()
    asked = date.fromisoformat(params["today"]) if params.get("today") else None
    try:
        day = decided_on(s, asked, request.headers.get("authorization"))
    except TokenError:
        return _refused(request, now.date(), asked, 401)
    except RuleViolation:
        return _refused(request, now.date(), asked, 403)
    view = log_view(s, now)
    positions = _positions(s)
    # everything the page is drawn from: the query, the reader's date, the clock to the
    # second (the checkpoint's age, a row's pending estimate), the lists' positions and the
    # checkpoint box and witnesses (cosignatures and witness reports change without the log)
    key = cache_key("/", json.dumps(sorted(params.items())), day, int(now.timestamp()),
                    positions, hashlib.sha256(repr(view).encode()).hexdigest())  # fmt: skip

    def render() -> Rendered:
        answered = _render(request, s, now, day, params, view)
        if answered.status_code != 200:
            raise _Answered(answered)
        return Rendered(bytes(answered.body), "text/html")

    try:
        return answer(request, key, render, still=lambda: _positions(s) == positions)
    except _Answered as e:
        return e.response


# the lists the page shows (api/notice.py's too); its answer is keyed by their positions
SOURCES = (
    "disbursements", "fund-ledger", "points", "supervision-cases", "lectures",
    "assessment-loops", "mentoring-pairs", "training-classes", "postings", "objections",
)  # fmt: skip


def _positions(s: Services) -> tuple[Mark, ...]:
    """The lists' positions and generations (a rebuild may change a list at its position)."""
    return tuple(s.read.mark(name) for name in SOURCES)


class _Answered(Exception):
    """Another answer than the page (the 404 of an unknown ``verify``): not cached."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def _refused(request: Request, server: date, asked: date | None, status: int) -> HTMLResponse:
    """The notice for a reader's date refused: the server's date and the rule, no list."""
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    context = {"server": server.isoformat(), "asked": asked.isoformat() if asked else "",
               "status": status, "rule": RULE}  # fmt: skip
    return templates.TemplateResponse(
        request, "refused.html", context, status_code=status, headers=headers
    )


def _render(
    request: Request, s: Services, now: datetime, day: date, params: dict[str, str],
    view: tuple[CheckpointBox | None, list[WitnessLine], Signed | None, bool],
) -> HTMLResponse:  # fmt: skip
    year = int(params["year"]) if params.get("year") else None
    tier = int(params["tier"]) if params.get("tier") else None
    industry, category = params.get("industry") or None, params.get("category") or None
    box, witnesses, newest, reachable = view
    covered = box.size if box is not None else 0
    interval = s.settings.checkpoint_interval
    verifying = None
    if params.get("verify"):
        kind, scope, verify_year = parse_list(params["verify"]) or ("", "", 0)
        verifying = notice(s, kind, scope, verify_year, day)
        if verifying is None:
            text = f"没有可核验的公示“{params['verify']}”。"
            context = {"title": "未找到公示", "text": text, "status": 404}
            return templates.TemplateResponse(request, "page_error.html", context, 404)
    pagers: dict[str, Pager] = {}

    def paged(name: str, rows: list[Row], anchor: str) -> list[Row]:
        pagers[name] = pager(params, name, len(rows), anchor)
        return rows[pagers[name].offset : pagers[name].offset + PER_PAGE]

    def paged_query(name: str, anchor: str, read: Callable[[int], queries.Page]) -> list[Row]:
        asked = pager(params, name, 10**9, anchor)  # the offset asked for, before the total
        found = read(asked.offset)
        pagers[name] = pager(params, name, found.total, anchor)
        if pagers[name].offset != asked.offset:  # past the last page: show the last
            found = read(pagers[name].offset)
        return found.rows

    listed = paged_query(
        "disbursements",
        "disbursements",
        lambda at: queries.disbursements(
            s.read.reader, day, year=year, industry=industry, tier=tier, offset=at, limit=PER_PAGE
        ),
    )
    pending = {
        r["leaf"]: pending_text(r["leaf"], newest, now, interval, reachable)
        for r in listed if r["leaf"] >= covered
    }  # fmt: skip
    points = queries.points(s.read.reader)
    bottoms = {
        code: paged(f"bottom_{code}", [p for p in points if p["category"] == code and p["bottom"]],
                    f"bottom-{code}")
        for code in labels.CATEGORIES
    }  # fmt: skip
    board = queries.supervision_board(s.read.reader, day)
    context = {
        "today": day.isoformat(), "rows": listed, "pending": pending, "witnesses": witnesses,
        "filters": {"year": year, "industry": industry, "tier": tier, "category": category},
        "funds": [{**f, "chart": _chart(f["monthly"])} for f in queries.fund_ledger(
            s.read.reader, day, year)],
        "points": paged("points", [p for p in points if category in (None, p["category"])],
                        "points"),
        "bottoms": bottoms, "board": board,
        "overdue": paged("overdue", board["overdue"], "board"),
        "lectures": paged_query("lectures", "lecture-list", lambda at: queries.lectures(
            s.read.reader, offset=at, limit=PER_PAGE)),
        "loops": paged_query("loops", "loop-list", lambda at: queries.assessment_loops(
            s.read.reader, day, offset=at, limit=PER_PAGE)),
        "pairs": paged_query("pairs", "pair-list", lambda at: queries.mentoring_pairs(
            s.read.reader, offset=at, limit=PER_PAGE)),
        "trainings": paged_query("trainings", "training-list", lambda at: (
            queries.training_classes(s.read.reader, offset=at, limit=PER_PAGE))),
        "postings": paged("postings", sorted(s.read.reader.rows("postings"), key=_newest_first),
                          "postings"),
        "objections": paged("objections", [
            {**public_objection(o, day), "kind": o["kind"], "scope": o["scope"], "year": o["year"]}
            for o in sorted(s.read.reader.rows("objections"), key=_newest_first)
        ], "objections"),
        "verifying": verifying,
        "verify_rows": paged("verify", verifying.rows, "verify") if verifying else [],
        "checkpoint": box, "labels": labels, "other_day": day != now.date(), "pagers": pagers,
        "covered": covered, "exports": export_links(year, industry, tier, category),
    }  # fmt: skip
    return templates.TemplateResponse(request, "index.html", context)
