"""Supervision commands (督办): cases and their actions to closure with evidence,
inspections, key projects and their monthly progress; GET on one case and one key project.

A case runs 立案 → 约谈提醒 → 现场指导 → 挂牌督办 → 整改 → 销号 (a bottom-10% case every
step in order; the year-end close of the points scheme opens those). A key project is
registered with its checklist (工作专班), reports progress, adjusts items with a reason
(动态调整) and has each item verified by its lead (盘点销号); overdue items escalate to a
case (挂牌督办). Statuses: 201 for a write that adds something (a case, an action, an
inspection's visits and examinations, a project, a report), 200 for a step that moves a case
on (listing, rectification, closure); ``Location`` names the case or project."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field, StrictBool

from api.auth import acting_as, caller
from api.evidence import receipt, written
from api.idempotency import IDEMPOTENCY_RESPONSES, WriteRoute, idempotency_key
from api.models import Body, Evidence, ShortText, Text, Written, Year, example
from api.resources import case_path, case_view, project_path, project_view
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
reads = APIRouter(prefix="/api/v1/supervision", tags=["supervision"])
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


def _case(s: Services, case: UUID, /, **result: Any) -> Written:
    return written(s.ledger, case, case_path(case), **result)


def _project(s: Services, project: UUID, /, **result: Any) -> Written:
    return written(s.ledger, project, project_path(project), **result)


@reads.get("/cases/{case}", summary="一个督办案件 one supervision case")
def get_case(
    case: UUID, s: Service, actor: Annotated[Actor, Depends(caller)]
) -> dict[str, Any]:  # fmt: skip
    """读取一个督办案件：对象、缘由、当前步骤、督办期限、销号日期、由谁触发（年度结算、重点项目）。

    Any enrolled principal's token. 404 ``not_found.supervision_case`` if there is none."""
    return case_view(Supervision(s.ledger).case(case))


@reads.get("/projects/{project}", summary="一个重点项目 one key project")
def get_project(
    project: UUID, s: Service, actor: Annotated[Actor, Depends(caller)]
) -> dict[str, Any]:  # fmt: skip
    """读取一个重点项目及其清单：每项的期限、是否完成、是否核验销号、是否挂牌督办。

    Any enrolled principal's token. 404 ``not_found.key_project`` if there is none."""
    return project_view(Supervision(s.ledger).project(project))


@router.post("/cases", status_code=201, summary="立案督办 open a case (supervision, township)")
def open_case(body: CaseIn, s: Service, actor: Annotated[Actor, Depends(SUPERVISORS)]) -> Written:
    """立案：督办对象（干部以假名编号、单位以名称）、缘由、所在县。第一步；末位 10% 的案件
    由积分年度结算自动立案，不能手工立案。``result.case`` 是新案件的编号。

    角色：supervision, township_party_committee, organisation_department."""
    case = Supervision(s.ledger).open_case(
        target_kind=body.target_kind, target=body.target, reason=body.reason,
        detail=body.detail, county=body.county, actor=actor,
    )  # fmt: skip
    return _case(s, case, case=str(case))


@router.post("/cases/{case}/talks", status_code=201, summary="约谈提醒 a talk and reminder")
def talk(
    case: UUID, body: NoteIn, s: Service, actor: Annotated[Actor, Depends(SUPERVISORS)]
) -> Written:
    """约谈提醒：立案之后的第一项督办措施（末位案件由干部所在镇的党委办理），可多次。

    角色：supervision, township_party_committee, organisation_department."""
    Supervision(s.ledger).talk(case, body.note, actor)
    return _case(s, case)


@router.post("/cases/{case}/guidance", status_code=201, summary="现场指导 on-site guidance")
def guide(
    case: UUID, body: GuidanceIn, s: Service, actor: Annotated[Actor, Depends(GUIDES)]
) -> Written:
    """现场指导：在约谈提醒之后（末位案件由包村党建指导员亲自办理），可多次。

    角色：supervision, township_party_committee, organisation_department,
    party_building_instructor."""
    Supervision(s.ledger).guide(case, body.instructor, body.note, actor)
    return _case(s, case)


@router.post("/cases/{case}/listing", summary="挂牌督办 listed supervision with a deadline")
def list_case(
    case: UUID, body: ListingIn, s: Service, actor: Annotated[Actor, Depends(SUPERVISORS)]
) -> Written:
    """挂牌督办，定整改期限（不早于今天）：在约谈提醒、现场指导之后。

    角色：supervision, township_party_committee, organisation_department."""
    Supervision(s.ledger).list_case(case, body.deadline, body.note, actor)
    return _case(s, case)


@router.post("/cases/{case}/rectification", summary="报告整改 rectification reported")
def rectified(
    case: UUID, body: RectificationIn, s: Service, actor: Annotated[Actor, Depends(SUPERVISORS)]
) -> Written:
    """报告整改情况（末位案件须附佐证材料）：在至少一项督办措施之后、销号之前。

    角色：supervision, township_party_committee, organisation_department."""
    Supervision(s.ledger).report_rectification(case, body.note, actor, body.evidence)
    return _case(s, case)


@router.post("/cases/{case}/closure", summary="销号 closure with evidence")
def close(
    case: UUID, body: ClosureIn, s: Service, actor: Annotated[Actor, Depends(SUPERVISORS)]
) -> Written:
    """销号，附佐证材料：在报告整改之后；末位案件由报告整改以外的另一人销号。最后一步。

    角色：supervision, township_party_committee, organisation_department."""
    Supervision(s.ledger).close(case, body.evidence, actor)
    return _case(s, case)


