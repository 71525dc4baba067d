"""Public reads (no token): only what the projections publish.

Every list response carries ``position``, the number of log leaves the list is built from.
``min_position`` makes the read wait (up to 5 s) until the list has reached that position
(409 if it is beyond the log, or still not reached after the wait):
a writer that got leaf index i back reads its own write with ``min_position = i + 1``.

Lists that depend on a date (the posting window, overdue follow-ups, cases and items) are
decided on the server's date and say so in ``decided_on``; another ``today`` is for the
audit role only (api/reader_date.py).
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query

from api.reader_date import ReaderDate
from api.services import Services, services
from projections import queries
from projections.follow import wait_for

router = APIRouter(prefix="/api/v1/public", tags=["public"])
WAIT_SECONDS = 5.0
MinPosition = Annotated[int | None, Query(ge=0, le=2**53, description="wait for this position")]


def _ready(s: Services, name: str, min_position: int | None) -> int:
    """The list's position, after waiting (up to WAIT_SECONDS) for ``min_position``: 409 at
    once for a position beyond the log, 409 with Retry-After if the wait runs out."""
    if min_position is not None:
        size = s.ledger.log.state().size
        if min_position > size:
            raise HTTPException(409, f"position {min_position} is beyond the log ({size} leaves)")
        if not wait_for(s.projections, min_position, [name], WAIT_SECONDS):
            raise HTTPException(
                409, f"{name} has not reached position {min_position} yet; retry",
                headers={"Retry-After": "1"},
            )  # fmt: skip
    return s.projections.runners[name].position()


@router.get("/disbursements", summary="公示: the public disbursement list")
def disbursements(
    s: Annotated[Services, Depends(services)],
    day: ReaderDate,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    industry: Annotated[str | None, Query(pattern=r"^[a-z_]{1,40}$")] = None,
    tier: Annotated[int | None, Query(ge=1, le=9)] = None,
    month: Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] = None,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    limit: Annotated[int, Query(ge=1, le=queries.MAX_PAGE)] = 50,
    min_position: MinPosition = None,
) -> dict[str, Any]:
    position = _ready(s, "disbursements", min_position)
    page = queries.disbursements(
        s.reader, day, year=year, industry=industry, tier=tier, month=month,
        offset=offset, limit=limit,
    )  # fmt: skip
    return {
        "position": position, "decided_on": day.isoformat(), "total": page.total,
        "offset": offset, "rows": page.rows,
    }  # fmt: skip


@router.get("/fund-ledger", summary="the fund's ledger per fund year, with overdue follow-ups")
def fund_ledger(
    s: Annotated[Services, Depends(services)],
    day: ReaderDate,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    min_position: MinPosition = None,
) -> dict[str, Any]:
    position = _ready(s, "fund-ledger", min_position)
    rows = queries.fund_ledger(s.reader, day, year)
    return {"position": position, "decided_on": day.isoformat(), "rows": rows}


@router.get("/audit-results", summary="published audit findings")
def audit_results(
    s: Annotated[Services, Depends(services)],
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    min_position: MinPosition = None,
) -> dict[str, Any]:
    position = _ready(s, "audit-results", min_position)
    return {"position": position, "rows": queries.audit_results(s.reader, year)}


@router.get("/points", summary="cadre points with rank, bottom-10% flag, excellence")
def points(
    s: Annotated[Services, Depends(services)],
    period: Annotated[str, Query(pattern=r"^(Q[1-4]|year)$")] = "year",
    county: Annotated[str | None, Query(max_length=60)] = None,
    township: Annotated[str | None, Query(max_length=60)] = None,
    village: Annotated[str | None, Query(max_length=60)] = None,
    category: Annotated[str | None, Query(max_length=60)] = None,
    bottom_only: bool = False,
    min_position: MinPosition = None,
) -> dict[str, Any]:
    position = _ready(s, "points", min_position)
    rows = queries.points(
        s.reader, period=period, county=county, township=township, village=village,
        category=category, bottom_only=bottom_only,
    )  # fmt: skip
    return {"position": position, "rows": rows}


@router.get("/supervision", summary="the supervision board: open, overdue, closed")
def supervision(
    s: Annotated[Services, Depends(services)],
    day: ReaderDate,
    min_position: MinPosition = None,
) -> dict[str, Any]:
    position = _ready(s, "supervision-cases", min_position)
    board = queries.supervision_board(s.reader, day)
    return {"position": position, "decided_on": day.isoformat(), **board}


@router.get("/key-projects", summary="key projects with progress and overdue items")
def key_projects(
    s: Annotated[Services, Depends(services)],
    day: ReaderDate,
    min_position: MinPosition = None,
) -> dict[str, Any]:
    position = _ready(s, "key-projects", min_position)
    rows = queries.key_projects(s.reader, day)
    return {"position": position, "decided_on": day.isoformat(), "rows": rows}


# -- issue 14: the organisation department's own cadres (平时考核, 讲组工, 以老带新, 培训) --------
County = Annotated[str | None, Query(max_length=60)]
Year = Annotated[int | None, Query(ge=2000, le=2100)]
Offset = Annotated[int, Query(ge=0, le=10**9)]
Limit = Annotated[int, Query(ge=1, le=queries.MAX_PAGE)]


def _page(position: int, found: queries.Page, **more: Any) -> dict[str, Any]:
    return {"position": position, **more, "total": found.total, "offset": found.offset,
            "rows": found.rows}  # fmt: skip


@router.get("/lectures", summary="讲组工: weekly lectures, forms, comments given, test")
def lectures(
    s: Annotated[Services, Depends(services)],
    county: County = None,
    programme: UUID | None = None,
    board: Annotated[str | None, Query(pattern=r"^(policy|business|plans)$")] = None,
    closed: bool | None = None,
    offset: Offset = 0,
    limit: Limit = 50,
    min_position: MinPosition = None,
) -> dict[str, Any]:
    position = _ready(s, "lectures", min_position)
    found = queries.lectures(
        s.reader, county=county, programme=None if programme is None else str(programme),
        board=board, closed=closed, offset=offset, limit=limit,
    )  # fmt: skip
    return _page(position, found)


@router.get("/assessment-loops", summary="平时考核: each section's quarterly loop, counts only")
def assessment_loops(
    s: Annotated[Services, Depends(services)],
    day: ReaderDate,
    county: County = None,
    year: Year = None,
    programme: UUID | None = None,
    quarter: Annotated[int | None, Query(ge=1, le=4)] = None,
    offset: Offset = 0,
    limit: Limit = 50,
    min_position: MinPosition = None,
) -> dict[str, Any]:
    """Each step's ``missing`` and ``overdue`` are decided on the server's date
    (``decided_on``)."""
    position = _ready(s, "assessment-loops", min_position)
    found = queries.assessment_loops(
        s.reader, day, county=county, year=year,
        programme=None if programme is None else str(programme), quarter=quarter,
        offset=offset, limit=limit,
    )  # fmt: skip
    return _page(position, found, decided_on=day.isoformat())


@router.get("/mentoring-pairs", summary="以老带新: mentoring pairs and their quarterly notes")
def mentoring_pairs(
    s: Annotated[Services, Depends(services)],
    county: County = None,
    programme: UUID | None = None,
    ongoing: bool | None = None,
    offset: Offset = 0,
    limit: Limit = 50,
    min_position: MinPosition = None,
) -> dict[str, Any]:
    position = _ready(s, "mentoring-pairs", min_position)
    found = queries.mentoring_pairs(
        s.reader, county=county, programme=None if programme is None else str(programme),
        ongoing=ongoing, offset=offset, limit=limit,
    )  # fmt: skip
    return _page(position, found)


@router.get("/training-classes", summary="training classes: participants, attendance, completed")
def training_classes(
    s: Annotated[Services, Depends(services)],
    county: County = None,
    year: Year = None,
    kind: Annotated[
        str | None, Query(pattern=r"^(induction|young_and_middle_aged|section_level)$")
    ] = None,
    offset: Offset = 0,
    limit: Limit = 50,
    min_position: MinPosition = None,
) -> dict[str, Any]:
    position = _ready(s, "training-classes", min_position)
    found = queries.training_classes(
        s.reader, county=county, year=year, kind=kind, offset=offset, limit=limit
    )
    return _page(position, found)
