"""Care-fund commands (先锋关爱基金): fund years, contributions, applications through
review, approval, disbursement, follow-up, revocation and recovery, audit results; and GET
on one fund year and one application. Roles per endpoint below; the domain checks them again
with the separations of duties.

The flow is the source's "个人申请-所属行业党务审核-市总工会审批": intake submits (申请),
the industry party committee reviews (审核), the trade union approves or rejects (审批),
finance pays (发放); return visits follow (定期回访), supervision revokes a grant for a
violation and finance records what is recovered; audit publishes its results (审计结果公示).

Statuses: 201 for a write that adds something (a fund year, an application, a
contribution, a return visit, a recovery, an audit result), 200 for a step that moves an
existing application on (review, approval, rejection, disbursement, revocation); both name
the resource in ``Location`` and ``location``."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path

from api.auth import acting_as, caller
from api.evidence import written
from api.idempotency import IDEMPOTENCY_RESPONSES, WriteRoute, idempotency_key
from api.models import (
    ApplicationIn,
    ApprovalIn,
    AuditResultIn,
    ContributionIn,
    DisbursementIn,
    FollowUpIn,
    ReasonIn,
    RecoveryIn,
    ReviewIn,
    RevocationIn,
    Written,
    YearIn,
    YearPath,
)  # fmt: skip
from api.resources import application_path, application_view, fund_year_path, fund_year_view
from api.services import Services, services
from ledger.actor import Actor, Role
from ledger.carefund.fund import fund_year_id
from ledger.carefund.service import CareFund

router = APIRouter(
    prefix="/api/v1/carefund",
    tags=["care fund"],
    route_class=WriteRoute,
    dependencies=[Depends(idempotency_key)],
    responses=IDEMPOTENCY_RESPONSES,
)
reads = APIRouter(prefix="/api/v1/carefund", tags=["care fund"])
FINANCE = acting_as(Role.FINANCE)
INTAKE = acting_as(Role.INTAKE)
READERS = acting_as(
    Role.INTAKE, Role.INDUSTRY_PARTY_COMMITTEE, Role.TRADE_UNION, Role.FINANCE, Role.AUDIT,
    Role.SUPERVISION,
)  # fmt: skip
Service = Annotated[Services, Depends(services)]
ApplicationId = Annotated[UUID, Path(description="the application's stream id")]


def _fund(s: Services) -> CareFund:
    return CareFund(s.ledger, s.carefund_config)


def _year_stream(s: Services, year: int) -> UUID:
    return fund_year_id(s.carefund_config.fund, year)


def _step(s: Services, application: UUID, /, **result: Any) -> Written:
    return written(s.ledger, application, application_path(application), **result)


@reads.get("/years/{year}", summary="一个基金年度 one fund year")
def get_year(
    year: YearPath, s: Service, actor: Annotated[Actor, Depends(caller)]
) -> dict[str, Any]:  # fmt: skip
    """读取一个基金年度：预算、档次、已到账、已资助、已发放、已追回、结余（任何已登记账户的令牌）。
    404 ``not_found.fund_year``（"2031 年度基金未开立"）if the year was never opened.

    Any enrolled principal's token. The same figures as the public fund ledger."""
    return fund_year_view(_fund(s).fund_year(year))


@reads.get("/applications/{application}", summary="一份帮扶申请 one application")
def get_application(
    application: ApplicationId, s: Service, actor: Annotated[Actor, Depends(READERS)]
) -> dict[str, Any]:  # fmt: skip
    """读取一份申请的当前状态（阶段、档次、金额、回访、撤销与追回），只有假名编号，不含个人信息。

    角色：intake, industry_party_committee, trade_union, finance, audit, supervision.
    404 ``not_found.application`` if there is none."""
    return application_view(_fund(s).application(application))


@reads.get("/years/{year}/review-queue",
           summary="待审核、待审批的申请，优先考虑者在前 review queue")  # fmt: skip
