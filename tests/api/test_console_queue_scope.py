"""待办 by the principal's registry scope, not only its role (api/queues.py ``covers``, the
domain's ``principal.scope``): two industry party committees each see only their industry's
applications to review and visits due; a township committee of another county with the same
township code sees none of Taihu's books; a supervision principal of another county none of
Taihu's cases or projects."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from ledger.actor import Actor, Role
from ledger.carefund.config import Hardship, Industry
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.points.config import Component
from ledger.principal import Principals, Scope
from ledger.supervision.service import Supervision
from tests.api.conftest import settle
from tests.api.test_console import signed_in
from tests.integration.helpers import INTAKE, YEAR, disbursed, funded, subject, submitted
from tests.integration.points_helpers import ORGANISATION, TOWNSHIP, cadre_book, points_ready
from tests.support.principals import enrol

Headers = dict[str, dict[str, str]]


def _token_of(client: TestClient, ledger: Ledger, actor: Actor, scope: Scope) -> dict[str, str]:
    enrol(ledger, actor, scope=scope)
    services: Any = client.app.state.services  # type: ignore[attr-defined]
    token = services.tokens.issue(Principals(ledger), actor.principal, ledger.clock())
    return {"Authorization": f"Bearer {token}"}


def _items(client: TestClient, header: dict[str, str]) -> set[tuple[str, str]]:
    answer = client.get("/api/v1/queue", headers=header)
    assert answer.status_code == 200, answer.text
    return {(i["step"], i["item"]) for i in answer.json()["items"]}


def test_each_industry_committee_sees_only_its_industrys_applications_and_visits(
    client: TestClient, tokens: Headers, ledger: Ledger, clock: SteppingClock
) -> None:
    fund = funded(ledger)
    express, paid = submitted(fund), disbursed(fund)
    food = fund.submit(
        year=YEAR, subject=subject(ledger), industry=Industry.FOOD_DELIVERY,
        hardship=Hardship.ILLNESS, requested_tier=1, priority=False, actor=INTAKE,
    )  # fmt: skip
    other = Actor("ipc-food-01", Role.INDUSTRY_PARTY_COMMITTEE)
    food_header = _token_of(client, ledger, other, Scope(industry="food_delivery"))
    settle(client)
    due = fund.follow_ups_due(YEAR)[0][1]
    clock.set(datetime.fromisoformat(due).replace(tzinfo=UTC, hour=9))
    assert _items(client, tokens["industry_party_committee"]) == {
        ("review", str(express)), ("follow_up", str(paid)),
    }  # fmt: skip
    assert _items(client, food_header) == {("review", str(food))}
    browser, _ = signed_in(client, food_header)
    home = browser.get("/console/").text
    assert str(food) in home and str(express) not in home and str(paid) not in home
    # the union, without an industry, still sees both to approve once reviewed
    fund.review(food, True, "", other)
    settle(client)
    assert ("approval", str(food)) in _items(client, tokens["trade_union"])


def test_a_township_committee_of_another_county_sees_none_of_its_books_nor_cases(
    client: TestClient, tokens: Headers, ledger: Ledger, clock: SteppingClock
) -> None:
    book = cadre_book(points_ready(ledger, clock))
    case = {"target_kind": "unit", "target": "水利局", "reason": "complaint",
            "detail": "群众反映工程进度滞后", "county": "taihu"}  # fmt: skip
    opened = client.post("/api/v1/supervision/cases", json=case, headers=tokens["supervision"])
    assert opened.status_code == 201, opened.text
    stream = opened.json()["evidence"]["stream"]
    settle(client)
    mine = _items(client, tokens["township_party_committee"])
    assert ("score_entry", str(book)) in mine and ("talk", stream) in mine
    elsewhere = Actor("tpc-huaining-01", Role.TOWNSHIP_PARTY_COMMITTEE)
    header = _token_of(client, ledger, elsewhere, Scope(county="huaining", township="th01"))
    assert _items(client, header) == set()
    supervisor = Actor("supervision-huaining-01", Role.SUPERVISION)
    assert _items(client, _token_of(client, ledger, supervisor, Scope(county="huaining"))) == set()
    assert ("talk", stream) in _items(client, tokens["supervision"])


def test_a_bottom_cases_talk_and_guidance_wait_only_for_the_cadres_own_township_and_village(
    client: TestClient, tokens: Headers, ledger: Ledger, clock: SteppingClock
) -> None:
    """ "乡镇党委及时约谈提醒，包村党建指导员现场指导": the domain's hands (ledger/supervision/
    hands.py) decide whose 待办 the step is in."""
    points = points_ready(ledger, clock)
    clock.set(datetime(2023, 6, 1, 9, tzinfo=UTC))
    for i in range(10):
        book = cadre_book(points, name=f"干部{i}")
        points.enter(book, quarter=2, component=Component.BONUS, points_tenths=i + 1,
                     reason="表彰", actor=TOWNSHIP)  # fmt: skip
    clock.set(datetime(2024, 1, 10, 9, tzinfo=UTC))
    points.close_year(ORGANISATION)
    (case,) = (str(c) for c in ledger.app.streams_of("supervision.CaseOpened"))
    settle(client)
    th02 = Actor("tpc-th02-01", Role.TOWNSHIP_PARTY_COMMITTEE)
    th02_header = _token_of(client, ledger, th02, Scope(county="taihu", township="th02"))
    assert ("talk", case) in _items(client, tokens["township_party_committee"])
    for header in (th02_header, tokens["supervision"], tokens["party_building_instructor"]):
        assert ("talk", case) not in _items(client, header)
    Supervision(ledger).talk(UUID(case), "约谈提醒", TOWNSHIP)
    settle(client)
    village02 = Actor("pbi-th01-02", Role.PARTY_BUILDING_INSTRUCTOR)
    other_village = Scope(county="taihu", township="th01", village="晋熙镇02村")
    assert _items(client, tokens["party_building_instructor"]) == {("guidance", case)}
    instructor, _ = signed_in(client, tokens["party_building_instructor"])
    page = instructor.get(f"/console/cases/{case}").text  # the guidance form: no id to type
    assert f"supervision.cases.case.guidance?case={case}&amp;instructor=pbi-01" in page
    assert _items(client, _token_of(client, ledger, village02, other_village)) == set()
