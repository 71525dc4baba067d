"""Subjects: personal data into the vault under a pseudonym; erasure."""

from __future__ import annotations

import logging
from typing import Annotated, Any
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
from ledger import idempotency, receipts
from ledger.actor import Actor
from ledger.errors import RuleViolation
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


def _cleared(answer: dict[str, Any]) -> bool:
    """An erasure's answer is final (stored for its key) once the files are cleared."""
    result = answer.get("result")
    return not isinstance(result, dict) or result.get("files_cleared") is not False


@router.post("/{subject}/erasure", summary="erase the subject's personal data")
@rerun_unanswered(final=_cleared)
def erase(
    subject: Annotated[UUID, Path()],
    body: ErasureIn,
    s: Annotated[Services, Depends(services)],
    actor: Annotated[Actor, Depends(SUBJECTS)],
) -> Written:
    """Record the erasure, delete the vault data, rewrite the lists that named the subject
    and clear the old bytes from the database files (``projections.erasure``).

    Erasing is safe to repeat, and a repeat finishes what an earlier erasure left: if the
    vault deletion failed after the record was saved (a 503), or a reader kept old rows
    visible too long (``result.files_cleared: false`` and what is left), erasing again
    completes it. When the request saved no record itself (the erasure's record was saved
    earlier), the answer is the receipt of that ``subject.Erased`` record with
    ``already_erased: true``. A subject whose data was already gone is 409
    ``subject.erased`` (after its files are finished), except for a retry under the
    Idempotency-Key that recorded the erasure: that is answered 200 as above, with
    ``files_cleared: true``. Only a ``files_cleared: true`` answer is stored for a key; until
    then a retry with the key runs the erasure again (``rerun_unanswered``)."""
    with projections_of(s.ledger, s.settings) as projections:
        try:
            erase_everywhere(s.ledger, projections, subject, body.reason, actor)
        except ErasureIncomplete as e:
            log.warning("erasure of %s recorded, files not yet cleared: %s", subject, e)
            return _answer(s, subject, files_cleared=False, detail=str(e))
        except RuleViolation as e:
            key = idempotency.current()
            if e.rule != "subject.erased" or key is None or not key.recorded:
                raise
            # A retry of this key's own recorded erasure: its files were finished just now.
            return _answer(s, subject, files_cleared=True)
    return _answer(s, subject, files_cleared=True)


def _answer(s: Services, subject: UUID, **result: Any) -> Written:
    """The erasure's answer: its own record's receipt, or, when this request saved nothing
    (it finished an earlier erasure), the receipt of that erasure's record."""
    if any(str(r.notification.originator_id) == str(subject) for r in receipts.captured() or []):
        return written(s.ledger, subject, **result)
    earlier = erasure_receipt(s.ledger, subject)
    return Written.model_validate({**earlier, "result": {**result, "already_erased": True}})
