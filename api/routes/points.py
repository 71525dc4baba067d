"""Cadre points commands (积分制管理): a county's scheme for a year, township plans, books,
score entries, corrections, allocations, appraisal and the year's close; GET on the scheme,
a township's plan and one book. The scheme is named by county and year in the path; books
must belong to it (else 404).

The year runs as the source's Taihu scheme: the county's organisation department opens the
scheme; 乡镇党委每年初根据工作任务为每项工作赋分 (the township's plan, Q1); 村"两委"会议
根据工作分工为每名干部分配责任分 (allocations); 季度积分 (entries: work, evaluation, bonus,
deduction; corrections reverse one); the organisation department closes the year (ranking,
bottom 10% cases) and may reopen it with a reason; the township committee sets each cadre's
annual grade and pay. Statuses: 201 for a write that adds something, 200 for the annual
grade (a step on the book); ``Location`` names the scheme, the plan or the book."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path
from pydantic import Field, StrictInt

from api.auth import acting_as, caller
from api.evidence import written
from api.idempotency import IDEMPOTENCY_RESPONSES, WriteRoute, idempotency_key
from api.models import Body, ShortText, Text, Written, YearPath, example
from api.resources import (
    book_path,
    book_view,
    plan_path,
    plan_view,
    scheme_path,
    scheme_view,
)  # fmt: skip
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
reads = APIRouter(prefix="/api/v1/points/{county}/{year}", tags=["points"])
TOWNSHIP = acting_as(Role.TOWNSHIP_PARTY_COMMITTEE)
ORGANISATION = acting_as(*SCHEME_ROLES)  # 县委组织部: opens the scheme, closes the year
SCORERS = acting_as(*SCORE_ROLES)
County = Annotated[str, Path(pattern=r"^[a-z][a-z0-9-]{0,39}$")]
Township = Annotated[str, Path(max_length=40)]
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
        raise NotFound("PointsBook", book)
    return book


@reads.get("/scheme", summary="一个县的年度积分方案 the scheme")
def get_scheme(
    county: County, year: YearPath, s: Service, actor: Annotated[Actor, Depends(caller)]
) -> dict[str, Any]:  # fmt: skip
    """读取积分管理方案：干部类别、加分上限、报酬比例、末位和优秀比例、是否已结算。

    Any enrolled principal's token. 404 ``not_found.scheme`` ("taihu 2031 年度积分管理方案
    未开立") if it was never opened."""
    return scheme_view(_points(s, county, year).scheme())


@reads.get("/plans/{township}", summary="一个乡镇的任务计划 a township's plan")
def get_plan(
    county: County, year: YearPath, township: Township, s: Service,
    actor: Annotated[Actor, Depends(caller)],
) -> dict[str, Any]:  # fmt: skip
    """读取乡镇年度任务计划：每项工作的代码、名称和分值（"乡镇党委每年初根据工作任务为每项工作赋分"）。

    Any enrolled principal's token. 404 ``not_found.task_plan`` if it was never set."""
    return plan_view(_points(s, county, year).plan(township))


@reads.get("/books/{book}", summary="一名干部的积分卡 one points book")
def get_book(
    county: County, year: YearPath, book: UUID, s: Service,
    actor: Annotated[Actor, Depends(caller)],
) -> dict[str, Any]:  # fmt: skip
    """读取一名干部本年度的积分卡（一人一档）：每条记分、更正、分项和季度合计、总分、
    年度等次与报酬。干部以假名编号出现。

    Any enrolled principal's token. 404 ``not_found.points_book`` if there is none in this
    scheme."""
    points = _points(s, county, year)
    return book_view(points.book(_book(points, book)))


def _on_book(s: Services, county: str, year: int, book: UUID, /, **result: Any) -> Written:
    return written(s.ledger, book, book_path(county, year, book), **result)


@router.post("/scheme", status_code=201, summary="开立年度积分方案 open the scheme")
def open_scheme(
    county: County, year: YearPath, s: Service, actor: Annotated[Actor, Depends(ORGANISATION)]
) -> Written:
    """开立县的年度积分管理方案：第一步，之后乡镇制定任务计划、建立干部积分卡。

    角色：organisation_department."""
    scheme = _points(s, county, year).open_scheme(actor)
    return written(s.ledger, scheme, scheme_path(county, year), scheme=str(scheme))


@router.post("/closure", status_code=201,
             summary="年度结算 close the year: totals, ranking, bottom-10% cases")  # fmt: skip
def close_year(
    county: County, year: YearPath, s: Service,
    actor: Annotated[Actor, Depends(ORGANISATION)],
) -> Written:  # fmt: skip
    """年度结算：在年度结束之后，封存所有积分卡，计算总分和排名，末位 10% 自动立案督办。
    ``result.close`` 是第几次结算，``result.cases`` 是新立的案件数。

    角色：organisation_department."""
    points = _points(s, county, year)
    closed = points.close_year(actor)
    return written(
        s.ledger, points.scheme_id, scheme_path(county, year), close=closed.close,
        cases=len(closed.cases),
    )  # fmt: skip


@router.post("/reopening", status_code=201,
             summary="重新开放年度 reopen the closed year, with the reason")  # fmt: skip
def reopen_year(
    county: County, year: YearPath, body: ReopeningIn, s: Service,
    actor: Annotated[Actor, Depends(ORGANISATION)],
) -> Written:  # fmt: skip
    """重新开放已结算的年度（须说明理由），解封积分卡以便补录或更正：在年度结算之后；之后须再次结算。

    角色：organisation_department."""
    points = _points(s, county, year)
    close = points.reopen_year(body.reason, actor)
    return written(s.ledger, points.scheme_id, scheme_path(county, year), reopened_close=close)


