"""The rules of issue 13 whose refusal had a service test but no HTTP one: each is refused over
the API as 409 application/problem+json naming the rule, and nothing is stored.

One table, one body: a row builds its state through the services (the state is not what is
tested) and names the refused request; the test sends it with the acting role's token. A
row whose check is removed from ledger/ fails. Rules the API cannot answer with a 409 have no
row: a token carries its principal's current role (``principal.role``); no token is issued
for a system account and one found in the table is 401 (``principal.system``:
tests/api/test_principals_http.py); the escalation
runs on the server's business date and escalates only overdue items not escalated yet, so
only a racing second writer reaches the aggregate's refusal (``keyproject.escalation``, once
``keyproject.escalated``: tested at the aggregate); the schema already refuses with a 422
what ``points.base_pay``, ``points.allocation``, ``keyproject.lead``, ``carefund.priority`` and
``principal.account`` refuse; a held erasure is answered 201 with ``held``
(``subject.erasure_hold``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.points.config import Component
from ledger.supervision.case import Reason, TargetKind
from ledger.supervision.service import Supervision
from tests.integration.helpers import (
    DATA_PROTECTION,
    SUPERVISION,
    approved,
    disbursed,
    erase,
    funded,
    reviewed,
    stored_count,
    subject,
)
from tests.integration.points_helpers import TOWNSHIP, cadre_book, points_ready

PROBLEM = "application/problem+json"
SCHEME = "/api/v1/points/taihu/2023"
Headers = dict[str, dict[str, str]]
Request = tuple[str, dict[str, Any], str]  # path, body, the acting role (tokens' key)
Setup = Callable[[TestClient, Ledger, SteppingClock, Headers], Request]


def _grant_beyond_the_budget(client: TestClient, ledger: Ledger, *_: Any) -> Request:
    """A 1,000-yuan budget; the union approves tier 3 (1,500 yuan)."""
    case = reviewed(funded(ledger, budget_fen=100_000), tier=3)
    return f"/api/v1/carefund/applications/{case}/approval", {"tier": 3}, "trade_union"


def _payment_before_the_money_came_in(client: TestClient, ledger: Ledger, *_: Any) -> Request:
    """An approved grant of a fund year that has received no contribution yet."""
    case = approved(funded(ledger, received_fen=0))
    return f"/api/v1/carefund/applications/{case}/disbursement", {"reference": "TX-1"}, "finance"


def _book(ledger: Ledger, clock: SteppingClock) -> str:
    return f"{SCHEME}/books/{cadre_book(points_ready(ledger, clock))}"


def _entry(component: str, tenths: int) -> dict[str, Any]:
    return {"quarter": 1, "component": component, "points_tenths": tenths, "reason": "表彰"}


def _bonus_beyond_the_yearly_cap(
    client: TestClient, ledger: Ledger, clock: SteppingClock, *_: Any
) -> Request:
    """5.1 points of bonus in one entry ("加分上限5分")."""
    return _book(ledger, clock) + "/entries", _entry("bonus", 51), "township_party_committee"


def _deduction_of_no_points(
    client: TestClient, ledger: Ledger, clock: SteppingClock, *_: Any
) -> Request:
    return _book(ledger, clock) + "/entries", _entry("deduction", 0), "township_party_committee"


def _correction_of_an_entry_never_made(
    client: TestClient, ledger: Ledger, clock: SteppingClock, *_: Any
) -> Request:
    fix = {"entry": 99, "reason": "冲正"}
    return _book(ledger, clock) + "/corrections", fix, "township_party_committee"


def _second_correction_of_one_entry(
    client: TestClient, ledger: Ledger, clock: SteppingClock, *_: Any
) -> Request:
    points = points_ready(ledger, clock)
    book = cadre_book(points)
    first = points.enter(book, quarter=1, component=Component.BONUS, points_tenths=10,
                         reason="表彰", actor=TOWNSHIP)  # fmt: skip
    points.correct(book, first, "录入错误", TOWNSHIP)
    fix = {"entry": first, "reason": "再冲正"}
    return f"{SCHEME}/books/{book}/corrections", fix, "township_party_committee"


def _role_change_to_the_role_held(*_: Any) -> Request:
    """A role change is an event with a reason: to the same role and scope it is no change."""
    same = {"role": "intake", "reason": "岗位调整"}
    return "/api/v1/principals/intake-01/role", same, "admin"


def _subject_linked_twice(client: TestClient, ledger: Ledger, _: Any, tokens: Headers) -> Request:
    link = {"subject": str(ledger.register_subject({"name": "李一"}, "cadre", TOWNSHIP))}
    path = "/api/v1/principals/vc-01/subject"
    first = client.post(path, json=link, headers=tokens["admin"])
    assert first.status_code == 200, first.text
    return path, link, "admin"


def _erasure_requested_twice(client: TestClient, ledger: Ledger, *_: Any) -> Request:
    person = subject(ledger)
    ledger.request_erasure(person, "本人申请", DATA_PROTECTION)
    return f"/api/v1/subjects/{person}/erasure", {"reason": "再次申请"}, "data_protection"


def _erasure_requested_without_a_reason(client: TestClient, ledger: Ledger, *_: Any) -> Request:
    return f"/api/v1/subjects/{subject(ledger)}/erasure", {"reason": " "}, "data_protection"


def _visit_before_payment(client: TestClient, ledger: Ledger, *_: Any) -> Request:
    """定期回访 of a grant approved and not yet paid."""
    case = approved(funded(ledger))
    visit = {"visited_on": "2023-01-10", "outcome": "stable", "note": "回访"}
    return f"/api/v1/carefund/applications/{case}/follow-ups", visit, "intake"


def _visit_dated_before_the_payment(client: TestClient, ledger: Ledger, *_: Any) -> Request:
    """ "建立定期回访制度": a return visit follows the payment (the future is refused in
    test_carefund_priority.py's test_visit_dated_in_the_future_is_409)."""
    case = disbursed(funded(ledger))
    visit = {"visited_on": "2022-12-31", "outcome": "stable", "note": "回访"}
    return f"/api/v1/carefund/applications/{case}/follow-ups", visit, "intake"


def _erasure_of_an_erased_subject(client: TestClient, ledger: Ledger, *_: Any) -> Request:
    person = subject(ledger)
    erase(ledger, person)
    return f"/api/v1/subjects/{person}/erasure", {"reason": "再次申请"}, "data_protection"


def _blank(path: str, acting: str, /, **body: Any) -> Setup:
    """A request whose one blank member (" ": it passes the schema) the domain refuses."""
    return lambda *_: (path, body, acting)


def _guidance_naming_no_instructor(client: TestClient, ledger: Ledger, *_: Any) -> Request:
    return _case_path(ledger) + "/guidance", {"note": "指导", "instructor": " "}, "supervision"


def _case_path(ledger: Ledger) -> str:
    """A complaint case against a unit, talked to (the next steps may follow)."""
    board = Supervision(ledger)
    case = board.open_case(
        target_kind=TargetKind.UNIT, target="水利局", reason=Reason.COMPLAINT,
        detail="群众反映", county="taihu", actor=SUPERVISION,
    )  # fmt: skip
    board.talk(case, "约谈", SUPERVISION)
    return f"/api/v1/supervision/cases/{case}"


def _post_without_a_title(client: TestClient, ledger: Ledger, *_: Any) -> Request:
    cadre = ledger.register_subject({"name": "王五"}, "cadre", TOWNSHIP)
    post = {"cadre": str(cadre), "county": "taihu", "post": " ", "leading": True}
    return "/api/v1/supervision/posts", post, "organisation_department"


def _listing_deadline_before_today(client: TestClient, ledger: Ledger, *_: Any) -> Request:
    """挂牌督办 with a deadline already past (the clock's business date is in 2023)."""
    listing = {"deadline": date(2000, 1, 31).isoformat(), "note": "挂牌"}
    return _case_path(ledger) + "/listing", listing, "supervision"


REFUSALS: list[tuple[str, str, Setup]] = [
    ("grant-beyond-the-budget", "carefund.budget_cap", _grant_beyond_the_budget),
    ("payment-before-the-money-came-in", "carefund.cash_on_hand",
     _payment_before_the_money_came_in),
    ("bonus-beyond-the-yearly-cap", "points.bonus_cap", _bonus_beyond_the_yearly_cap),
    ("deduction-of-no-points", "points.amount", _deduction_of_no_points),
    ("correction-of-an-entry-never-made", "points.correction",
     _correction_of_an_entry_never_made),
    ("second-correction-of-one-entry", "points.correction", _second_correction_of_one_entry),
    ("role-change-to-the-role-held", "principal.reason", _role_change_to_the_role_held),
    ("enrolment-in-a-blank-county", "principal.scope",
     _blank("/api/v1/principals", "admin", account="org-09", role="organisation_department",
            county=" ")),
    ("subject-linked-twice", "principal.linked", _subject_linked_twice),
    ("erasure-requested-twice", "subject.erasure_pending", _erasure_requested_twice),
    ("erasure-requested-without-a-reason", "subject.erase_reason",
     _erasure_requested_without_a_reason),
    ("case-without-a-county", "supervision.county",  # cases carry their county (item 5)
     _blank("/api/v1/supervision/cases", "supervision", target_kind="unit", target="水利局",
            reason="complaint", detail="群众反映", county=" ")),
    ("listing-deadline-before-today", "supervision.deadline", _listing_deadline_before_today),
    ("guidance-naming-no-instructor", "supervision.instructor", _guidance_naming_no_instructor),
    ("visit-before-payment", "carefund.order", _visit_before_payment),
    ("visit-dated-before-the-payment", "carefund.visit_date", _visit_dated_before_the_payment),
    ("erasure-of-an-erased-subject", "subject.erased", _erasure_of_an_erased_subject),
    ("inspection-without-a-county", "inspection.name",
     _blank("/api/v1/supervision/inspections", "organisation_department", name="党建巡查",
            county=" ")),
    ("project-without-a-county", "keyproject.name",
     _blank("/api/v1/supervision/projects", "organisation_department", name="人才引进",
            owner_unit="县委组织部", county=" ", lead="org-02", year=2023,
            items=[{"item": "m1", "title": "选址", "due": "2023-03-31"}])),
    ("selection-inspection-without-a-team", "selection.name",
     _blank("/api/v1/supervision/selection-inspections", "organisation_department",
            name="选人用人专项检查", county="taihu", team=" ")),
    ("post-without-a-title", "cadrepost.post", _post_without_a_title),
]  # fmt: skip


@pytest.mark.parametrize(
    ("rule", "setup"), [pytest.param(rule, setup, id=name) for name, rule, setup in REFUSALS]
)
def test_refused_as_409_naming_the_rule_and_nothing_stored(
    client: TestClient,
    ledger: Ledger,
    clock: SteppingClock,
    tokens: Headers,
    rule: str,
    setup: Setup,
) -> None:
    path, body, role = setup(client, ledger, clock, tokens)
    before = stored_count(ledger)
    response = client.post(path, json=body, headers=tokens[role])
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["rule"] == rule
    assert stored_count(ledger) == before, "a refused write stored something"
