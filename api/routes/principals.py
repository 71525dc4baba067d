"""The principal registry (admin): enrol an account, change its role (its tokens are revoked:
a token carries the role it was created with), link it to its subject, list the registry."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict, Field

from api.auth import acting_as
from api.evidence import written
from api.idempotency import IDEMPOTENCY_RESPONSES, WriteRoute, idempotency_key
from api.models import Written
from api.services import Services, services
from ledger.actor import Actor, Role
from ledger.principal import Principal, Principals, Scope

router = APIRouter(
    prefix="/api/v1/principals",
    tags=["principals"],
    route_class=WriteRoute,
    dependencies=[Depends(idempotency_key)],
    responses=IDEMPOTENCY_RESPONSES,
)
ADMIN = acting_as(Role.ADMIN)
Account = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9._@-]{0,63}$")]
Level = Annotated[str | None, Field(default=None, min_length=1, max_length=100)]


class ScopeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    county: Level = None
    township: Level = None
    village: Level = None
    industry: Level = None

    def scope(self) -> Scope:
        return Scope(self.county, self.township, self.village, self.industry)


class EnrolIn(ScopeIn):
    account: str = Field(pattern=r"^[a-z0-9][a-z0-9._@-]{0,63}$")
    role: Role


class RoleIn(ScopeIn):
    role: Role
    reason: str = Field(min_length=1, max_length=500)


class LinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subject: UUID


def _shown(p: Principal) -> dict[str, Any]:
    return {
        "account": p.account, "role": p.role, "scope": p.scope, "subjects": p.subjects,
        "roles_held": p.roles_held, "stream": str(p.id),
    }  # fmt: skip


@router.post("", status_code=201, summary="enrol an account in one role and its scope")
def enrol(
    body: EnrolIn,
    s: Annotated[Services, Depends(services)],
    actor: Annotated[Actor, Depends(ADMIN)],
) -> Written:
    stream = Principals(s.ledger).enrol(body.account, body.role, body.scope(), actor)
    return written(s.ledger, stream, account=body.account)


@router.post("/{account}/role", summary="change an account's role and scope; revokes its tokens")
def change_role(
    account: Account,
    body: RoleIn,
    s: Annotated[Services, Depends(services)],
    actor: Annotated[Actor, Depends(ADMIN)],
) -> Written:
    registry = Principals(s.ledger)
    registry.change_role(account, body.role, body.scope(), body.reason, actor)
    revoked = s.tokens.revoke(account, s.ledger.clock())
    return written(s.ledger, registry.get(account).id, tokens_revoked=revoked)


@router.post("/{account}/subject", summary="link an account to the subject it belongs to")
def link_subject(
    account: Account,
    body: LinkIn,
    s: Annotated[Services, Depends(services)],
    actor: Annotated[Actor, Depends(ADMIN)],
) -> Written:
    registry = Principals(s.ledger)
    registry.link_subject(account, body.subject, actor)
    return written(s.ledger, registry.get(account).id)


@router.get("", summary="every enrolled principal: role, scope, linked subjects, roles held")
def listed(
    s: Annotated[Services, Depends(services)],
    _: Annotated[Actor, Depends(ADMIN)],
) -> list[dict[str, Any]]:
    return [_shown(p) for p in Principals(s.ledger).listed()]
