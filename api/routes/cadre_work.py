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
             summary="选人用人专项检查 open a special inspection of cadre selection")  # fmt: skip
def open_selection_inspection(
    body: SelectionInspectionIn, s: Service, actor: Annotated[Actor, Depends(INSPECTORS)]
) -> Written:
    """开展选人用人专项检查（名称、所在县、检查组）：第一步，之后走访单位、记录发现、约谈。
    ``result.inspection`` 是新检查的编号。

    角色：organisation_department."""
    work = CadreWork(s.ledger)
    inspection = work.open_selection_inspection(body.name, body.county, body.team, actor)
    return written(s.ledger, inspection, inspection=str(inspection))


@router.post("/selection-inspections/{inspection}/visits", status_code=201,
             summary="走访单位 units the research team visited")  # fmt: skip
def visit_units(
    inspection: UUID, body: UnitsIn, s: Service, actor: Annotated[Actor, Depends(INSPECTORS)]
) -> Written:
    """登记检查组走访的单位：在开展专项检查之后、记录该单位的发现之前。

    角色：organisation_department."""
    CadreWork(s.ledger).visit_units(inspection, [(u.unit, u.kind) for u in body.units], actor)
    return written(s.ledger, inspection)


@router.post("/selection-inspections/{inspection}/findings", status_code=201,
             summary="记录发现 a finding in a visited unit")  # fmt: skip
def record_finding(
    inspection: UUID, body: FindingIn, s: Service, actor: Annotated[Actor, Depends(INSPECTORS)]
) -> Written:
    """记录在已走访单位的发现（是否属于工作推动不力）：在走访该单位之后。

    角色：organisation_department."""
    CadreWork(s.ledger).record_finding(inspection, body.unit, body.finding, body.weak_work, actor)
    return written(s.ledger, inspection)


@router.post("/selection-inspections/{inspection}/talks", status_code=201,
             summary="约谈单位负责人 a talk with a unit's head")  # fmt: skip
def talk_to_head(
    inspection: UUID, body: TalkIn, s: Service, actor: Annotated[Actor, Depends(INSPECTORS)]
) -> Written:
    """约谈单位主要负责人：在该单位有工作推动不力的发现之后，记录谈话内容。

    角色：organisation_department."""
    CadreWork(s.ledger).talk_to_head(inspection, body.unit, body.head, body.note, actor)
    return written(s.ledger, inspection)


@router.post("/posts", status_code=201, summary="登记职务 a cadre's post, leading or not")
def assign_post(body: PostIn, s: Service, actor: Annotated[Actor, Depends(POSTS)]) -> Written:
    """登记干部的职务（领导职务与否）：观察使用之前的第一步（干部须先登记为 subject）。
    ``result.post`` 是职务记录的编号。

    角色：organisation_department."""
    work = CadreWork(s.ledger)
    post = work.assign_post(body.cadre, body.county, body.post, body.leading, actor)
    return written(s.ledger, post, post=str(post))


@router.post("/posts/{cadre}/observation", status_code=201,
             summary="观察使用 moved to a non-leading post for observation")  # fmt: skip
def start_observation(
    cadre: UUID, body: ObservationIn, s: Service, actor: Annotated[Actor, Depends(POSTS)]
) -> Written:
    """调整到非领导职务观察使用（注明职务、理由和观察期，观察期在今天之后）：在登记领导职务之后，
    通常随专项检查的结论。

    角色：organisation_department."""
    CadreWork(s.ledger).start_observation(cadre, body.post, body.until, body.reason, actor)
    return written(s.ledger, post_id(cadre))


@router.post("/posts/{cadre}/review", status_code=201,
             summary="观察期满复核 the observation reviewed at its end")  # fmt: skip
def review_observation(
    cadre: UUID, body: ReviewIn, s: Service, actor: Annotated[Actor, Depends(POSTS)]
) -> Written:
    """观察期满复核：留任非领导职务或恢复领导职务，说明理由。在观察期结束之后；最后一步。

    角色：organisation_department."""
    CadreWork(s.ledger).review_observation(cadre, body.decision, body.post, body.reason, actor)
    return written(s.ledger, post_id(cadre))
