"""Cadre points commands: a county's scheme for a year, township plans, books, score entries,
corrections, allocations, appraisal and the year's close. The scheme is named by county and
year in the path; books must belong to it (else 404)."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path
from pydantic import Field, StrictInt

from api.auth import acting_as
from api.evidence import written
from api.idempotency import IDEMPOTENCY_RESPONSES, WriteRoute, idempotency_key
from api.models import Body, ShortText, Text, Written, YearPath, example
from api.services import Services, services
from ledger.actor import Actor, Role
from ledger.errors import NotFound
from ledger.points.book import SCORE_ROLES
from ledger.points.config import Component, Grade, SchemeConfig
from ledger.points.scheme import SCHEME_ROLES
from ledger.points.service import Points

router = APIRouter(
    prefix="/api/v1/points/{county}/{year}",
    tags=["points"],
    route_class=WriteRoute,
    dependencies=[Depends(idempotency_key)],
    responses=IDEMPOTENCY_RESPONSES,
)
TOWNSHIP = acting_as(Role.TOWNSHIP_PARTY_COMMITTEE)
ORGANISATION = acting_as(*SCHEME_ROLES)  # 县委组织部: opens the scheme, closes the year
SCORERS = acting_as(*SCORE_ROLES)
County = Annotated[str, Path(pattern=r"^[a-z][a-z0-9-]{0,39}$")]
Service = Annotated[Services, Depends(services)]
Tenths = Annotated[StrictInt, Field(ge=-10_000, le=10_000, description="points in tenths")]
Code = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]


class Task(Body):
    task: Code
    title: ShortText
    points_tenths: Annotated[StrictInt, Field(ge=1, le=10_000)]


class PlanIn(Body):
    model_config = example(
        {
            "township": "th01",
            "tasks": [{"task": "party-building", "title": "党建引领", "points_tenths": 100}],
        }
    )
    township: Code
    tasks: Annotated[list[Task], Field(min_length=1, max_length=100)]


class AmendmentIn(Task):
    reason: Text


class BookIn(Body):
    model_config = example(
        {
            "cadre": "6f1c2a4e-8a0b-4c3d-9e1f-0a1b2c3d4e5f",
            "township": "th01",
            "village": "晋熙镇01村",
            "category": "principal",
        }
    )
    cadre: UUID
    township: Code
    village: ShortText
    category: Code


class AllocationIn(Body):
    model_config = example(
        {
            "task": "party-building",
            "quarter": 1,
            "points_tenths": 30,
            "meeting_on": "2023-02-10",
            "minutes": "晋熙镇01村两委〔2023〕1号",
        }
    )
    task: Code
    quarter: Annotated[StrictInt, Field(ge=1, le=4)]
    points_tenths: Annotated[StrictInt, Field(ge=1, le=10_000)]
    meeting_on: Annotated[date, Field(description="the 两委会议's date")]
    minutes: ShortText  # the 两委会议 minutes number


class EntryIn(Body):
    model_config = example(
        {
            "quarter": 1,
            "component": "work",
            "points_tenths": 30,
            "reason": "完成党建任务",
            "task": None,
        }
    )
    quarter: Annotated[StrictInt, Field(ge=1, le=4)]
    component: Component
    points_tenths: Tenths
    reason: Text
    task: Code | None = None


class CorrectionIn(Body):
    model_config = example({"entry": 3, "reason": "录入错误"})
    entry: Annotated[StrictInt, Field(ge=1, le=100_000)]
    reason: Text


class AppraisalIn(Body):
    model_config = example({"grade": "competent", "base_pay_fen": 300000, "reason": ""})
    grade: Grade
    base_pay_fen: Annotated[StrictInt, Field(ge=0, le=10**10)]
    reason: Annotated[str, Field(max_length=500)] = ""  # required for incompetent (不称职)


class ReopeningIn(Body):
    model_config = example({"reason": "2023年第四季度加分漏录，经县委组织部批准补录"})
    reason: Text


def _points(s: Services, county: str, year: int) -> Points:
    return Points(s.ledger, SchemeConfig(county=county, year=year))


def _book(points: Points, book: UUID) -> UUID:
    if points.book(book).scheme != str(points.scheme_id):
        raise NotFound("points book in this scheme", book)
    return book


def _written(s: Services, stream: UUID, **result: int) -> Written:
    return written(s.ledger, stream, **result)


@router.post("/scheme", status_code=201, summary="open the scheme (organisation department)")
def open_scheme(
    county: County, year: YearPath, s: Service, actor: Annotated[Actor, Depends(ORGANISATION)]
) -> Written:
    return _written(s, _points(s, county, year).open_scheme(actor))


@router.post(
    "/closure",
    status_code=201,
    summary="close the year: totals, ranking, bottom-10% cases (organisation dept)",
)
def close_year(
    county: County, year: YearPath, s: Service,
    actor: Annotated[Actor, Depends(ORGANISATION)],
) -> Written:  # fmt: skip
    points = _points(s, county, year)
    closed = points.close_year(actor)
    return _written(s, points.scheme_id, close=closed.close, cases=len(closed.cases))


@router.post(
    "/reopening",
    status_code=201,
    summary="reopen the closed year, with the reason (organisation department)",
)
def reopen_year(
    county: County, year: YearPath, body: ReopeningIn, s: Service,
    actor: Annotated[Actor, Depends(ORGANISATION)],
) -> Written:  # fmt: skip
    points = _points(s, county, year)
    close = points.reopen_year(body.reason, actor)
    return _written(s, points.scheme_id, reopened_close=close)


@router.post("/plans", status_code=201, summary="a township's task plan (township committee)")
def set_plan(
    county: County, year: YearPath, body: PlanIn, s: Service,
    actor: Annotated[Actor, Depends(TOWNSHIP)],
) -> Written:  # fmt: skip
    tasks = [(t.task, t.title, t.points_tenths) for t in body.tasks]
    return _written(s, _points(s, county, year).set_plan(body.township, tasks, actor))


@router.post("/plans/{township}/amendments", status_code=201, summary="amend a plan's task")
def amend_plan(
    county: County, year: YearPath, township: Annotated[str, Path(max_length=40)],
    body: AmendmentIn, s: Service, actor: Annotated[Actor, Depends(TOWNSHIP)],
) -> Written:  # fmt: skip
    points = _points(s, county, year)
    points.amend_plan(township, body.task, body.title, body.points_tenths, body.reason, actor)
    return _written(s, points.plan(township).id)


@router.post("/books", status_code=201, summary="open a cadre's book (township, village)")
def open_book(
    county: County, year: YearPath, body: BookIn, s: Service,
    actor: Annotated[Actor, Depends(SCORERS)],
) -> Written:  # fmt: skip
    points = _points(s, county, year)
    book = points.open_book(body.cadre, body.township, body.village, body.category, actor)
    return _written(s, book)


@router.post("/books/{book}/allocations", status_code=201,
             summary="the 两委会议 allocates a task's points to the cadre for a quarter "
                     "(village committee); the record is the village register's")  # fmt: skip
def allocate(
    county: County, year: YearPath, book: UUID, body: AllocationIn, s: Service,
    actor: Annotated[Actor, Depends(acting_as(Role.VILLAGE_COMMITTEE))],
) -> Written:  # fmt: skip
    points = _points(s, county, year)
    register = points.allocate(
        _book(points, book), task=body.task, quarter=body.quarter,
        points_tenths=body.points_tenths, meeting_on=body.meeting_on, minutes=body.minutes,
        actor=actor,
    )  # fmt: skip
    return _written(s, register)


@router.post("/books/{book}/entries", status_code=201, summary="a score entry")
def enter(
    county: County, year: YearPath, book: UUID, body: EntryIn, s: Service,
    actor: Annotated[Actor, Depends(SCORERS)],
) -> Written:  # fmt: skip
    points = _points(s, county, year)
    entry = points.enter(
        _book(points, book), quarter=body.quarter, component=body.component,
        points_tenths=body.points_tenths, reason=body.reason, actor=actor, task=body.task,
    )  # fmt: skip
    return _written(s, book, entry=entry)


@router.post("/books/{book}/corrections", status_code=201, summary="reverse an entry")
def correct(
    county: County, year: YearPath, book: UUID, body: CorrectionIn, s: Service,
    actor: Annotated[Actor, Depends(SCORERS)],
) -> Written:  # fmt: skip
    points = _points(s, county, year)
    entry = points.correct(_book(points, book), body.entry, body.reason, actor)
    return _written(s, book, entry=entry)


@router.post("/books/{book}/appraisal", summary="annual grade and pay (township committee)")
def appraise(
    county: County, year: YearPath, book: UUID, body: AppraisalIn, s: Service,
    actor: Annotated[Actor, Depends(TOWNSHIP)],
) -> Written:  # fmt: skip
    points = _points(s, county, year)
    points.appraise(_book(points, book), body.grade, body.base_pay_fen, actor, body.reason)
    return _written(s, book)
