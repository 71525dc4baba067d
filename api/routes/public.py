"""Public reads (no token): only what the projections publish.

Every list response carries ``position``, the number of log leaves the list is built from.
``min_position`` makes the read wait (up to 5 s) until the list has reached that position
(409 if it is beyond the log, or still not reached after the wait):
a writer that got leaf index i back reads its own write with ``min_position = i + 1``.

Every list answers a page: ``total`` (rows matching the filters), ``offset``, ``limit`` and
``rows`` (``?offset=&limit=``, limit 1-500, default 50), or, with ``?format=csv|xlsx`` (or
``Accept``), every matching row as a spreadsheet (api/listing.py).

Lists that depend on a date (the posting window, overdue follow-ups, cases and items) are
decided on the server's date and say so in ``decided_on``; another ``today`` is for the
audit role only (api/reader_date.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.cached_reads import list_key
from api.http_cache import SHORT_MAX_AGE, answer_async, rendered
from api.listing import DEFAULT_LIMIT, EXPORT_RESPONSES, Format, Limit, Listed, Offset, listed
from api.positions import shared_positions
from api.problems import Refused
from api.read_side import Mark
from api.reader_date import ReaderDate
from api.rows_cache import rows_cache
from api.services import Services, services
from projections import queries

router = APIRouter(prefix="/api/v1/public", tags=["public"], responses=EXPORT_RESPONSES)
WAIT_SECONDS = 5.0
MinPosition = Annotated[int | None, Query(ge=0, le=2**53, description="wait for this position")]


async def _ready(request: Request, s: Services, name: str, min_position: int | None) -> int:
    """The list's position, after waiting (up to WAIT_SECONDS) for ``min_position``
    (``_wait``). The position is read once for all the requests that arrived before the
    read began (api/positions.py), with the projection's generation: the whole ``Mark`` is
    kept for ``_cached``'s key (``request.state.marks``)."""
    if min_position is not None:
        await run_in_threadpool(_wait, s, name, min_position)
    mark = await shared_positions(request, s).get(name)
    marks: dict[str, Mark] = getattr(request.state, "marks", {})
    request.state.marks = {**marks, name: mark}
    return mark.position


def _wait(s: Services, name: str, min_position: int) -> None:
    """Wait (up to WAIT_SECONDS) for ``min_position``: 409 at once for a position beyond the
    log, 409 with Retry-After if the wait runs out. On a read
    replica (api/read_side.py) a position beyond its log may be one it has not replayed yet:
    it waits, then 409 ``log.not_at_position`` with Retry-After (no fallback to the primary)."""
    size = s.read.log_size()
    if min_position > size and not s.read.is_replica:
        raise Refused(409, "log.position_ahead", f"position {min_position} is beyond the log"
                      f" ({size} leaves)", position=min_position, size=size)  # fmt: skip
    if not s.read.wait(min_position, [name], WAIT_SECONDS):
        raise Refused(
            409, "log.not_at_position", f"{name} has not reached position {min_position}"
            " yet; retry", headers={"Retry-After": "1"}, name=name, position=min_position,
        )  # fmt: skip


def _reader(request: Request, s: Services) -> queries.ListReader:
    """The read side's rows, parsed once per projection position (api/rows_cache.py)."""
    return rows_cache(request).reader(s.read.reader, s.read.mark)


async def _cached(
    request: Request, s: Services, name: str, position: int, fmt: str | None,
    render: Callable[[], dict[str, Any] | Response], *depends: object,
) -> Response:  # fmt: skip
    """The list's answer keyed by the path, the query, ``position`` and generation of
    projection ``name`` (the mark ``_ready`` read), the format wanted and ``depends`` (the
    reader's date), rendered once per key (api/http_cache.py)."""
    from api.spreadsheets.export import wanted_format  # openpyxl: imported on first use

    mark: Mark = request.state.marks[name]
    assert mark.position == position
    wanted = wanted_format(request, fmt)
    key = list_key(request, mark, wanted, *depends)
    return await answer_async(
        request, key, lambda: rendered(render()), max_age=SHORT_MAX_AGE, immutable=False,
        still=lambda: s.read.mark(name) == mark, weak=wanted == "xlsx", vary="Accept",
    )  # fmt: skip


