"""Cadre work (Wangjiang): the special inspection of cadre selection (选人用人专项检查) and
cadres' posts with their observation periods (观察使用). Role organisation_department."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import Field, StrictBool

from api.auth import acting_as
from api.evidence import written
from api.idempotency import IDEMPOTENCY_RESPONSES, WriteRoute, idempotency_key
from api.models import Body, ShortText, Text, Written, example
from api.services import Services, services
from ledger.actor import Actor
from ledger.supervision.cadre_post import POST_ROLES, Decision, post_id
from ledger.supervision.cadre_work import CadreWork
from ledger.supervision.selection_inspection import SELECTION_ROLES, UnitKind

router = APIRouter(
    prefix="/api/v1/supervision",
    tags=["cadre work"],
    route_class=WriteRoute,
    dependencies=[Depends(idempotency_key)],
    responses=IDEMPOTENCY_RESPONSES,
)
INSPECTORS = acting_as(*SELECTION_ROLES)
POSTS = acting_as(*POST_ROLES)
Service = Annotated[Services, Depends(services)]


class SelectionInspectionIn(Body):
    model_config = example(
        {"name": "望江县选人用人专项检查", "county": "wangjiang", "team": "县委组织部专项调研组"}
    )
    name: ShortText
    county: ShortText
    team: ShortText


class Unit(Body):
    unit: ShortText
    kind: UnitKind = Field(description="county_unit (县直单位) or township (乡镇（街道）)")


class UnitsIn(Body):
    units: Annotated[list[Unit], Field(min_length=1, max_length=500)]


class FindingIn(Body):
    model_config = example({"unit": "县交通运输局", "finding": "干部队伍建设推进缓慢",
                            "weak_work": True})  # fmt: skip
    unit: ShortText
    finding: Text
    weak_work: StrictBool = Field(description="工作推动不力: grounds for a talk with the head")


class TalkIn(Body):
    unit: ShortText
    head: UUID = Field(description="the unit's head: a subject of kind unit_head")
    note: Text


class PostIn(Body):
    model_config = example(
        {"cadre": "00000000-0000-4000-8000-000000000000", "county": "wangjiang",
         "post": "某镇党委副书记", "leading": True}
    )  # fmt: skip
    cadre: UUID
    county: ShortText
    post: ShortText
    leading: StrictBool


class ObservationIn(Body):
    post: ShortText = Field(description="the non-leading post")
    until: date = Field(description="the end of the observation period (after today)")
    reason: Text


class ReviewIn(Body):
    decision: Decision
    post: Annotated[str, Field(max_length=100)] = Field(
        "", description="restored_leading: the leading post (kept_non_leading keeps the post)"
    )
    reason: Text


@router.post("/selection-inspections", status_code=201,
             summary="open a special inspection of cadre selection (选人用人专项检查)")  # fmt: skip
def open_selection_inspection(
    body: SelectionInspectionIn, s: Service, actor: Annotated[Actor, Depends(INSPECTORS)]
) -> Written:
    work = CadreWork(s.ledger)
    return written(
        s.ledger, work.open_selection_inspection(body.name, body.county, body.team, actor)
    )


@router.post("/selection-inspections/{inspection}/visits", status_code=201,
             summary="units the research team visited")  # fmt: skip
def visit_units(
    inspection: UUID, body: UnitsIn, s: Service, actor: Annotated[Actor, Depends(INSPECTORS)]
) -> Written:
    CadreWork(s.ledger).visit_units(inspection, [(u.unit, u.kind) for u in body.units], actor)
    return written(s.ledger, inspection)


@router.post("/selection-inspections/{inspection}/findings", status_code=201,
             summary="a finding in a visited unit")  # fmt: skip
def record_finding(
    inspection: UUID, body: FindingIn, s: Service, actor: Annotated[Actor, Depends(INSPECTORS)]
) -> Written:
    CadreWork(s.ledger).record_finding(inspection, body.unit, body.finding, body.weak_work, actor)
    return written(s.ledger, inspection)


@router.post("/selection-inspections/{inspection}/talks", status_code=201,
             summary="a talk with a unit's head (约谈) after a weak-work finding")  # fmt: skip
def talk_to_head(
    inspection: UUID, body: TalkIn, s: Service, actor: Annotated[Actor, Depends(INSPECTORS)]
) -> Written:
    CadreWork(s.ledger).talk_to_head(inspection, body.unit, body.head, body.note, actor)
    return written(s.ledger, inspection)


@router.post("/posts", status_code=201, summary="a cadre's post, leading or not")
def assign_post(body: PostIn, s: Service, actor: Annotated[Actor, Depends(POSTS)]) -> Written:
    work = CadreWork(s.ledger)
    return written(
        s.ledger, work.assign_post(body.cadre, body.county, body.post, body.leading, actor)
    )


@router.post("/posts/{cadre}/observation", status_code=201,
             summary="moved to a non-leading post for observation (观察使用)")  # fmt: skip
def start_observation(
    cadre: UUID, body: ObservationIn, s: Service, actor: Annotated[Actor, Depends(POSTS)]
) -> Written:
    CadreWork(s.ledger).start_observation(cadre, body.post, body.until, body.reason, actor)
    return written(s.ledger, post_id(cadre))


@router.post("/posts/{cadre}/review", status_code=201,
             summary="the observation period reviewed at its end")  # fmt: skip
def review_observation(
    cadre: UUID, body: ReviewIn, s: Service, actor: Annotated[Actor, Depends(POSTS)]
) -> Written:
    CadreWork(s.ledger).review_observation(cadre, body.decision, body.post, body.reason, actor)
    return written(s.ledger, post_id(cadre))
