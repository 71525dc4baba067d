"""A grant paid over a running server's HTTP API, each role with its own token, as the
departments' clerks would: register, submit, review, approve, disburse."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from typing import Any

from api.tokens import Tokens
from ledger.actor import Actor, Role
from ledger.ledger import Ledger
from ledger.principal import Principals, Scope
from tests.support.principals import enrol

ROLES = ("intake", "industry_party_committee", "trade_union", "finance")


def post_json(url: str, body: dict[str, Any], token: str) -> dict[str, Any]:
    """POST ``body`` as JSON with a bearer token; the JSON answer (HTTPError on 4xx/5xx)."""
    request = urllib.request.Request(url, json.dumps(body).encode(), method="POST", headers={
        "Authorization": "Bearer " + token, "Content-Type": "application/json"})  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as response:
        answer: dict[str, Any] = json.loads(response.read())
        return answer


def pay_a_grant(
    base: str, ledger: Ledger, before_payment: Callable[[], None] | None = None
) -> dict[str, Any]:
    """Pay a tier-1 grant of 2023 at ``base``; ``before_payment`` runs just before the
    disbursement. Returns the disbursement's evidence (stream, version, leaf_index, ...)."""
    tokens, registry = Tokens(ledger.db), Principals(ledger)
    actors = [Actor(f"{r}-01", Role(r)) for r in ROLES]
    food = [a for a in actors if a.role is Role.INDUSTRY_PARTY_COMMITTEE]
    enrol(ledger, *food, scope=Scope(industry="food_delivery"))  # reviews its own industry
    enrol(ledger, *actors)
    token = {a.role.value: tokens.issue(registry, a.principal, ledger.clock()) for a in actors}
    person = {"kind": "worker", "personal": {"name": "欧阳娜娜", "phone": "13912345678"}}
    subject = post_json(base + "/api/v1/subjects", person, token["intake"])["evidence"]["stream"]
    application = {"year": 2023, "subject": subject, "industry": "food_delivery",
                   "hardship": "illness", "requested_tier": 1, "priority": False}  # fmt: skip
    case = post_json(base + "/api/v1/carefund/applications", application, token["intake"])
    path = f"{base}/api/v1/carefund/applications/{case['evidence']['stream']}"
    post_json(path + "/review", {"approve": True}, token["industry_party_committee"])
    post_json(path + "/approval", {"tier": 1}, token["trade_union"])
    if before_payment is not None:
        before_payment()
    paid = post_json(path + "/disbursement", {"reference": "TX-9"}, token["finance"])
    evidence: dict[str, Any] = paid["evidence"]
    return evidence