@router.get("/disbursements", response_model=Listed, summary="公示: the public disbursement list")
async def disbursements(
    request: Request,
    s: Annotated[Services, Depends(services)],
    day: ReaderDate,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    industry: Annotated[str | None, Query(pattern=r"^[a-z_]{1,40}$")] = None,
    tier: Annotated[int | None, Query(ge=1, le=9)] = None,
    month: Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] = None,
    offset: Offset = 0,
    limit: Limit = DEFAULT_LIMIT,
    format: Format = None,
    min_position: MinPosition = None,
) -> dict[str, Any] | Response:
    """发放公示：每笔已发放的关爱基金资助（姓名打码、行业、档次、金额、回访次数、日志叶子），可按
    年度、行业、档次、月份筛选，分页（``total``/``offset``/``limit``），``?format=csv|xlsx`` 导出。

    Public: no token. Another date than the server's (``today``) with an audit token only."""
    position = await _ready(request, s, "disbursements", min_position)

    def render() -> dict[str, Any] | Response:
        reader = _reader(request, s)
        found = queries.disbursements(
            reader, day, year=year, industry=industry, tier=tier, month=month, limit=None
        ).rows
        return listed(request, format, "disbursements", found, offset, limit,
                      position=position, decided_on=day.isoformat())  # fmt: skip

    return await _cached(request, s, "disbursements", position, format, render, day)


@router.get(
    "/fund-ledger",
    response_model=Listed,
    summary="the fund's ledger per fund year, with overdue follow-ups",
)
async def fund_ledger(
    request: Request,
    s: Annotated[Services, Depends(services)],
    day: ReaderDate,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    offset: Offset = 0,
    limit: Limit = DEFAULT_LIMIT,
    format: Format = None,
    min_position: MinPosition = None,
) -> dict[str, Any] | Response:
    """基金台账：每个基金年度的预算、到账、资助、发放、追回、结余，以及逾期未回访的资助。

    Public: no token; ``today`` other than the server's date with an audit token only."""
    position = await _ready(request, s, "fund-ledger", min_position)

    def render() -> dict[str, Any] | Response:
        reader = _reader(request, s)
        rows = queries.fund_ledger(reader, day, year)
        return listed(request, format, "fund-ledger", rows, offset, limit,
                      position=position, decided_on=day.isoformat())  # fmt: skip

    return await _cached(request, s, "fund-ledger", position, format, render, day)


@router.get("/audit-results", response_model=Listed, summary="published audit findings")
async def audit_results(
    request: Request,
    s: Annotated[Services, Depends(services)],
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    offset: Offset = 0,
    limit: Limit = DEFAULT_LIMIT,
    format: Format = None,
    min_position: MinPosition = None,
) -> dict[str, Any] | Response:
    """审计结果公示（"对先锋关爱基金使用情况和审计结果及时向社会公示"）。

    Public: no token."""
    position = await _ready(request, s, "audit-results", min_position)

    def render() -> dict[str, Any] | Response:
        reader = _reader(request, s)
        rows = queries.audit_results(reader, year)
        return listed(request, format, "audit-results", rows, offset, limit, position=position)

    return await _cached(request, s, "audit-results", position, format, render)


