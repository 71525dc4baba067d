"""待办 over the API: what waits for the caller (any enrolled token), as the console shows it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from api.auth import caller
from api.queues import queue_for
from api.services import Services, services
from ledger.actor import Actor

router = APIRouter(prefix="/api/v1", tags=["queue"])


@router.get(
    "/queue",
    summary="待办: what waits for the caller (any role)",
    description=(
        "Applications at the caller's step (审核 by the industry party committee, 审批 by the"
        " trade union, 发放 by finance, 回访 due), score entries due this quarter in the"
        " caller's township or village, supervision cases at the caller's step, key projects"
        " with overdue items, objections to the caller's postings waiting for its answer and"
        " postings ready to close; only items in the caller's registry scope (an industry"
        " party committee's industry, a county's, a township's); overdue first, then priority."
        " Pseudonymous ids only; each item names its console page. The domain checks every"
        " step again when it is taken."
    ),
)
def queue(
    s: Annotated[Services, Depends(services)], actor: Annotated[Actor, Depends(caller)]
) -> dict[str, Any]:
    today = s.ledger.clock().date()
    items = [item.as_dict() for item in queue_for(s, actor, today)]
    return {"principal": actor.principal, "role": actor.role.value, "today": today.isoformat(),
            "items": items}  # fmt: skip
