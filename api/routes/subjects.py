"""Subjects: personal data into the vault under a pseudonym; erasure; GET on a subject's
public part (pseudonym, kind, erased or not: never the vault's data)."""

from __future__ import annotations

import logging
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path

from api.auth import acting_as, caller
from api.evidence import erasure_receipt, written
from api.idempotency import (
    IDEMPOTENCY_RESPONSES,
    WriteRoute,
    idempotency_key,
    rerun_unanswered,
)
from api.models import ErasureIn, SubjectIn, Written
from api.resources import subject_path, subject_view
from api.services import Services, services
from ledger.actor import Actor, Role
from ledger.errors import RuleViolation
from ledger.ledger import ERASURE_APPROVERS, SUBJECT_ROLES
from ledger.subject import Subject
from projections.erasure import complete_erasure
from projections.registry import projections_of

router = APIRouter(
    prefix="/api/v1/subjects",
    tags=["subjects"],
    route_class=WriteRoute,
    dependencies=[Depends(idempotency_key)],
    responses=IDEMPOTENCY_RESPONSES,
)
SUBJECTS = acting_as(*SUBJECT_ROLES)
reads = APIRouter(prefix="/api/v1/subjects", tags=["subjects"])
REQUESTERS = acting_as(Role.DATA_PROTECTION)
APPROVERS = acting_as(*ERASURE_APPROVERS)
HOLD = "subject.erasure_hold"
log = logging.getLogger(__name__)


SubjectId = Annotated[UUID, Path(description="the subject's pseudonym (its random id)")]


@reads.get("/{subject}", summary="一个登记对象的公开部分 a subject's public part")
def get_subject(
    subject: SubjectId,
    s: Annotated[Services, Depends(services)],
    actor: Annotated[Actor, Depends(caller)],
) -> dict[str, Any]:
    """读取登记对象的公开部分：假名编号、类别、是否已删除、是否有待批准的删除申请。
    个人信息只在加密保险库中，这里从不返回。

    Any enrolled principal's token. 404 ``not_found.subject`` if there is none."""
    return subject_view(s.ledger.app.get(Subject, subject))


@router.post("", status_code=201, summary="登记对象 register a subject: data to the vault")
def register(
    body: SubjectIn,
    s: Annotated[Services, Depends(services)],
    actor: Annotated[Actor, Depends(SUBJECTS)],
) -> Written:
    """登记一个人（申请人、干部、捐赠人……）：个人信息进加密保险库，记录里只有随机假名和承诺值。
    其他记录（帮扶申请、积分卡、督办）引用的第一步。``result.subject`` 是新对象的假名编号。

    角色：intake, finance, supervision, township_party_committee, village_committee,
    organisation_department."""
    personal = body.personal.model_dump(exclude_none=True)
    subject = s.ledger.register_subject(personal, body.kind, actor)
    return written(s.ledger, subject, subject_path(subject), subject=str(subject))


@router.post("/{subject}/erasure", status_code=201,
             summary="申请删除个人信息 request a subject's erasure")  # fmt: skip
def request_erasure(
    subject: Annotated[UUID, Path()],
    body: ErasureIn,
    s: Annotated[Services, Depends(services)],
    actor: Annotated[Actor, Depends(REQUESTERS)],
) -> Written:
    """申请删除个人信息（个人信息保护法第四十七条）：数据保护负责人提出，须说明理由；
    另一人批准后才执行。角色：data_protection.

    Record ``subject.ErasureRequested`` with the reason (PIPL art. 47): a
    ``data_protection`` principal only (403 otherwise). Nothing is deleted yet: a second,
    different principal approves it (``POST .../erasure/approval``). 409
    ``subject.erasure_pending`` while a request is open, ``subject.erased`` once erased."""
    s.ledger.request_erasure(subject, body.reason, actor)
    return written(s.ledger, subject, subject_path(subject), erased=False, approved=False)


@router.post("/{subject}/erasure/approval", status_code=201,
             summary="批准删除 approve a requested erasure")  # fmt: skip
@rerun_unanswered(final=lambda answer: True)
def approve_erasure(
    subject: Annotated[UUID, Path()],
    s: Annotated[Services, Depends(services)],
    actor: Annotated[Actor, Depends(APPROVERS)],
) -> Written:
    """批准删除：在删除申请之后，由申请人以外的另一人批准，随即执行删除。
    角色：data_protection, audit.

    Record ``subject.ErasureApproved`` by a second principal (``data_protection`` or
    ``audit``; 409 ``subject.erasure_approval`` for the requester itself, or without an open
    request), then carry the erasure out at once: ``subject.Erased`` recorded, the vault data
    deleted, the lists rewritten with 已删除. A subject under an open supervision case or an
    undecided application keeps its public-duty name: the approval is recorded and the answer
    says ``erased: false`` with ``held`` (what holds it); the erasure job completes it once
    those are closed. Old bytes leave the database files at the job's next compaction
    (batched, ``files_compacted: false`` here).

    Safe to repeat: if the vault deletion failed after ``subject.Erased`` was saved (a 503),
    the retry (under its Idempotency-Key, or without) finishes it and answers with that
    record's receipt and ``already_erased: true``; once finished, 409 ``subject.erased``."""
    state = s.ledger.app.get(Subject, subject)
    unfinished = state.erased and s.ledger.vault.has_subject(str(subject))
    if not unfinished:
        s.ledger.approve_erasure(subject, actor)
    with projections_of(s.ledger, s.settings) as projections:
        try:
            complete_erasure(s.ledger, projections, subject)
        except RuleViolation as e:
            if e.rule != HOLD:
                raise
            log.info("erasure of %s approved and held: %s", subject, e.message)
            return written(
                s.ledger, subject, subject_path(subject), erased=False, approved=True,
                held=e.message,
            )  # fmt: skip
    result = {"erased": True, "approved": True, "files_compacted": False}
    if unfinished:
        earlier = erasure_receipt(s.ledger, subject)
        answer = {**earlier, "result": {**result, "already_erased": True}}
        return Written.model_validate({**answer, "location": subject_path(subject)})
    return written(s.ledger, subject, subject_path(subject), **result)