@router.post("/plans", status_code=201, summary="制定乡镇任务计划 a township's task plan")
def set_plan(
    county: County, year: YearPath, body: PlanIn, s: Service,
    actor: Annotated[Actor, Depends(TOWNSHIP)],
) -> Written:  # fmt: skip
    """乡镇党委年初为每项工作赋分（第一季度内，每年一次）：在方案开立之后、两委会议分配责任分之前。
    ``result.plan`` 是计划的编号。

    角色：township_party_committee."""
    tasks = [(t.task, t.title, t.points_tenths) for t in body.tasks]
    plan = _points(s, county, year).set_plan(body.township, tasks, actor)
    return written(s.ledger, plan, plan_path(county, year, body.township), plan=str(plan))


@router.post("/plans/{township}/amendments", status_code=201,
             summary="调整任务计划 amend a plan's task")  # fmt: skip
def amend_plan(
    county: County, year: YearPath, township: Township,
    body: AmendmentIn, s: Service, actor: Annotated[Actor, Depends(TOWNSHIP)],
) -> Written:  # fmt: skip
    """增加或调整计划中的一项工作及其分值（须说明理由，本年度内）：在制定计划之后。

    角色：township_party_committee."""
    points = _points(s, county, year)
    points.amend_plan(township, body.task, body.title, body.points_tenths, body.reason, actor)
    return written(s.ledger, points.plan(township).id, plan_path(county, year, township))


@router.post("/books", status_code=201, summary="建立干部积分卡 open a cadre's book")
def open_book(
    county: County, year: YearPath, body: BookIn, s: Service,
    actor: Annotated[Actor, Depends(SCORERS)],
) -> Written:  # fmt: skip
    """为一名村（社区）干部建立本年度积分卡（"一人一档"，干部须先登记为 subject）：在方案
    开立之后、年度结算之前。``result.book`` 是新积分卡的编号。

    角色：township_party_committee, village_committee."""
    points = _points(s, county, year)
    book = points.open_book(body.cadre, body.township, body.village, body.category, actor)
    return _on_book(s, county, year, book, book=str(book))


@router.post("/books/{book}/allocations", status_code=201,
             summary="两委会议分配责任分 allocate a task's points for a quarter")  # fmt: skip
def allocate(
    county: County, year: YearPath, book: UUID, body: AllocationIn, s: Service,
    actor: Annotated[Actor, Depends(acting_as(Role.VILLAGE_COMMITTEE))],
) -> Written:  # fmt: skip
    """村"两委"会议根据工作分工为干部分配某项工作某季度的责任分（注明会议纪要文号），
    不超过该项工作的分值：在乡镇任务计划之后、记入工作分之前。记录属于本村的分配登记簿。

    角色：village_committee."""
    points = _points(s, county, year)
    register = points.allocate(
        _book(points, book), task=body.task, quarter=body.quarter,
        points_tenths=body.points_tenths, meeting_on=body.meeting_on, minutes=body.minutes,
        actor=actor,
    )  # fmt: skip
    return written(s.ledger, register, book_path(county, year, book), register=str(register))


@router.post("/books/{book}/entries", status_code=201, summary="记分 a score entry")
def enter(
    county: County, year: YearPath, book: UUID, body: EntryIn, s: Service,
    actor: Annotated[Actor, Depends(SCORERS)],
) -> Written:  # fmt: skip
    """季度记分：工作分（不超过分配的责任分）、测评分（每季度一次）、加分和扣分（由乡镇党委记入，
    加分全年上限 5 分）。在积分卡建立之后、年度结算之前。``result.entry`` 是记录的序号。

    角色：township_party_committee, village_committee."""
    points = _points(s, county, year)
    entry = points.enter(
        _book(points, book), quarter=body.quarter, component=body.component,
        points_tenths=body.points_tenths, reason=body.reason, actor=actor, task=body.task,
    )  # fmt: skip
    return _on_book(s, county, year, book, entry=entry)


@router.post("/books/{book}/corrections", status_code=201, summary="更正记分 reverse an entry")
def correct(
    county: County, year: YearPath, book: UUID, body: CorrectionIn, s: Service,
    actor: Annotated[Actor, Depends(SCORERS)],
) -> Written:  # fmt: skip
    """更正：以一条反向记录冲销一条记分（须说明理由，每条只更正一次）：在记分之后、年度结算之前。

    角色：township_party_committee, village_committee."""
    points = _points(s, county, year)
    entry = points.correct(_book(points, book), body.entry, body.reason, actor)
    return _on_book(s, county, year, book, entry=entry)


@router.post("/books/{book}/appraisal", summary="年度定等和报酬 annual grade and pay")
def appraise(
    county: County, year: YearPath, book: UUID, body: AppraisalIn, s: Service,
    actor: Annotated[Actor, Depends(TOWNSHIP)],
) -> Written:  # fmt: skip
    """年度等次和报酬：依据已结算的排名（优秀限排名前列，不称职须说明理由），每年一次。在年度
    结算之后；最后一步。A step on the book: 200, ``Location`` the book.

    角色：township_party_committee."""
    points = _points(s, county, year)
    points.appraise(_book(points, book), body.grade, body.base_pay_fen, actor, body.reason)
    return _on_book(s, county, year, book)
