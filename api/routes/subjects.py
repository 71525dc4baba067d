"""Subjects: personal data into the vault under a pseudonym; erasure."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path

from api.auth import acting_as
from api.evidence import written
from api.idempotency import IDEMPOTENCY_RESPONSES, WriteRoute, idempotency_key
from api.models import ErasureIn, SubjectIn, Written
from api.services import Services, services
from ledger.actor import Actor
from ledger.ledger import SUBJECT_ROLES

router = APIRouter(
    prefix="/api/v1/subjects",
    tags=["subjects"],
    route_class=WriteRoute,
    dependencies=[Depends(idempotency_key)],
    responses=IDEMPOTENCY_RESPONSES,
)
SUBJECTS = acting_as(*SUBJECT_ROLES)


@router.post("", status_code=201, summary="register a subject: data to the vault, a pseudonym")
def register(
    body: SubjectIn,
    s: Annotated[Services, Depends(services)],
    actor: Annotated[Actor, Depends(SUBJECTS)],
) -> Written:
    personal = body.personal.model_dump(exclude_none=True)
    subject = s.ledger.register_subject(personal, body.kind, actor)
    return written(s.ledger, subject)


@router.post("/{subject}/erasure", summary="erase the subject's personal data")
def erase(
    subject: Annotated[UUID, Path()],
    body: ErasureIn,
    s: Annotated[Services, Depends(services)],
    actor: Annotated[Actor, Depends(SUBJECTS)],
) -> Written:
    s.ledger.erase_subject(subject, body.reason, actor)
    return written(s.ledger, subject)
