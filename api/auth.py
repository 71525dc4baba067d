"""Who is calling: the bearer token's principal and role, checked against an endpoint's roles.

Every write endpoint declares the roles that may call it; the domain checks them again (and
the separations of duties, the registry's role and scope) when the command runs. ``admin``
manages tokens, rebuilds and the principal registry (api/routes/principals.py), and is in
no other write endpoint's roles: it can't write other domain records.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.request_log import remember_principal
from api.services import Services, services
from api.tokens import SYSTEM_NAMES, TokenError
from ledger.actor import Actor, Role
from ledger.principal import principal_of

# Declares the scheme in the OpenAPI document (the Authorize button of /docs) on every
# operation that needs a token; ``caller`` reads the header itself for its own messages.
BEARER = HTTPBearer(
    auto_error=False, scheme_name="bearer",
    description="访问令牌（gongshi tokens create --principal 账户）：Authorization: Bearer 令牌",
)  # fmt: skip


def caller(
    s: Annotated[Services, Depends(services)],
    authorization: Annotated[str | None, Header(max_length=200, include_in_schema=False)] = None,
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)] = None,
) -> Actor:
    """The actor of ``Authorization: Bearer TOKEN``; TokenError (401) without a valid one,
    or when the token's role is no longer its principal's in the registry (a token carries
    the role it was issued with: after a role change, a new token), or is a system account's
    (no token acts as one: api/tokens.py)."""
    if authorization is None:
        raise TokenError("missing bearer token (Authorization: Bearer TOKEN)", "auth.missing_token")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise TokenError("the Authorization header is not 'Bearer TOKEN'", "auth.malformed_header")
    actor = s.tokens.actor_of(token.strip())
    if actor.principal in SYSTEM_NAMES:
        raise TokenError(
            f"bearer token of {actor.principal}, a system account: no token acts as it",
            "auth.system_account", account=actor.principal,
        )  # fmt: skip
    principal = principal_of(s.ledger.app, actor.principal)
    if principal is None or principal.role != actor.role.value:
        held = "not enrolled" if principal is None else f"now {principal.role}"
        raise TokenError(
            f"bearer token of {actor.principal} as {actor.role.value}, {held}",
            "auth.role_changed" if principal is not None else "auth.unknown_token",
        )
    return actor


def acting_as(*roles: Role) -> Callable[[Request, Actor], Actor]:
    """A dependency: the caller, if it holds one of ``roles`` (else 403, rule ``role``)."""

    def check(request: Request, actor: Annotated[Actor, Depends(caller)]) -> Actor:
        remember_principal(request, actor.principal)  # the request's log line names it
        actor.require(*roles)
        return actor

    check.roles = roles  # type: ignore[attr-defined]  # read by the authorisation tests
    return check
