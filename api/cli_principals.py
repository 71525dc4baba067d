"""``gongshi principals enrol|change-role|link-subject|list``, and how the CLI acts as a
principal: only with a token (``--token`` or ``GONGSHI_TOKEN``), like the API.

Bootstrap: while the registry is empty, ``gongshi principals enrol --account A --role admin``
(no token) enrols A as the first admin, recorded by A itself, and the system's own accounts
(``ledger.principal.SYSTEM_ACCOUNTS``: the escalation and erasure jobs), recorded by A; then
``gongshi tokens create --principal A`` on the server gives A its token, and every other
command takes it. ``gongshi principals enrol-system --token ADMIN`` enrols the system
accounts into a registry bootstrapped before they existed.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from api.cli_output import add_json_flag, print_json, wants_json
from api.tokens import TokenError, Tokens
from ledger.actor import Actor, Role
from ledger.ledger import Ledger, open_ledger
from ledger.principal import Principals, Scope, principal_of, registry_empty
from ledger.settings import Settings

TOKEN_ENV = "GONGSHI_TOKEN"


def token_actor(ledger: Ledger, args: argparse.Namespace) -> Actor:
    """The principal the command acts as: its token's (``--token``, else $GONGSHI_TOKEN),
    live and in its principal's current role; TokenError otherwise."""
    token = getattr(args, "token", None) or os.environ.get(TOKEN_ENV)
    if not token:
        raise TokenError(f"this command acts as a principal: give --token or {TOKEN_ENV}")
    actor = Tokens(ledger.db).actor_of(token.strip())
    principal = principal_of(ledger.app, actor.principal)
    if principal is None or principal.role != actor.role.value:
        raise TokenError(f"the token's role {actor.role.value} is no longer {actor.principal}'s")
    return actor


Service = TypeVar("Service")


def acting_step(
    service: Callable[[Ledger], Service], step: Callable[[Service, argparse.Namespace, Actor], str]
) -> Callable[[Settings, argparse.Namespace], int]:
    """A command's ``run`` that acts as the token's principal through one service of the
    ledger (``Postings``, ``Assessment``): ``step`` gets the service, the arguments and the
    actor and returns the line to print (after the ledger is closed); exit status 0."""

    def run(settings: Settings, args: argparse.Namespace) -> int:
        ledger = open_ledger(settings)
        try:
            line = step(service(ledger), args, token_actor(ledger, args))
        finally:
            ledger.close()
        print(line)
        return 0

    return run


def add_token_argument(parser: Any) -> None:
    parser.add_argument("--token", help=f"the acting principal's API token (or ${TOKEN_ENV})")


def _scope(args: argparse.Namespace) -> Scope:
    return Scope(args.county, args.township, args.village, args.industry)


def _principals(settings: Settings, args: argparse.Namespace) -> int:
    ledger = open_ledger(settings)
    try:
        registry = Principals(ledger)
        if args.principals == "list" and wants_json(args):
            print_json({"principals": [
                {"account": p.account, "role": p.role, "scope": p.scope,
                 "subjects": list(p.subjects)}
                for p in registry.listed()
            ]})  # fmt: skip
            return 0
        if args.principals == "list":
            for p in registry.listed():
                where = ", ".join(f"{k} {v}" for k, v in p.scope.items() if v) or "-"
                linked = " ".join(p.subjects) or "-"
                print(f"{p.account:<24} {p.role:<26} {where}  subjects {linked}")
            return 0
        if args.principals == "enrol":
            bootstrap = registry_empty(ledger.app) and not (args.token or os.environ.get(TOKEN_ENV))
            if bootstrap and Role(args.role) is not Role.ADMIN:
                raise TokenError("the registry is empty: enrol the first admin (--role admin)")
            if bootstrap:
                first, *system = registry.bootstrap(args.account)
                print(f"enrolled {first} as admin (bootstrap); system: {', '.join(system)}")
            else:
                actor = token_actor(ledger, args)
                registry.enrol(args.account, Role(args.role), _scope(args), actor)
                print(f"enrolled {args.account} as {args.role}")
        elif args.principals == "enrol-system":
            enrolled = registry.enrol_system(token_actor(ledger, args))
            print(f"system accounts enrolled: {', '.join(enrolled) or 'none (all were)'}")
        elif args.principals == "change-role":
            actor = token_actor(ledger, args)
            registry.change_role(args.account, Role(args.role), _scope(args), args.reason, actor)
            revoked = Tokens(ledger.db).revoke(args.account, ledger.clock())
            print(f"{args.account} is now {args.role}; {revoked} token(s) revoked")
        else:
            actor = token_actor(ledger, args)
            registry.link_subject(args.account, args.subject, actor)
            print(f"linked {args.account} to subject {args.subject}")
    finally:
        ledger.close()
    return 0


def add_principal_commands(sub: Any) -> None:
    principals = sub.add_parser("principals", help="the principal registry (admin)")
    commands = principals.add_subparsers(dest="principals", required=True)
    enrol = commands.add_parser("enrol", help="enrol an account in one role and its scope")
    change = commands.add_parser("change-role", help="a new role and scope; revokes tokens")
    for parser in (enrol, change):
        parser.add_argument("--account", required=True)
        parser.add_argument("--role", required=True, choices=[r.value for r in Role])
        for level in ("county", "township", "village", "industry"):
            parser.add_argument(f"--{level}")
        add_token_argument(parser)
        parser.set_defaults(run=_principals)
    change.add_argument("--reason", required=True)
    system = commands.add_parser(
        "enrol-system", help="enrol the system's job accounts missing from the registry"
    )
    add_token_argument(system)
    system.set_defaults(run=_principals)
    link = commands.add_parser("link-subject", help="link an account to its own subject")
    link.add_argument("--account", required=True)
    link.add_argument("--subject", required=True, type=UUID, help="the subject's id (UUID)")
    add_token_argument(link)
    link.set_defaults(run=_principals)
    listed = commands.add_parser("list", help="accounts, roles, scopes, subjects")
    add_json_flag(listed, "principals (account, role, scope, subjects)")
    listed.set_defaults(run=_principals)