@router.get(
    "/points", response_model=Listed, summary="cadre points with rank, bottom-10% flag, excellence"
)
async def points(
    request: Request,
    s: Annotated[Services, Depends(services)],
    period: Annotated[str, Query(pattern=r"^(Q[1-4]|year)$")] = "year",
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    county: Annotated[str | None, Query(max_length=60)] = None,
    township: Annotated[str | None, Query(max_length=60)] = None,
    village: Annotated[str | None, Query(max_length=60)] = None,
    category: Annotated[str | None, Query(max_length=60)] = None,
    bottom_only: Annotated[bool, Query(description="only the bottom-share (末位) rows")] = False,
    offset: Offset = 0,
    limit: Limit = DEFAULT_LIMIT,
    format: Format = None,
    min_position: MinPosition = None,
) -> dict[str, Any] | Response:
    """Newest year first, then county, category (正职, 副职, 后备), rank: every category's
    末位 rows are reached by ``category`` and ``bottom_only``, or by paging."""
    position = await _ready(request, s, "points", min_position)

    def render() -> dict[str, Any] | Response:
        reader = _reader(request, s)
        rows = queries.points(
            reader, period=period, county=county, township=township, village=village,
            category=category, bottom_only=bottom_only, year=year,
        )  # fmt: skip
        return listed(request, format, "points", rows, offset, limit, position=position)

    return await _cached(request, s, "points", position, format, render)


@router.get(
    "/supervision", response_model=Listed, summary="the supervision board: open, overdue, closed"
)
async def supervision(
    request: Request,
    s: Annotated[Services, Depends(services)],
    day: ReaderDate,
    offset: Offset = 0,
    limit: Limit = DEFAULT_LIMIT,
    format: Format = None,
    min_position: MinPosition = None,
) -> dict[str, Any] | Response:
    """``rows``: a page of every case (open ones by stage, then closed ones, latest closure
    first), each with ``overdue``; ``open`` (by stage), ``overdue`` and ``closed`` group the
    same page."""
    position = await _ready(request, s, "supervision-cases", min_position)

    def render() -> dict[str, Any] | Response:
        reader = _reader(request, s)
        rows = queries.supervision_cases(reader, day)
        answer = listed(request, format, "supervision", rows, offset, limit, position=position,
                        decided_on=day.isoformat())  # fmt: skip
        if isinstance(answer, Response):
            return answer
        return {**answer, **queries.supervision_board(reader, day, answer["rows"])}

    return await _cached(request, s, "supervision-cases", position, format, render, day)


@router.get(
    "/key-projects", response_model=Listed, summary="key projects with progress and overdue items"
)
async def key_projects(
    request: Request,
    s: Annotated[Services, Depends(services)],
    day: ReaderDate,
    offset: Offset = 0,
    limit: Limit = DEFAULT_LIMIT,
    format: Format = None,
    min_position: MinPosition = None,
) -> dict[str, Any] | Response:
    """重点项目公示：每个项目的清单、进度、核验销号和逾期事项。

    Public: no token; ``today`` other than the server's date with an audit token only."""
    position = await _ready(request, s, "key-projects", min_position)

    def render() -> dict[str, Any] | Response:
        reader = _reader(request, s)
        rows = queries.key_projects(reader, day)
        return listed(request, format, "key-projects", rows, offset, limit,
                      position=position, decided_on=day.isoformat())  # fmt: skip

    return await _cached(request, s, "key-projects", position, format, render, day)


# -- issue 14: the organisation department's own cadres (平时考核, 讲组工, 以老带新, 培训) --------
County = Annotated[str | None, Query(max_length=60)]
Year = Annotated[int | None, Query(ge=2000, le=2100)]