def review_queue(
    year: YearPath, s: Service,
    actor: Annotated[Actor, Depends(acting_as(Role.INDUSTRY_PARTY_COMMITTEE, Role.TRADE_UNION))],
) -> list[dict[str, Any]]:  # fmt: skip
    """本年度已提交或已审核、尚未审批的申请：优先考虑者在前（"对主动参与城市基层治理、
    服从行业党委领导且生活有困难的新就业群体优先考虑"），其余按提交先后。只有假名编号。

    角色：industry_party_committee（待审核）, trade_union（待审批）."""
    return [
        {"application": str(app.id), "priority": app.priority, "stage": app.stage,
         "industry": app.industry, "requested_tier": app.requested_tier}
        for app in _fund(s).review_queue(year)
    ]  # fmt: skip


@router.post("/years", status_code=201, summary="开立基金年度 open a fund year (finance)")
def open_year(body: YearIn, s: Service, actor: Annotated[Actor, Depends(FINANCE)]) -> Written:
    """开立基金年度（预算、三个档次、回访安排、公示天数）：第一步，之后才能收款和受理申请。

    角色：finance. 409 ``rule.carefund.year_open`` if the year is open already."""
    stream = _fund(s).open_year(body.year, actor, **body.params())
    return written(s.ledger, stream, fund_year_path(body.year), year=body.year)


@router.post("/years/{year}/contributions", status_code=201,
             summary="登记到账资金 a contribution received (finance)")  # fmt: skip
def receive(
    year: YearPath, body: ContributionIn, s: Service, actor: Annotated[Actor, Depends(FINANCE)]
) -> Written:
    """登记一笔到账资金（财政、工会、社会捐赠等来源；社会捐赠注明捐赠人）：在基金年度开立之后。

    角色：finance. 404 ``not_found.fund_year`` if the year was never opened."""
    _fund(s).receive(year, body.source, body.amount_fen, body.reference, actor, body.donor)
    return written(s.ledger, _year_stream(s, year), fund_year_path(year))


@router.post("/years/{year}/audit-results", status_code=201,
             summary="公示审计结果 publish an audit result (audit)")  # fmt: skip
def audit_result(
    year: YearPath, body: AuditResultIn, s: Service,
    actor: Annotated[Actor, Depends(acting_as(Role.AUDIT))],
) -> Written:  # fmt: skip
    """公布一项审计结果（"对先锋关爱基金使用情况和审计结果及时向社会公示"）：基金年度开立之后，随时。

    角色：audit."""
    _fund(s).record_audit_result(year, body.title, body.conclusion, body.findings, actor)
    return written(s.ledger, _year_stream(s, year), fund_year_path(year))


@router.post("/applications", status_code=201, summary="受理申请 submit an application (intake)")
def submit(body: ApplicationIn, s: Service, actor: Annotated[Actor, Depends(INTAKE)]) -> Written:
    """个人申请：受理一份申请（对象须先登记为 subject，困难类型、申请档次、是否优先考虑）。
    流程的第一步，之后由所属行业党委审核。``result.application`` 是新申请的编号。

    角色：intake."""
    application = _fund(s).submit(
        year=body.year, subject=body.subject, industry=body.industry, hardship=body.hardship,
        requested_tier=body.requested_tier, priority=body.priority, actor=actor,
    )  # fmt: skip
    return written(
        s.ledger, application, application_path(application), application=str(application)
    )


@router.post("/applications/{application}/review",
             summary="行业党委审核 review (industry party committee)")  # fmt: skip
def review(
    application: ApplicationId, body: ReviewIn, s: Service,
    actor: Annotated[Actor, Depends(acting_as(Role.INDUSTRY_PARTY_COMMITTEE))],
) -> Written:  # fmt: skip
    """所属行业党务审核：同意或不同意（不同意须说明理由）。在受理之后、总工会审批之前。

    角色：industry_party_committee."""
    _fund(s).review(application, body.approve, body.reason, actor)
    return _step(s, application)


