"""Care-fund commands: fund years, contributions, applications through review, approval,
disbursement, follow-up, revocation and recovery, audit results. Roles per endpoint below;
the domain checks them again with the separations of duties."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path

from api.auth import acting_as
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
FINANCE = acting_as(Role.FINANCE)
INTAKE = acting_as(Role.INTAKE)
Service = Annotated[Services, Depends(services)]
ApplicationId = Annotated[UUID, Path(description="the application's stream id")]


def _fund(s: Services) -> CareFund:
    return CareFund(s.ledger, s.carefund_config)


def _year_stream(s: Services, year: int) -> UUID:
    return fund_year_id(s.carefund_config.fund, year)


@router.post("/years", status_code=201, summary="open a fund year (finance)")
def open_year(body: YearIn, s: Service, actor: Annotated[Actor, Depends(FINANCE)]) -> Written:
    stream = _fund(s).open_year(body.year, actor, **body.params())
    return written(s.ledger, stream)


@router.get("/years/{year}/review-queue",
            summary="undecided applications, priority first (committees, union)")  # fmt: skip
def review_queue(
    year: YearPath, s: Service,
    actor: Annotated[Actor, Depends(acting_as(Role.INDUSTRY_PARTY_COMMITTEE, Role.TRADE_UNION))],
) -> list[dict[str, Any]]:  # fmt: skip
    """The year's applications submitted or reviewed and not yet decided: those with
    priority first (优先考虑: "对主动参与城市基层治理、服从行业党委领导且生活有困难的
    新就业群体优先考虑"), then in the order they were submitted. Pseudonymous ids only."""
    return [
        {"application": str(app.id), "priority": app.priority, "stage": app.stage,
         "industry": app.industry, "requested_tier": app.requested_tier}
        for app in _fund(s).review_queue(year)
    ]  # fmt: skip


@router.post("/years/{year}/contributions", status_code=201,
             summary="a contribution received (finance)")  # fmt: skip
def receive(
    year: YearPath, body: ContributionIn, s: Service, actor: Annotated[Actor, Depends(FINANCE)]
) -> Written:
    _fund(s).receive(year, body.source, body.amount_fen, body.reference, actor, body.donor)
    return written(s.ledger, _year_stream(s, year))


@router.post("/years/{year}/audit-results", status_code=201,
             summary="publish an audit result (audit)")  # fmt: skip
def audit_result(
    year: YearPath, body: AuditResultIn, s: Service,
    actor: Annotated[Actor, Depends(acting_as(Role.AUDIT))],
) -> Written:  # fmt: skip
    _fund(s).record_audit_result(year, body.title, body.conclusion, body.findings, actor)
    return written(s.ledger, _year_stream(s, year))


@router.post("/applications", status_code=201, summary="submit an application (intake)")
def submit(body: ApplicationIn, s: Service, actor: Annotated[Actor, Depends(INTAKE)]) -> Written:
    application = _fund(s).submit(
        year=body.year, subject=body.subject, industry=body.industry, hardship=body.hardship,
        requested_tier=body.requested_tier, priority=body.priority, actor=actor,
    )  # fmt: skip
    return written(s.ledger, application)


@router.post("/applications/{application}/review",
             summary="review (industry party committee)")  # fmt: skip
def review(
    application: ApplicationId, body: ReviewIn, s: Service,
    actor: Annotated[Actor, Depends(acting_as(Role.INDUSTRY_PARTY_COMMITTEE))],
) -> Written:  # fmt: skip
    _fund(s).review(application, body.approve, body.reason, actor)
    return written(s.ledger, application)


@router.post("/applications/{application}/approval", summary="approve with a tier (trade union)")
def approve(
    application: ApplicationId, body: ApprovalIn, s: Service,
    actor: Annotated[Actor, Depends(acting_as(Role.TRADE_UNION))],
) -> Written:  # fmt: skip
    amount = _fund(s).approve(application, body.tier, actor)
    return written(s.ledger, application, amount_fen=amount)


@router.post("/applications/{application}/rejection", summary="reject (trade union)")
def reject(
    application: ApplicationId, body: ReasonIn, s: Service,
    actor: Annotated[Actor, Depends(acting_as(Role.TRADE_UNION))],
) -> Written:  # fmt: skip
    _fund(s).reject(application, body.reason, actor)
    return written(s.ledger, application)


@router.post("/applications/{application}/disbursement", summary="pay the approved tier (finance)")
def disburse(
    application: ApplicationId,
    body: DisbursementIn,
    s: Service,
    actor: Annotated[Actor, Depends(FINANCE)],
) -> Written:
    amount = _fund(s).disburse(application, body.reference, actor)
    return written(s.ledger, application, amount_fen=amount)


@router.post(
    "/applications/{application}/follow-ups", status_code=201,
    summary="a return visit (intake, industry party committee, trade union)",
)  # fmt: skip
def follow_up(
    application: ApplicationId, body: FollowUpIn, s: Service,
    actor: Annotated[Actor, Depends(acting_as(
        Role.INTAKE, Role.INDUSTRY_PARTY_COMMITTEE, Role.TRADE_UNION))],
) -> Written:  # fmt: skip
    _fund(s).follow_up(application, body.visited_on, body.outcome, body.note, actor)
    return written(s.ledger, application)


@router.post(
    "/applications/{application}/revocation", summary="revoke for a violation (supervision)"
)
def revoke(
    application: ApplicationId, body: RevocationIn, s: Service,
    actor: Annotated[Actor, Depends(acting_as(Role.SUPERVISION))],
) -> Written:  # fmt: skip
    _fund(s).revoke(
        application, violation=body.violation, reason=body.reason, recover_fen=body.recover_fen,
        discipline_referral=body.discipline_referral, judicial_referral=body.judicial_referral,
        accountable_organisation=body.accountable_organisation, responsible=body.responsible,
        actor=actor,
    )  # fmt: skip
    return written(s.ledger, application)


@router.post("/applications/{application}/recoveries", status_code=201,
             summary="money recovered on a revoked grant (finance)")  # fmt: skip
def recover(
    application: ApplicationId,
    body: RecoveryIn,
    s: Service,
    actor: Annotated[Actor, Depends(FINANCE)],
) -> Written:
    _fund(s).recover(application, body.amount_fen, body.reference, actor)
    return written(s.ledger, application)