@router.get(
    "/lectures",
    response_model=Listed,
    summary="讲组工: weekly lectures, forms, comments given, test",
)
async def lectures(
    request: Request,
    s: Annotated[Services, Depends(services)],
    county: County = None,
    programme: UUID | None = None,
    board: Annotated[str | None, Query(pattern=r"^(policy|business|plans)$")] = None,
    closed: bool | None = None,
    offset: Offset = 0,
    limit: Limit = DEFAULT_LIMIT,
    format: Format = None,
    min_position: MinPosition = None,
) -> dict[str, Any] | Response:
    """讲组工公示：每周的讲课、评价表均分、点评、现场测成绩。

    Public: no token."""
    position = await _ready(request, s, "lectures", min_position)

    def render() -> dict[str, Any] | Response:
        reader = _reader(request, s)
        found = queries.lectures(
            reader, county=county, programme=None if programme is None else str(programme),
            board=board, closed=closed, limit=None,
        ).rows  # fmt: skip
        return listed(request, format, "lectures", found, offset, limit, position=position)

    return await _cached(request, s, "lectures", position, format, render)


@router.get(
    "/assessment-loops",
    response_model=Listed,
    summary="平时考核: each section's quarterly loop, counts only",
)
async def assessment_loops(
    request: Request,
    s: Annotated[Services, Depends(services)],
    day: ReaderDate,
    county: County = None,
    year: Year = None,
    programme: UUID | None = None,
    quarter: Annotated[int | None, Query(ge=1, le=4)] = None,
    offset: Offset = 0,
    limit: Limit = DEFAULT_LIMIT,
    format: Format = None,
    min_position: MinPosition = None,
) -> dict[str, Any] | Response:
    """Each step's ``missing`` and ``overdue`` are decided on the server's date
    (``decided_on``)."""
    position = await _ready(request, s, "assessment-loops", min_position)

    def render() -> dict[str, Any] | Response:
        reader = _reader(request, s)
        found = queries.assessment_loops(
            reader, day, county=county, year=year,
            programme=None if programme is None else str(programme), quarter=quarter, limit=None,
        ).rows  # fmt: skip
        return listed(request, format, "assessment-loops", found, offset, limit,
                      position=position, decided_on=day.isoformat())  # fmt: skip

    return await _cached(request, s, "assessment-loops", position, format, render, day)


@router.get(
    "/mentoring-pairs",
    response_model=Listed,
    summary="以老带新: mentoring pairs and their quarterly notes",
)
async def mentoring_pairs(
    request: Request,
    s: Annotated[Services, Depends(services)],
    county: County = None,
    programme: UUID | None = None,
    ongoing: bool | None = None,
    offset: Offset = 0,
    limit: Limit = DEFAULT_LIMIT,
    format: Format = None,
    min_position: MinPosition = None,
) -> dict[str, Any] | Response:
    """以老带新公示：帮带对子及其季度记录。

    Public: no token."""
    position = await _ready(request, s, "mentoring-pairs", min_position)

    def render() -> dict[str, Any] | Response:
        reader = _reader(request, s)
        found = queries.mentoring_pairs(
            reader, county=county, programme=None if programme is None else str(programme),
            ongoing=ongoing, limit=None,
        ).rows  # fmt: skip
        return listed(request, format, "mentoring-pairs", found, offset, limit, position=position)

    return await _cached(request, s, "mentoring-pairs", position, format, render)


@router.get(
    "/training-classes",
    response_model=Listed,
    summary="training classes: participants, attendance, completed",
)
async def training_classes(
    request: Request,
    s: Annotated[Services, Depends(services)],
    county: County = None,
    year: Year = None,
    kind: Annotated[
        str | None, Query(pattern=r"^(induction|young_and_middle_aged|section_level)$")
    ] = None,
    offset: Offset = 0,
    limit: Limit = DEFAULT_LIMIT,
    format: Format = None,
    min_position: MinPosition = None,
) -> dict[str, Any] | Response:
    """培训班公示：学员、考勤、结业。

    Public: no token."""
    position = await _ready(request, s, "training-classes", min_position)

    def render() -> dict[str, Any] | Response:
        reader = _reader(request, s)
        found = queries.training_classes(
            reader, county=county, year=year, kind=kind, limit=None
        ).rows
        return listed(request, format, "training-classes", found, offset, limit, position=position)

    return await _cached(request, s, "training-classes", position, format, render)
