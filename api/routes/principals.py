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


@router.post("", status_code=201, summary="登记账户 enrol an account in one role and its scope")
def enrol(
    body: EnrolIn,
    s: Annotated[Services, Depends(services)],
    actor: Annotated[Actor, Depends(ADMIN)],
) -> Written:
    """登记一个账户：一个角色及其工作范围（县、镇、村）。签发令牌之前的第一步（令牌从不登记任何人）。

    角色：admin."""
    stream = Principals(s.ledger).enrol(body.account, body.role, body.scope(), actor)
    return written(s.ledger, stream, account=body.account)


@router.post("/{account}/role", summary="变更角色 change an account's role; revokes its tokens")
def change_role(
    account: Account,
    body: RoleIn,
    s: Annotated[Services, Depends(services)],
    actor: Annotated[Actor, Depends(ADMIN)],
) -> Written:
    """变更账户的角色和工作范围（须说明理由），同时吊销它的所有令牌：在登记之后；之后须重新签发令牌。

    角色：admin."""
    registry = Principals(s.ledger)
    registry.change_role(account, body.role, body.scope(), body.reason, actor)
    revoked = s.tokens.revoke(account, s.ledger.clock())
    return written(s.ledger, registry.get(account).id, tokens_revoked=revoked)


@router.post("/{account}/subject", summary="关联对象 link an account to its subject")
def link_subject(
    account: Account,
    body: LinkIn,
    s: Annotated[Services, Depends(services)],
    actor: Annotated[Actor, Depends(ADMIN)],
) -> Written:
    """把账户关联到它所属的登记对象（干部本人的账户不能给自己记分）：在账户和对象都登记之后。

    角色：admin."""
    registry = Principals(s.ledger)
    registry.link_subject(account, body.subject, actor)
    return written(s.ledger, registry.get(account).id)


@router.get("", summary="账户名单 every enrolled principal")
def listed(
    s: Annotated[Services, Depends(services)],
    _: Annotated[Actor, Depends(ADMIN)],
) -> list[dict[str, Any]]:
    """所有已登记的账户：角色、工作范围、关联的对象、曾任角色。

    角色：admin."""
    return [_shown(p) for p in Principals(s.ledger).listed()]