@router.post("/inspections", status_code=201, summary="开展督查 open an inspection")
def open_inspection(
    body: InspectionIn, s: Service, actor: Annotated[Actor, Depends(INSPECTORS)]
) -> Written:
    """开展一次督查（名称、所在县）：第一步，之后走访党支部、检查干部。``result.inspection``
    是新督查的编号.

    角色：organisation_department."""
    inspection = Supervision(s.ledger).open_inspection(body.name, body.county, actor)
    return written(s.ledger, inspection, inspection=str(inspection))


@router.post("/inspections/{inspection}/visits", status_code=201,
             summary="走访党支部 branches visited")  # fmt: skip
def visit(
    inspection: UUID, body: VisitsIn, s: Service, actor: Annotated[Actor, Depends(INSPECTORS)]
) -> Written:
    """登记走访过的党支部：在开展督查之后、检查该支部干部之前。

    角色：organisation_department."""
    Supervision(s.ledger).visit(inspection, list(body.branches), actor)
    return written(s.ledger, inspection)


@router.post("/inspections/{inspection}/examinations", status_code=201,
             summary="检查干部 cadres examined, all or nothing")  # fmt: skip
def examine(
    inspection: UUID, body: ExaminationsIn, s: Service,
    actor: Annotated[Actor, Depends(INSPECTORS)],
) -> Written:  # fmt: skip
    """登记干部检查结论（全部成功或全部不记），结论不是"无问题"的须说明理由；观察使用者
    注明非领导职务和观察期。在走访该支部之后。

    角色：organisation_department."""
    results = [(r.cadre, r.branch, r.outcome, r.reason) for r in body.results]
    observations = {
        r.cadre: (r.non_leading_post, r.observe_until)
        for r in body.results
        if r.observe_until is not None
    }
    Supervision(s.ledger).examine(inspection, results, actor, observations)
    return written(s.ledger, inspection)


@router.post("/projects", status_code=201,
             summary="登记重点项目 register a key project and its items")  # fmt: skip
def register_project(
    body: ProjectIn, s: Service, actor: Annotated[Actor, Depends(PROJECTS)]
) -> Written:
    """登记重点项目及其清单（每项代码、名称、期限）和工作专班负责人：第一步。
    ``result.project`` 是新项目的编号。

    角色：organisation_department."""
    project = Supervision(s.ledger).register_project(
        name=body.name, owner_unit=body.owner_unit, county=body.county, lead=body.lead,
        year=body.year,
        items=[(i.item, i.title, i.due) for i in body.items], actor=actor,
    )  # fmt: skip
    return _project(s, project, project=str(project))


@router.post("/projects/{project}/progress", status_code=201,
             summary="报告进度 progress on an item")  # fmt: skip
def report_progress(
    project: UUID, body: ProgressIn, s: Service, actor: Annotated[Actor, Depends(PROJECTS)]
) -> Written:
    """报告一项的进度（完成与否、说明）：在项目登记之后、该项核验之前。

    角色：organisation_department."""
    Supervision(s.ledger).report_progress(project, body.item, body.done, body.note, actor)
    return _project(s, project)


@router.post("/projects/{project}/amendments", status_code=201,
             summary="动态调整清单 add, drop or move a checklist item")  # fmt: skip
def amend_project(
    project: UUID, body: AmendmentIn, s: Service, actor: Annotated[Actor, Depends(PROJECTS)]
) -> Written:
    """动态调整：增加、删除或改期一项，须说明理由；已完成或已挂牌督办的项不能调整。在项目
    登记之后。

    角色：organisation_department."""
    Supervision(s.ledger).amend_project(
        project, body.change, body.item, body.reason, actor, body.title, body.due
    )
    return _project(s, project)


@router.post("/projects/{project}/verifications", status_code=201,
             summary="盘点销号 an item verified by the project's lead")  # fmt: skip
def verify_item(
    project: UUID, body: VerificationIn, s: Service, actor: Annotated[Actor, Depends(PROJECTS)]
) -> Written:
    """盘点销号：项目的工作专班负责人核验一项已报告完成的事项，注明核验依据；报告完成者
    不能自己核验。在报告完成之后；由该项转来的督办案件随之可以销号。

    角色：organisation_department（项目负责人的账户）."""
    Supervision(s.ledger).verify_item(project, body.item, body.evidence, actor)
    return _project(s, project)


@router.post("/escalations", summary="逾期事项挂牌督办 run the overdue-project policy now")
def escalate(s: Service, actor: Annotated[Actor, Depends(ESCALATORS)]) -> EscalationRun:
    """逾期未完成的重点项目事项转为挂牌督办案件（每项一次）：服务器每天自动运行，这里立即运行。

    角色：supervision.

    On the server's business date, as the calling supervision account, on the projects of
    its county (the same policy ``gongshi serve`` runs daily as the system account, for every
    county). Opens nothing for items already escalated."""
    today = s.ledger.clock().date()
    opened = Supervision(s.ledger).escalate_overdue_items(today, actor)
    records = receipt(s.ledger, opened[-1])["records"] if opened else []
    return EscalationRun.model_validate({"today": today, "opened": opened, "records": records})