@router.post("/applications/{application}/approval",
             summary="总工会审批 approve with a tier (trade union)")  # fmt: skip
def approve(
    application: ApplicationId, body: ApprovalIn, s: Service,
    actor: Annotated[Actor, Depends(acting_as(Role.TRADE_UNION))],
) -> Written:  # fmt: skip
    """审批：按档次批准资助，不超过本年度预算余额（优先考虑者优先）。在行业党委审核同意之后，
    财政发放之前；审核人不得审批同一申请。

    角色：trade_union."""
    amount = _fund(s).approve(application, body.tier, actor)
    return _step(s, application, amount_fen=amount)


@router.post("/applications/{application}/rejection",
             summary="总工会不予批准 reject (trade union)")  # fmt: skip
def reject(
    application: ApplicationId, body: ReasonIn, s: Service,
    actor: Annotated[Actor, Depends(acting_as(Role.TRADE_UNION))],
) -> Written:  # fmt: skip
    """审批不通过，须说明理由：在受理或审核之后、批准之前。

    角色：trade_union."""
    _fund(s).reject(application, body.reason, actor)
    return _step(s, application)


@router.post("/applications/{application}/disbursement",
             summary="发放资助 pay the approved tier (finance)")  # fmt: skip
def disburse(
    application: ApplicationId,
    body: DisbursementIn,
    s: Service,
    actor: Annotated[Actor, Depends(FINANCE)],
) -> Written:
    """发放：按批准的档次付款，不超过已到账资金。在总工会审批之后；之后开始定期回访。
    An application's step, not a new resource: 200, ``Location`` the application.

    角色：finance."""
    amount = _fund(s).disburse(application, body.reference, actor)
    return _step(s, application, amount_fen=amount)


@router.post(
    "/applications/{application}/follow-ups", status_code=201,
    summary="回访 a return visit (intake, industry party committee, trade union)",
)  # fmt: skip
def follow_up(
    application: ApplicationId, body: FollowUpIn, s: Service,
    actor: Annotated[Actor, Depends(acting_as(
        Role.INTAKE, Role.INDUSTRY_PARTY_COMMITTEE, Role.TRADE_UNION))],
) -> Written:  # fmt: skip
    """定期回访（"建立定期回访制度"）：回访日期在发放之后、今天之前，记录结果。在发放之后。

    角色：intake, industry_party_committee, trade_union."""
    _fund(s).follow_up(application, body.visited_on, body.outcome, body.note, actor)
    return _step(s, application)


@router.post("/applications/{application}/revocation", summary="撤销违规资助 revoke (supervision)")
def revoke(
    application: ApplicationId, body: RevocationIn, s: Service,
    actor: Annotated[Actor, Depends(acting_as(Role.SUPERVISION))],
) -> Written:  # fmt: skip
    """对违规、违纪、违法行为撤销资助，定应追回金额，违纪移交纪检、违法移送司法，并写明责任党组织
    （"严肃追究有关党组织及其相关责任人的责任"）。在发放之后。

    角色：supervision."""
    _fund(s).revoke(
        application, violation=body.violation, reason=body.reason, recover_fen=body.recover_fen,
        discipline_referral=body.discipline_referral, judicial_referral=body.judicial_referral,
        accountable_organisation=body.accountable_organisation, responsible=body.responsible,
        actor=actor,
    )  # fmt: skip
    return _step(s, application)


@router.post("/applications/{application}/recoveries", status_code=201,
             summary="登记追回资金 money recovered (finance)")  # fmt: skip
def recover(
    application: ApplicationId,
    body: RecoveryIn,
    s: Service,
    actor: Annotated[Actor, Depends(FINANCE)],
) -> Written:
    """登记一笔追回的资金，不超过尚待追回的金额。在监督部门撤销资助之后。

    角色：finance."""
    _fund(s).recover(application, body.amount_fen, body.reference, actor)
    return _step(s, application)
