"""Subjects: personal data into the vault under a pseudonym; erasure."""

from __future__ import annotations

import logging
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path

from api.auth import acting_as
from api.evidence import erasure_receipt, written
from api.idempotency import (
    IDEMPOTENCY_RESPONSES,
    WriteRoute,
    idempotency_key,
    rerun_unanswered,
)
from api.models import ErasureIn, SubjectIn, Written
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
REQUESTERS = acting_as(Role.DATA_PROTECTION)
APPROVERS = acting_as(*ERASURE_APPROVERS)
HOLD = "subject.erasure_hold"
log = logging.getLogger(__name__)


@router.post("", status_code=201, summary="register a subject: data to the vault, a pseudonym")
def register(
    body: SubjectIn,
    s: Annotated[Services, Depends(services)],
    actor: Annotated[Actor, Depends(SUBJECTS)],
) -> Written:
    personal = body.personal.model_dump(exclude_none=True)
    subject = s.ledger.register_subject(personal, body.kind, actor)
    return written(s.ledger, subject)


@router.post("/{subject}/erasure", status_code=201, summary="request a subject's erasure")
def request_erasure(
    subject: Annotated[UUID, Path()],
    body: ErasureIn,
    s: Annotated[Services, Depends(services)],
    actor: Annotated[Actor, Depends(REQUESTERS)],
) -> Written:
    """Record ``subject.ErasureRequested`` with the reason (PIPL art. 47): a
    ``data_protection`` principal only (403 otherwise). Nothing is deleted yet: a second,
    different principal approves it (``POST .../erasure/approval``). 409
    ``subject.erasure_pending`` while a request is open, ``subject.erased`` once erased."""
    s.ledger.request_erasure(subject, body.reason, actor)
    return written(s.ledger, subject, erased=False, approved=False)


@router.post("/{subject}/erasure/approval", status_code=201, summary="approve a requested erasure")
@rerun_unanswered(final=lambda answer: True)
def approve_erasure(
    subject: Annotated[UUID, Path()],
    s: Annotated[Services, Depends(services)],
    actor: Annotated[Actor, Depends(APPROVERS)],
) -> Written:
    """Record ``subject.ErasureApproved`` by a second principal (``data_protection`` or
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
            return written(s.ledger, subject, erased=False, approved=True, held=e.message)
    result = {"erased": True, "approved": True, "files_compacted": False}
    if unfinished:
        earlier = erasure_receipt(s.ledger, subject)
        return Written.model_validate({**earlier, "result": {**result, "already_erased": True}})
    return written(s.ledger, subject, **result)
