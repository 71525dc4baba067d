"""Supervision commands: cases and their actions to closure with evidence, inspections, key
projects and their monthly progress."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field, StrictBool

from api.auth import acting_as
from api.evidence import receipt, written
from api.idempotency import IDEMPOTENCY_RESPONSES, WriteRoute, idempotency_key
from api.models import Body, Evidence, ShortText, Text, Written, Year, example
from api.services import Services, services
from ledger.actor import Actor, Role
from ledger.supervision.case import SUPERVISION_ROLES
from ledger.supervision.inspection import INSPECTION_ROLES, Outcome
from ledger.supervision.project import PROJECT_ROLES
from ledger.supervision.service import Supervision

router = APIRouter(
    prefix="/api/v1/supervision",
    tags=["supervision"],
    route_class=WriteRoute,
    dependencies=[Depends(idempotency_key)],
    responses=IDEMPOTENCY_RESPONSES,
)
SUPERVISORS = acting_as(*SUPERVISION_ROLES)
GUIDES = acting_as(*SUPERVISION_ROLES, Role.PARTY_BUILDING_INSTRUCTOR)  # 包村党建指导员
INSPECTORS = acting_as(*INSPECTION_ROLES)
PROJECTS = acting_as(*PROJECT_ROLES)
ESCALATORS = acting_as(Role.SUPERVISION)
Service = Annotated[Services, Depends(services)]
Code = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")]


class CaseIn(Body):
    model_config = example(
        {
            "target_kind": "unit",
            "target": "水利局",
            "reason": "complaint",
            "detail": "群众反映工程进度滞后",
            "county": "yuexi",
        }
    )
    target_kind: Annotated[str, Field(pattern=r"^(cadre|unit_head|unit)$")]
    target: ShortText
    reason: ShortText  # bottom_ranking is refused: the year-end close opens those (409)
    detail: Text
    county: ShortText


class NoteIn(Body):
    note: Text


class GuidanceIn(NoteIn):
    instructor: ShortText | None = None  # default: the acting principal (bottom cases: must be)


class RectificationIn(NoteIn):
    model_config = example({"note": "已完成整改", "evidence": "整改报告〔2024〕3号"})
    evidence: Annotated[str, Field(max_length=200)] = ""  # required on bottom-ranking cases


class ListingIn(NoteIn):
    model_config = example({"deadline": "2023-09-30", "note": "挂牌督办"})
    deadline: date


class ClosureIn(Body):
    model_config = example({"evidence": "DOC-2023-0099 整改报告"})
    evidence: Annotated[str, Field(min_length=3, max_length=200)]


class InspectionIn(Body):
    name: ShortText
    county: ShortText


class VisitsIn(Body):
    branches: Annotated[list[ShortText], Field(min_length=1, max_length=500)]


class Examination(Body):
    cadre: UUID
    branch: ShortText
    outcome: Outcome
    reason: Annotated[str, Field(max_length=500)] = ""
    non_leading_post: Annotated[str, Field(max_length=100)] = Field(
        "", description="for non_leading_post_observation: the non-leading post (观察使用)"
    )
    observe_until: date | None = Field(
        None, description="for non_leading_post_observation: the observation period's end"
    )


class ExaminationsIn(Body):
    results: Annotated[list[Examination], Field(min_length=1, max_length=500)]


class Item(Body):
    item: Code
    title: ShortText
    due: date


class ProjectIn(Body):
    model_config = example(
        {
            "name": "人才引进工作优化",
            "owner_unit": "县委组织部人才工作科",
            "county": "yuexi",
            "lead": "zzb-yuexi-lead",
            "year": 2023,
            "items": [{"item": "m1", "title": "选址", "due": "2023-03-31"}],
        }
    )
    name: ShortText
    owner_unit: ShortText
    county: ShortText
    lead: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._@-]{0,63}$")] = Field(
        description="the account id of the project's 工作专班 lead, who verifies items"
    )
    year: Year
    items: Annotated[list[Item], Field(min_length=1, max_length=200)]


class AmendmentIn(Body):
    model_config = example(
        {"change": "move", "item": "m1", "due": "2023-04-30", "reason": "根据实施进展动态调整"}
    )
    change: Annotated[str, Field(pattern=r"^(add|drop|move)$")]
    item: Code
    title: Annotated[str, Field(max_length=100)] = ""
    due: date | None = None
    reason: Text


class VerificationIn(Body):
    model_config = example({"item": "m1", "evidence": "3月调度会盘点，材料齐全"})
    item: Code
    evidence: Text


class EscalationRun(BaseModel):
    today: date = Field(description="the server's business date the policy ran for")
    opened: list[UUID] = Field(description="the cases this run opened, one per overdue item")
    records: list[Evidence] = Field(default_factory=list)


class ProgressIn(Body):
    item: Code
    done: StrictBool
    note: Text


def _written(s: Services, stream: UUID) -> Written:
    return written(s.ledger, stream)


@router.post("/cases", status_code=201, summary="open a case (supervision, township)")
def open_case(body: CaseIn, s: Service, actor: Annotated[Actor, Depends(SUPERVISORS)]) -> Written:
    case = Supervision(s.ledger).open_case(
        target_kind=body.target_kind, target=body.target, reason=body.reason,
        detail=body.detail, county=body.county, actor=actor,
    )  # fmt: skip
    return _written(s, case)


@router.post("/cases/{case}/talks", status_code=201, summary="a talk and reminder (约谈提醒)")
def talk(
    case: UUID, body: NoteIn, s: Service, actor: Annotated[Actor, Depends(SUPERVISORS)]
) -> Written:
    Supervision(s.ledger).talk(case, body.note, actor)
    return _written(s, case)


@router.post("/cases/{case}/guidance", status_code=201, summary="on-site guidance (现场指导)")
def guide(
    case: UUID, body: GuidanceIn, s: Service, actor: Annotated[Actor, Depends(GUIDES)]
) -> Written:
    Supervision(s.ledger).guide(case, body.instructor, body.note, actor)
    return _written(s, case)


@router.post("/cases/{case}/listing", summary="listed supervision with a deadline (挂牌督办)")
def list_case(
    case: UUID, body: ListingIn, s: Service, actor: Annotated[Actor, Depends(SUPERVISORS)]
) -> Written:
    Supervision(s.ledger).list_case(case, body.deadline, body.note, actor)
    return _written(s, case)


@router.post("/cases/{case}/rectification", summary="rectification reported")
def rectified(
    case: UUID, body: RectificationIn, s: Service, actor: Annotated[Actor, Depends(SUPERVISORS)]
) -> Written:
    Supervision(s.ledger).report_rectification(case, body.note, actor, body.evidence)
    return _written(s, case)


@router.post("/cases/{case}/closure", summary="closure with evidence (销号)")
def close(
    case: UUID, body: ClosureIn, s: Service, actor: Annotated[Actor, Depends(SUPERVISORS)]
) -> Written:
    Supervision(s.ledger).close(case, body.evidence, actor)
    return _written(s, case)


@router.post("/inspections", status_code=201, summary="open an inspection")
def open_inspection(
    body: InspectionIn, s: Service, actor: Annotated[Actor, Depends(INSPECTORS)]
) -> Written:
    return _written(s, Supervision(s.ledger).open_inspection(body.name, body.county, actor))


@router.post("/inspections/{inspection}/visits", status_code=201, summary="branches visited")
def visit(
    inspection: UUID, body: VisitsIn, s: Service, actor: Annotated[Actor, Depends(INSPECTORS)]
) -> Written:
    Supervision(s.ledger).visit(inspection, list(body.branches), actor)
    return _written(s, inspection)


@router.post("/inspections/{inspection}/examinations", status_code=201,
             summary="cadres examined, all or nothing")  # fmt: skip
def examine(
    inspection: UUID, body: ExaminationsIn, s: Service,
    actor: Annotated[Actor, Depends(INSPECTORS)],
) -> Written:  # fmt: skip
    results = [(r.cadre, r.branch, r.outcome, r.reason) for r in body.results]
    observations = {
        r.cadre: (r.non_leading_post, r.observe_until)
        for r in body.results
        if r.observe_until is not None
    }
    Supervision(s.ledger).examine(inspection, results, actor, observations)
    return _written(s, inspection)


@router.post("/projects", status_code=201, summary="register a key project and its items")
def register_project(
    body: ProjectIn, s: Service, actor: Annotated[Actor, Depends(PROJECTS)]
) -> Written:
    project = Supervision(s.ledger).register_project(
        name=body.name, owner_unit=body.owner_unit, county=body.county, lead=body.lead,
        year=body.year,
        items=[(i.item, i.title, i.due) for i in body.items], actor=actor,
    )  # fmt: skip
    return _written(s, project)


@router.post("/projects/{project}/progress", status_code=201, summary="progress on an item")
def report_progress(
    project: UUID, body: ProgressIn, s: Service, actor: Annotated[Actor, Depends(PROJECTS)]
) -> Written:
    Supervision(s.ledger).report_progress(project, body.item, body.done, body.note, actor)
    return _written(s, project)


@router.post("/projects/{project}/amendments", status_code=201,
             summary="add, drop or move a checklist item, with the reason (动态调整)")  # fmt: skip
def amend_project(
    project: UUID, body: AmendmentIn, s: Service, actor: Annotated[Actor, Depends(PROJECTS)]
) -> Written:
    Supervision(s.ledger).amend_project(
        project, body.change, body.item, body.reason, actor, body.title, body.due
    )
    return _written(s, project)


@router.post("/projects/{project}/verifications", status_code=201,
             summary="an item verified by the project's lead (盘点销号)")  # fmt: skip
def verify_item(
    project: UUID, body: VerificationIn, s: Service, actor: Annotated[Actor, Depends(PROJECTS)]
) -> Written:
    Supervision(s.ledger).verify_item(project, body.item, body.evidence, actor)
    return _written(s, project)


@router.post("/escalations", summary="run the overdue-project policy now (挂牌督办)")
def escalate(s: Service, actor: Annotated[Actor, Depends(ESCALATORS)]) -> EscalationRun:
    """On the server's business date, as the calling supervision account, on the projects of
    its county (the same policy ``gongshi serve`` runs daily as the system account, for every
    county). Opens nothing for items already escalated."""
    today = s.ledger.clock().date()
    opened = Supervision(s.ledger).escalate_overdue_items(today, actor)
    records = receipt(s.ledger, opened[-1])["records"] if opened else []
    return EscalationRun.model_validate({"today": today, "opened": opened, "records": records})
