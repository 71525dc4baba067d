"""Subjects: personal data into the vault under a pseudonym; erasure."""

from __future__ import annotations

import logging
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
from projections.erasure import ErasureIncomplete, erase_everywhere
from projections.registry import projections_of

router = APIRouter(
    prefix="/api/v1/subjects",
    tags=["subjects"],
    route_class=WriteRoute,
    dependencies=[Depends(idempotency_key)],
    responses=IDEMPOTENCY_RESPONSES,
)
SUBJECTS = acting_as(*SUBJECT_ROLES)
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


@router.post("/{subject}/erasure", summary="erase the subject's personal data")
def erase(
    subject: Annotated[UUID, Path()],
    body: ErasureIn,
    s: Annotated[Services, Depends(services)],
    actor: Annotated[Actor, Depends(SUBJECTS)],
) -> Written:
    """Record the erasure, delete the vault data, rewrite the lists that named the subject
    and clear the old bytes from the database files (``projections.erasure``). If a reader
    kept old rows visible too long, the erasure is still recorded and answered; ``result``
    then says ``files_cleared: false`` and what is left (erasing again finishes it)."""
    with projections_of(s.ledger, s.settings) as projections:
        try:
            erase_everywhere(s.ledger, projections, subject, body.reason, actor)
        except ErasureIncomplete as e:
            log.warning("erasure of %s recorded, files not yet cleared: %s", subject, e)
            return written(s.ledger, subject, files_cleared=False, detail=str(e))
    return written(s.ledger, subject, files_cleared=True)
